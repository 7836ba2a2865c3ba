#!/usr/bin/env python3
"""Benchmark: a legitimate device's connect-to-PUBACK time and a legitimate service call's time while each attack of
the hostile-client suite runs against the emulator, against the same figures with no attack (the peer), measured in
the same run. Prints medians of --repeat measurements and the ratio to the no-attack baseline.

Usage: .venv/bin/python benchmarks/hostile_latency.py [--repeat 5]
(after `swift build -c release`; NRFSIM_BIN overrides the binary. Binds 127.0.0.1:8883/8443 like the interop suite.)
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading

REPO = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("NRFSIM_BIN", str(REPO / ".build/release/nrfsim"))
sys.path.insert(0, str(REPO / "Tests" / "interop"))

import hostile  # noqa: E402
from hostile import KEY  # noqa: E402
from hub_emulator import HTTPS_PORT, MQTT_PORT, HubProcess  # noqa: E402

ATTACKER = """
import socket, sys
sockets = []
for _ in range(%d):
    try:
        sockets.append(socket.create_connection((%r, %d), timeout=5))
    except OSError:
        break
print(len(sockets), flush=True)
sys.stdin.read()
"""


def no_attack(hub, token):
    return lambda: None


def pipelined_unread(hub, token):
    sock = hostile.tls_socket(hub, HTTPS_PORT)
    request = ("GET /twins/attacker?%s HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\n\r\n" % (hostile.API, token)).encode()
    hostile.send_until_blocked(sock, [request * 50] * 400, seconds=2)
    return sock.close


def idle_flood(hub, token):
    process = subprocess.Popen([sys.executable, "-c", ATTACKER % (1100, hub.address, HTTPS_PORT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    process.stdout.readline()

    def stop():
        process.stdin.close()
        process.wait(10)
    return stop


def unauthenticated_bodies(hub, token):
    sockets = []
    for _ in range(30):
        sock = hostile.tls_socket(hub, HTTPS_PORT)
        sock.sendall(b"PUT /devices/x?%s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 8388608\r\n\r\n" % hostile.API.encode())
        threading.Thread(target=hostile.send_until_blocked, args=(sock, [b"A" * 65536] * 64, 2), daemon=True).start()
        sockets.append(sock)
    return lambda: [sock.close() for sock in sockets]


def unread_twin_gets(hub, token):
    sock = hostile.tls_socket(hub, MQTT_PORT)
    sock.sendall(hostile.mqtt_connect(
        "attacker", "myhub.azure-devices.net/attacker/?" + hostile.API, hostile.sas("myhub.azure-devices.net/devices/attacker", KEY)))
    sock.recv(4)
    sock.sendall(hostile.mqtt_packet(0x82, (1).to_bytes(2, "big") + hostile.mqtt_string("$iothub/twin/res/#") + b"\x00"))
    gets = b"".join(hostile.mqtt_packet(0x30, hostile.mqtt_string("$iothub/twin/GET/?$rid=%d" % i)) for i in range(50))
    hostile.send_until_blocked(sock, [gets] * 400, seconds=2)
    return sock.close


def telemetry_flood(hub, token):
    sock = hostile.tls_socket(hub, MQTT_PORT, timeout=60)
    sock.sendall(hostile.mqtt_connect(
        "attacker", "myhub.azure-devices.net/attacker/?" + hostile.API, hostile.sas("myhub.azure-devices.net/devices/attacker", KEY)))
    sock.recv(4)
    message = hostile.mqtt_packet(0x30, hostile.mqtt_string("devices/attacker/messages/events/") + b"x" * (250 * 1024))
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            try:
                sock.sendall(message)
            except OSError:
                return
    threading.Thread(target=flood, daemon=True).start()

    def end():
        stop.set()
        sock.close()
    return end


ATTACKS = [no_attack, pipelined_unread, idle_flood, unauthenticated_bodies, unread_twin_gets, telemetry_flood]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        hub = HubProcess(pathlib.Path(directory) / "hub", "127.0.0.1", extra=["--log-level", "warning"])
        try:
            hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub", "--sku", "S1")
            for device in ("legit", "attacker"):
                hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", device, "--pk", KEY, "--sk", KEY)
            token = hostile.owner_token(hub)
            desired = {"p%02d" % i: "x" * 950 for i in range(30)}
            hostile.service_call(hub, token, "PATCH", "/twins/attacker", {"properties": {"desired": desired}})
            baseline = None
            print("%-24s %14s %14s %10s %10s" % ("attack", "device ms", "service ms", "device ×", "service ×"))
            for attack in ATTACKS:
                stop = attack(hub, token)
                try:
                    times = [hostile.check_legitimate(hub, token, source="127.0.0.2") for _ in range(args.repeat)]
                finally:
                    stop()
                device = statistics.median(t[0] for t in times) * 1000
                service = statistics.median(t[1] for t in times) * 1000
                baseline = baseline or (device, service)
                print("%-24s %14.1f %14.1f %10.2f %10.2f" % (attack.__name__, device, service, device / baseline[0], service / baseline[1]))
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
