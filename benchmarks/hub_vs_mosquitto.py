#!/usr/bin/env python3
"""Benchmark: the IoT Hub emulator next to Debian's mosquitto (2.0, mutual TLS, `persistence false`,
`set_tcp_nodelay true`), driven by the same load generator (`mqtt-load`) in the same run, for three workloads. Each prints, per broker, the connect rate,
messages/s and latency p50/p99, then the emulator/mosquitto ratios. The goal is at least 1.0x mosquitto's
messages/s, and a p99 no worse than its, at 100 and 1,000 clients.

telemetry  N clients publish QoS 1 D2C messages of 256 bytes on `devices/{id}/messages/events/`, one in flight
           each; latency: PUBLISH written to PUBACK read. Same topic and payload on both brokers.
twin       N devices send reported-property PATCHes (QoS 1, ~50-byte JSON) one after the other and wait for each
           answer; latency: PATCH written to its 204 read. Emulator: `$iothub/twin/PATCH/properties/reported/?$rid=N`
           answered `$iothub/twin/res/204/?$rid=N&$version=V` once the twin is stored in SQLite. mosquitto peer: the
           device publishes `$iothub/twin/{id}/PATCH/properties/reported/?$rid=N` (QoS 1) and responder clients of
           the load generator (one per core, each subscribed at QoS 1 to its share of the devices' request topics)
           answer each on `$iothub/twin/{id}/res/204/?$rid=N&$version=V`, which the device subscribed to: two trips
           through the broker and an in-memory version count, no store.
c2d        N devices subscribed to `devices/{id}/messages/devicebound/#` at QoS 1 receive 256-byte messages, one at a
           time (the next is sent once the last arrived), from S sender connections each with one request in
           flight; latency: request written to message read at the device. Emulator: the admin API's
           `POST /admin/hubs/{hub}/devices/{id}/messages` over HTTPS keep-alive (what `nrfsim az iot device
           c2d-message send` calls; IoT Hub's own service send is AMQP), queued in SQLite, delivered, completed at the
           device's PUBACK. mosquitto peer: S publisher clients publish QoS 1 on the same topic with the property
           bag the hub writes (`$.mid`, `$.to`); the PUBACK lets a publisher send its next one.

The emulator stores every twin change and C2D message with SQLite `synchronous = FULL` before it answers (three
writes per C2D message: queue, count the delivery, complete); writers that come together share one commit and one
fsync (group commit), so the fsyncs per message fall as the load rises; mosquitto runs without persistence.

CPU us/msg is the broker's own CPU time (all its threads, /proc/PID/task/*/schedstat) in the timed phase divided by
the messages: on a shared machine messages/s moves with everything else that runs, the CPU cost much less. The load
generator shares the machine's cores with the broker, so messages/s reflects broker + generator CPU per message.

Where the time goes (perf record -g on the emulator during one 1,000-client phase, 2 cores shared with other
builds; `benchmarks/perf_flat.py` resolves the release binary's symbols where `perf report` does not):
  telemetry (~31-37 us/msg; mosquitto ~20-26): kernel 31% (the write(2) of each PUBACK with its loopback
    delivery, read, epoll), Swift runtime 21% (retain/release in NIO's pipeline and NIOSSL, exclusivity checks),
    NIOSSL + BoringSSL: a TLS record and a write per PUBACK (NIOSSLHandler.flush 28% with the kernel's share), the
    frame decoder 4%, the hub's own code ~7%: DeviceConnectionHandler.publish 5% (TelemetryStream.append 1%, the
    PUBACK 2%), SerialSteps.isIdle 1.4%. No longer there: iso8601() per message (2.2%; the event keeps its Date and
    formats it when read) and the copy of the hub's device dictionary on every CONNECT (12% of the run at 1,000
    devices; HubRegistry.updateDevice replaces the one device). The gap to mosquitto is NIO's and NIOSSL's per-packet
    machinery (mosquitto, profiled before: kernel 52%, OpenSSL 29%, libc 11%, mosquitto itself 8%).
  twin (~240-265 us/msg, was ~1,700-1,800): group commit, 16% (the savepoint, the upsert with its bound values, the
    commit; fdatasync's CPU is small, its wait is shared), JSONValue.text 6% (the five twin columns serialized on
    every PATCH, though a reported PATCH changes two), DeviceRow.columnValues 5%, NIOSSL + the event loops ~45%,
    NIOThreadPool hand-offs. Before: every PATCH its own fsync under the registry's lock (~1.5 ms each here, so at
    most ~650 PATCHes/s) and a copy of the hub's 1,000 devices per PATCH.
  c2d (~1,000 us/msg, was ~2,700-2,900): the HTTPS request (llhttp, the aggregator, routing, JSON) ~25%, the store
    ~30% (three writes, C2DRow's Codable decoding of the queue read 3%, its encoding on insert 2%), NIOSSL, malloc.
    Before: the queue read twice per send and every enqueue fsynced under the registry's lock.

Usage: .venv/bin/python benchmarks/hub_vs_mosquitto.py [--clients 100,1000] [--workloads telemetry,twin,c2d]
           [--messages 100] [--twin-messages 10] [--c2d-messages 5] [--c2d-senders 16] [--runs 1]
           [--perf-record FILE --perf-workload telemetry --perf-clients 1000]
(after `swift build -c release`; NRFSIM_BIN and MQTT_LOAD_BIN override the binaries.) With --runs R each workload
is measured R times (emulator and mosquitto alternating) and the medians are printed after the single runs.
"""
import argparse
import http.client
import json
import os
import pathlib
import re
import resource
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
NRFSIM = os.environ.get("NRFSIM_BIN", str(REPO / ".build/release/nrfsim"))
LOAD = os.environ.get("MQTT_LOAD_BIN", str(REPO / ".build/release/mqtt-load"))
HUB_MQTT, HUB_HTTPS, MOSQUITTO_PORT = 28883, 28443, 28884
HUB_USERNAME = "benchhub.azure-devices.net/{id}/?api-version=2021-04-12"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def run(*args, **kwargs):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kwargs)


