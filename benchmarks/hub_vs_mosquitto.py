#!/usr/bin/env python3
"""Benchmark: N mutually authenticated TLS clients publish QoS 1 D2C messages of 256 bytes to the IoT Hub emulator and
to Debian's mosquitto with mutual TLS, driven by the same load generator (`mqtt-load`) in the same run. Prints the
connect rate, sustained messages/s and PUBACK latency p50/p99 for each, and the emulator/mosquitto ratios.
The goal (issue #4) is at least 1.0x mosquitto.

Usage: .venv/bin/python benchmarks/hub_vs_mosquitto.py [--clients 100,1000] [--messages 100]
(after `swift build -c release`; NRFSIM_BIN and MQTT_LOAD_BIN override the binaries.)
"""
import argparse
import http.client
import json
import os
import pathlib
import re
import resource
import ssl
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
NRFSIM = os.environ.get("NRFSIM_BIN", str(REPO / ".build/release/nrfsim"))
LOAD = os.environ.get("MQTT_LOAD_BIN", str(REPO / ".build/release/mqtt-load"))
HUB_MQTT, HUB_HTTPS, MOSQUITTO_PORT = 28883, 28443, 28884


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
                            str(HUB_HTTPS), "--log-level", "error", *extra], stdout=subprocess.PIPE, text=True)
    banner = hub.stdout.readline() + hub.stdout.readline()
    server_ca = re.search(r"Server root CA: (\S+)", banner).group(1)
    token = (data / "admin-token").read_text().strip()
    conn = http.client.HTTPSConnection("127.0.0.1", HUB_HTTPS, context=ssl.create_default_context(cafile=server_ca))
    return hub, server_ca, token, conn


def load(port, server_ca, scratch, clients, messages, username, topic):
    out = run(LOAD, "127.0.0.1", str(port), server_ca, str(scratch / "ca/root-ca-cert.pem"),
              str(scratch / "ca/root-ca-key.pem"), str(clients), str(messages), "256", username, topic).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    raise_fd_limit()
    sizes = [int(n) for n in args.clients.split(",")]
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
            # mosquitto 2.0 with mutual TLS: the same server certificate, client certificates from the same CA.
            conf = scratch / "mosquitto.conf"
            conf.write_text("\n".join([
                "listener %d 127.0.0.1" % MOSQUITTO_PORT, "cafile %s" % (scratch / "ca/root-ca-cert.pem"),
                "certfile %s" % (data / "server-cert.pem"), "keyfile %s" % (data / "server-key.pem"),
                "require_certificate true", "use_identity_as_username true", "allow_anonymous false",
                "max_connections -1", "persistence false", "log_type error", "user root", ""]))
            # mosquitto must trust the CA that signed the clients, and clients must trust the emulator's server root.
            mosquitto = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.5)
            try:
                print("N mutual-TLS clients, %d QoS 1 messages of 256 bytes each (one in flight per client)" % args.messages)
                print("%-6s %-10s %12s %14s %12s %12s" % ("N", "broker", "connects/s", "messages/s", "p50 ms", "p99 ms"))
                for n in sizes:
                    ours = load(HUB_MQTT, server_ca, scratch, n, args.messages,
                                "benchhub.azure-devices.net/{id}/?api-version=2021-04-12", "devices/{id}/messages/events/")
                    theirs = load(MOSQUITTO_PORT, server_ca, scratch, n, args.messages, "", "devices/{id}/messages/events/")
                    for name, r in (("emulator", ours), ("mosquitto", theirs)):
                        print("%-6d %-10s %12.1f %14.1f %12.3f %12.3f" % (n, name, r["connects_per_second"],
                              r["messages_per_second"], r["puback_p50_ms"], r["puback_p99_ms"]))
                    print("%-6d %-10s %11.2fx %13.2fx %11.2fx %11.2fx   (emulator / mosquitto; latency: mosquitto / emulator)" % (
                        n, "ratio", ours["connects_per_second"] / theirs["connects_per_second"],
                        ours["messages_per_second"] / theirs["messages_per_second"],
                        theirs["puback_p50_ms"] / ours["puback_p50_ms"], theirs["puback_p99_ms"] / ours["puback_p99_ms"]))
            finally:
                mosquitto.terminate()
                mosquitto.wait()
        finally:
            hub.terminate()
            hub.wait()


if __name__ == "__main__":
    sys.exit(main())
