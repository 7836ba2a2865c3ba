#!/usr/bin/env python3
"""Benchmark: a virtual nRF9161 DK running the Azure IoT Hub sample, booted N times against the local
emulator on loopback — boot → AZURE_IOT_HUB_EVT_CONNECTED and boot → first telemetry sent, with and without DPS
(p50/p99) — and the bytes on the wire per connection (TLS handshake records vs. TLS application data carrying MQTT),
counted by a TCP relay between the device and the emulator.

"Boot" is the process start (`nrfsim device`: Kconfig evaluation, modem store, firmware start); the uptime column is
the board's own clock in the console line (from firmware start). With DPS every boot registers afresh (the stored
assignment is deleted first); the emulator runs with --dps-retry-after 1, and the library sleeps retry-after seconds
before polling, as the real one does. The modem does TLS 1.2 only and the library disables session resumption (as
the C library does), so every connection is a full handshake. The peer is the real device's "few seconds" of
TLS handshake over LTE (sdk-nrf v2.9.0 `doc/nrf/libraries/networking/azure_iot_hub.rst:720`, "The initial TLS
handshake takes a few seconds to complete"); it cannot be run here, so it is printed as a reference, not measured.

Usage: .venv/bin/python benchmarks/firmware_boot.py [--boots 50]   (NRFSIM_BIN selects the binary; make bench)
"""
import argparse
import pathlib
import re
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop"))

from dps_helpers import create_dps, verify_root  # noqa: E402
from firmware_device import FirmwareProcess  # noqa: E402
from firmware_provisioning import HUB_HOST, UUID_DEFINES, make_pki, provision_modem, verify_hub_root  # noqa: E402
from hub_emulator import MQTT_PORT, HubProcess  # noqa: E402
from tcp_relay import TCPRelay  # noqa: E402

RELAY_PORT = 28900


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def uptime_ms(line):
    match = re.match(r"\[(\d\d):(\d\d):(\d\d)\.(\d{3}),(\d{3})\]", line)
    h, m, s, ms, us = map(int, match.groups())
    return ((h * 60 + m) * 60 + s) * 1000 + ms + us / 1000


def boot_once(state, defines, conf):
    started = time.monotonic()
    device = FirmwareProcess(state, defines=defines, conf=conf, extra=("--log-level", "warning"))
    try:
        connected = device.wait_for("AZURE_IOT_HUB_EVT_CONNECTED", 60)
        connected_wall = device.last_time - started
        connected_uptime = uptime_ms(device.lines[device.last_index - 1][1])
        device.wait_for("Event was successfully sent", 30)
        telemetry_wall = device.last_time - started
        handshake = None
        start = device.wait_for(r"<dbg> mqtt_helper: Connecting to %s" % re.escape(HUB_HOST), 5)
        start_ms = uptime_ms(device.lines[device.last_index - 1][1])
        device.wait_for(r"<dbg> mqtt_helper: Connected to %s over" % re.escape(HUB_HOST), 5)
        handshake = uptime_ms(device.lines[device.last_index - 1][1]) - start_ms
        assert connected and start
    finally:
        device.stop()
    return connected_wall * 1000, connected_uptime, telemetry_wall * 1000, handshake


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--boots", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        scratch = pathlib.Path(directory)
        work = scratch / "work"
        work.mkdir()
        hub = HubProcess(scratch / "hub", "127.0.0.1", extra=("--dps-retry-after", "1", "--log-level", "warning"))
        relay = TCPRelay(RELAY_PORT, MQTT_PORT)
        try:
            hub.az("iot", "hub", "create", "--name", "myhub", "--resource-group", "rg")
            make_pki(work)
            verify_hub_root(hub, work)
            scope = create_dps(hub)
            verify_root(hub, work)
            hub.az("iot", "dps", "enrollment-group", "create", "--dps-name", "mydps", "--resource-group", "rg",
                   "--enrollment-id", "group", "--certificate-path", "ca/sub-ca-cert.pem", "--provisioning-status",
                   "enabled", "--iot-hubs", HUB_HOST, "--allocation-policy", "static", cwd=work)
            state = scratch / "device"
            common = UUID_DEFINES + ("CONFIG_SIM_LOCAL_HUB_PORT=%d" % RELAY_PORT, "CONFIG_SIM_LOCAL_DPS_PORT=%d" % RELAY_PORT,
                                     "CONFIG_MQTT_HELPER_LOG_LEVEL_DBG=y")
            provision(state, work, hub, common)
            relay.take()
            direct = common + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST,)
            with_dps = common + ('CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="%s"' % scope,)
            print("%d boots of nrf9161dk/nrf9161/ns (azure_iot_hub sample) against the local emulator on loopback" % args.boots)
            print("%-16s %-34s %10s %10s %10s" % ("path", "measure", "p50 ms", "p99 ms", "mean ms"))
            wire = {}
            handshake_p50 = {}
            for name, defines, conf in (("direct", direct, ()), ("DPS", with_dps, (REPO / "dps.conf",))):
                samples = []
                for _ in range(args.boots):
                    if conf:
                        (state / "settings.json").unlink(missing_ok=True)
                    samples.append(boot_once(state, defines, conf))
                    wire.setdefault(name, []).append(relay.take())
                columns = list(zip(*samples))
                handshake_p50[name] = percentile(columns[3], 50)
                for label, values in (("boot -> CONNECTED (wall)", columns[0]),
                                      ("firmware start -> CONNECTED (uptime)", columns[1]),
                                      ("boot -> first telemetry sent (wall)", columns[2]),
                                      ("hub TCP+TLS handshake (uptime)", columns[3])):
                    print("%-16s %-34s %10.1f %10.1f %10.1f" % (name, label, percentile(values, 50), percentile(values, 99),
                                                                statistics.mean(values)))
            print()
            print("bytes on the wire per connection (TLS 1.2, full handshake; no resumption: the library disables it)")
            print("%-8s %-10s %12s %12s %14s %14s" % ("path", "connection", "handshake up", "handshake down",
                                                    "MQTT/app up", "MQTT/app down"))
            for name, boots in wire.items():
                for index, connection in enumerate(boots[0]):
                    label = ("DPS" if name == "DPS" and index == 0 else "hub")
                    print("%-8s %-10s %12d %12d %14d %14d" % (
                        name, label, connection["up"].get("handshake", 0), connection["down"].get("handshake", 0),
                        connection["up"].get("application", 0), connection["down"].get("application", 0)))
            print()
            print("peer (the seed, not runnable here): a real device's TLS handshake over LTE takes \"a few seconds\".")
            print("ratio, hub handshake p50 (direct) / 2 s (the low end of \"a few\"): %.4f  (%.0fx shorter; the radio"
                  % (handshake_p50["direct"] / 2000, 2000 / handshake_p50["direct"]))
            print("link, which nrfsim does not model, is the difference)")
        except BaseException:
            print(hub.log()[-3000:], file=sys.stderr)
            raise
        finally:
            relay.close()
            hub.stop()


def provision(state, work, hub, defines):
    """One device: key generated in its modem by nrfcredstore, signed by the sub-CA, chain + server root written."""
    device = FirmwareProcess(state, defines=defines + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST,))
    try:
        device.wait_for("azure_iot_hub_connect failed", 15)
        provision_modem(device, work, hub.root_ca)
        hub.az("iot", "hub", "device-identity", "create", "--hub-name", "myhub", "--device-id", device.device_uuid,
               "--am", "x509_ca")
    finally:
        device.stop()


if __name__ == "__main__":
    sys.exit(main())