def admin(conn, token, method, path, body=None, hub=None):
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    if hub:
        headers["x-nrfsim-hub"] = hub
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, response.status, data))
    return json.loads(data) if data else None


def start_emulator(data, *extra):
    """Starts the release `nrfsim hub` on the benchmark ports; returns the process, its server root CA path, its admin
    token and an HTTPS connection to its admin API."""
    hub = subprocess.Popen([NRFSIM, "hub", "--data-dir", str(data), "--mqtt-port", str(HUB_MQTT), "--https-port",
                            str(HUB_HTTPS), "--blob-http-port", "0", "--log-level", "error", *extra],
                           stdout=subprocess.PIPE, text=True)
    # The banner's lines (listeners, blob storage, the server root) end with the root's path.
    banner = ""
    while "Server root CA:" not in banner:
        line = hub.stdout.readline()
        if not line:
            hub.wait()
            raise RuntimeError("nrfsim hub exited (%s) before its banner: %r" % (hub.returncode, banner))
        banner += line
    server_ca = re.search(r"Server root CA: (\S+)", banner).group(1)
    token = (data / "admin-token").read_text().strip()
    conn = http.client.HTTPSConnection("127.0.0.1", HUB_HTTPS, context=ssl.create_default_context(cafile=server_ca))
    return hub, server_ca, token, conn


def run_load(args, pid):
    """Runs the load generator; returns its figures, with the CPU time broker `pid` spent per message in the timed
    phase (from the generator's "connected" on stderr to its end): on a shared machine the throughput moves with
    the other load, the CPU cost per message much less."""
    process = subprocess.Popen([LOAD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    before = None
    for line in process.stderr:
        if line.strip() == "connected":
            before = cpu_seconds(pid)
            break
    out, err = process.communicate()
    after = cpu_seconds(pid)
    if process.returncode != 0 or before is None:
        raise RuntimeError("mqtt-load %s failed (%s): %s" % (" ".join(args[:2]), process.returncode, err.strip()))
    r = json.loads(out)
    r["cpu_us_per_message"] = (after - before) * 1e6 / r["messages"]
    return r


def load(port, server_ca, scratch, clients, messages, username, topic, pid):
    """The telemetry workload (the load generator's default mode)."""
    r = run_load(["127.0.0.1", str(port), server_ca, str(scratch / "ca/root-ca-cert.pem"),
                  str(scratch / "ca/root-ca-key.pem"), str(clients), str(messages), "256", username, topic], pid)
    return dict(r, p50_ms=r["puback_p50_ms"], p99_ms=r["puback_p99_ms"])


def load_mode(mode, broker, port, server_ca, scratch, clients, messages, pid, *extra):
    """The twin or c2d workload against `broker` (hub or mosquitto)."""
    username = HUB_USERNAME if broker == "hub" else ""
    return run_load([mode, "127.0.0.1", str(port), server_ca, str(scratch / "ca/root-ca-cert.pem"),
                     str(scratch / "ca/root-ca-key.pem"), str(clients), str(messages), broker, username, *extra], pid)


def cpu_seconds(pid):
    """The CPU time a process's threads have run, in nanosecond resolution: the sum of the first field of
    /proc/PID/task/*/schedstat (the broker's threads live for the whole run)."""
    total = 0
    for task in pathlib.Path("/proc/%d/task" % pid).iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that just ended
    return total / 1e9


def measure(workload, broker, n, args, scratch, server_ca, data, pid):
    """One workload against one broker (`pid`: the broker's process)."""
    port = HUB_MQTT if broker == "hub" else MOSQUITTO_PORT
    if workload == "telemetry":
        return load(port, server_ca, scratch, n, args.messages, HUB_USERNAME if broker == "hub" else "",
                    "devices/{id}/messages/events/", pid)
    if workload == "twin":
        return load_mode("twin", broker, port, server_ca, scratch, n, args.twin_messages, pid)
    extra = [str(args.c2d_senders)]
    if broker == "hub":
        extra += [str(HUB_HTTPS), "benchhub", str(data / "admin-token")]
    return load_mode("c2d", broker, port, server_ca, scratch, n, args.c2d_messages, pid, *extra)


HEADER = "%-6s %-10s %-10s %12s %14s %12s %12s %12s" % (
    "N", "workload", "broker", "connects/s", "messages/s", "p50 ms", "p99 ms", "CPU us/msg")


def row(n, workload, name, r):
    return "%-6d %-10s %-10s %12.1f %14.1f %12.3f %12.3f %12.1f" % (
        n, workload, name, r["connects_per_second"], r["messages_per_second"], r["p50_ms"], r["p99_ms"], r["cpu_us_per_message"])


def ratio_row(n, workload, ours, theirs):
    return "%-6d %-10s %-10s %11.2fx %13.2fx %11.2fx %11.2fx %11.2fx   (emulator / mosquitto; latency, CPU: mosquitto / emulator)" % (
        n, workload, "ratio", ours["connects_per_second"] / theirs["connects_per_second"],
        ours["messages_per_second"] / theirs["messages_per_second"],
        theirs["p50_ms"] / ours["p50_ms"], theirs["p99_ms"] / ours["p99_ms"],
        theirs["cpu_us_per_message"] / max(ours["cpu_us_per_message"], 1e-9))


def median_of(results):
    keys = ("connects_per_second", "messages_per_second", "p50_ms", "p99_ms", "cpu_us_per_message")
    return {key: statistics.median(r[key] for r in results) for key in keys}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--workloads", default="telemetry,twin,c2d")
    parser.add_argument("--messages", type=int, default=100, help="telemetry messages per client")
    parser.add_argument("--twin-messages", type=int, default=10, help="twin PATCHes per device")
    parser.add_argument("--c2d-messages", type=int, default=5, help="C2D messages per device")
    parser.add_argument("--c2d-senders", type=int, default=16, help="HTTPS connections / publisher clients sending C2D")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--perf-record", help="run `perf record -g` on the emulator during one workload into this file")
    parser.add_argument("--perf-workload", default="telemetry")
    parser.add_argument("--perf-clients", type=int, default=1000)
    args = parser.parse_args()
    raise_fd_limit()
    sizes = [int(n) for n in args.clients.split(",")]
    workloads = args.workloads.split(",")
    results = {}  # (n, workload, broker) -> [figures]
    print("load average at start: %.2f %.2f %.2f (%d cores)" % (os.getloadavg() + (os.cpu_count(),)))
    with tempfile.TemporaryDirectory() as directory:
        scratch = pathlib.Path(directory)
        run(NRFSIM, "cert-tool", "root_ca", cwd=scratch)  # the client CA for both brokers
        data = scratch / "hub"
        hub, server_ca, token, conn = start_emulator(data)
        try:
            admin(conn, token, "PUT", "/admin/hubs/benchhub")
            admin(conn, token, "PUT", "/admin/hubs/benchhub/certificates/clients",
                  {"certificate": (scratch / "ca/root-ca-cert.pem").read_text(), "isVerified": True})
            for n in range(max(sizes)):
                admin(conn, token, "PUT", "/devices/load-%d?api-version=2021-04-12" % n,
                      {"deviceId": "load-%d" % n, "authentication": {"type": "certificateAuthority"}}, hub="benchhub")
            conn.close()
            # mosquitto 2.0 with mutual TLS: the same server certificate, client certificates from the same CA.
            conf = scratch / "mosquitto.conf"
            conf.write_text("\n".join([
                "listener %d 127.0.0.1" % MOSQUITTO_PORT, "cafile %s" % (scratch / "ca/root-ca-cert.pem"),
                "certfile %s" % (data / "server-cert.pem"), "keyfile %s" % (data / "server-key.pem"),
                "require_certificate true", "use_identity_as_username true", "allow_anonymous false",
                "max_connections -1", "persistence false", "log_type error", "user root",
                # Nagle off, as the emulator sets TCP_NODELAY: mosquitto's default (false) holds a second small write
                # (a PUBACK, then the twin answer or C2D message it routes) until the peer's delayed ACK, ~40 ms.
                "set_tcp_nodelay true", ""]))
            # mosquitto must trust the CA that signed the clients, and clients must trust the emulator's server root.
            mosquitto = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.5)
            try:
                print("telemetry: %d QoS 1 messages of 256 bytes per client; twin: %d PATCHes per device; "
                      "c2d: %d messages of 256 bytes per device from %d senders" % (
                          args.messages, args.twin_messages, args.c2d_messages, args.c2d_senders))
                print(HEADER)
                for attempt in range(args.runs):
                    for n in sizes:
                        for workload in workloads:
                            profile = args.perf_record and attempt == 0 and workload == args.perf_workload and n == args.perf_clients
                            perf = None
                            if profile:
                                perf = subprocess.Popen(["perf", "record", "-g", "-o", args.perf_record, "-p", str(hub.pid)],
                                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                                time.sleep(0.5)
                            try:
                                ours = measure(workload, "hub", n, args, scratch, server_ca, data, hub.pid)
                            finally:
                                if perf:
                                    perf.send_signal(signal.SIGINT)
                                    perf.wait()
                            theirs = measure(workload, "mosquitto", n, args, scratch, server_ca, data, mosquitto.pid)
                            results.setdefault((n, workload, "emulator"), []).append(ours)
                            results.setdefault((n, workload, "mosquitto"), []).append(theirs)
                            print(row(n, workload, "emulator", ours))
                            print(row(n, workload, "mosquitto", theirs))
                            print(ratio_row(n, workload, ours, theirs), flush=True)
                if args.runs > 1:
                    print("\nmedians of %d runs" % args.runs)
                    print(HEADER)
                    for n in sizes:
                        for workload in workloads:
                            ours = median_of(results[(n, workload, "emulator")])
                            theirs = median_of(results[(n, workload, "mosquitto")])
                            print(row(n, workload, "emulator", ours))
                            print(row(n, workload, "mosquitto", theirs))
                            print(ratio_row(n, workload, ours, theirs))
            finally:
                mosquitto.terminate()
                mosquitto.wait()
        finally:
            hub.terminate()
            hub.wait()
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [{"clients": n, "workload": w, "broker": b, "runs": r} for (n, w, b), r in sorted(results.items())], indent=1))


if __name__ == "__main__":
    sys.exit(main())
