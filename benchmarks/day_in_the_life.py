#!/usr/bin/env python3
"""Benchmark: a day in the life of the Azure IoT Hub sample, measured by nrfsim's ledger. Four virtual nRF9161 DKs
run side by side against one local emulator for a simulated day under a time scale, each with a configuration of its
own:

- no PSM: the sample as shipped (lte_lc requests no PSM), telemetry once an hour;
- PSM: lte_lc's PSM request with its defaults (periodic TAU 30 min, active time 1 min), telemetry once an hour;
- PSM + C2D: as PSM, and the benchmark sends the device one cloud-to-device message an hour, half-way between its
  events: the radio sleeps, the hub gets no PUBACK within its one-minute lock and closes the connection;
- NAT 300 s: no PSM, a carrier NAT that forgets a flow idle for 300 s, and the sample's 1767 s keep-alive.

All four run with CONFIG_SIM_AZURE_IOT_HUB_RECONNECT (upstream never reconnects; without it the last two would be
offline after the first hour, and there would be nothing to count). For each the table gives what the ledger
measured, per simulated day: bytes up and down (TLS and MQTT; IP/TCP headers apart), TLS handshakes, time in RRC
connected and the energy estimate (the nRF9160 product specification's currents, see README "The ledger"), and the
real time the run took. There is no outside peer for a simulated day; the ratio column is each configuration's
energy against the sample as shipped, measured in the same run.

libmosquitto cannot be scaled below its 5 s keep-alive floor: at the default scale 600, the 1767 s keep-alive becomes
5 s real, one PINGREQ per 3000 simulated seconds (README "Time scale").

Usage: .venv/bin/python benchmarks/day_in_the_life.py [--hours 24] [--scale 600] [--runs 1]
       (NRFSIM_BIN selects the binary)
"""
import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop"))

from firmware_cloud import Cloud, provisioned_device  # noqa: E402
from hub_emulator import HubProcess  # noqa: E402

ADDRESS = "127.0.0.93"
HOURLY = ("CONFIG_SIM_EVENT_INTERVAL_SEC=3600",)
RECONNECT = ("CONFIG_SIM_AZURE_IOT_HUB_RECONNECT=y",)
PSM = ("CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y")
CONFIGS = [
    ("no PSM", (), ()),
    ("PSM", PSM, ()),
    ("PSM + C2D/h", PSM, ()),
    ("NAT 300 s", (), ("--nat-timeout", "300s")),
]


def run_day(scratch, hours, scale):
    work = scratch / "work"

    def start_hub(extra=()):
        return HubProcess(scratch / "hub", ADDRESS, extra=tuple(extra) + ("--time-scale", str(scale), "--log-level", "warning"))

    cloud = Cloud(start_hub, work)
    try:
        base = tuple(d for d in cloud.direct_defines() if not d.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC"))
        devices = {}
        for name, defines, extra in CONFIGS:
            ledger = scratch / (name.replace(" ", "_").replace("/", "") + ".json")
            device = provisioned_device(cloud, scratch / name.replace(" ", "_").replace("/", ""), base + HOURLY + RECONNECT + defines,
                                        extra=("--time-scale", str(scale), "--ledger", str(ledger), "--log-level", "warning") + extra)
            devices[name] = (device, ledger, time.monotonic())
        for device, _, _ in devices.values():
            device.wait_for("Event was successfully sent", 60)
        stop = threading.Event()
        c2d, _, _ = devices["PSM + C2D/h"]

        def send_hourly():
            hour = 3600 / scale
            time.sleep(hour / 2)
            while not stop.is_set():
                cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", c2d.uuid, "--data", "hourly")
                stop.wait(hour)

        sender = threading.Thread(target=send_hourly, daemon=True)
        sender.start()
        time.sleep(hours * 3600 / scale)
        stop.set()
        rows = {}
        for name, (device, ledger, started) in devices.items():
            code = device.stop()
            wall = time.monotonic() - started
            assert code == 0, device.stderr()[-3000:]
            rows[name] = (json.loads(ledger.read_text()), wall)
        sender.join(timeout=30)
        return rows
    finally:
        cloud.hub.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--scale", type=int, default=600)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as directory:
            runs.append(run_day(pathlib.Path(directory), args.hours, args.scale))
    print("a day in the life: %g simulated hours at --time-scale %d, %d run%s (medians), four devices side by side"
          % (args.hours, args.scale, args.runs, "" if args.runs == 1 else "s"))
    print("%-12s %12s %12s %11s %14s %12s %10s %10s" % (
        "config", "B/day up", "B/day down", "hs/day", "connected/day", "energy J/d", "vs no PSM", "wall s"))
    baseline = None
    for name, _, _ in CONFIGS:
        ledgers = [run[name][0] for run in runs]
        day = {key: statistics.median(l["perDay"][key] for l in ledgers) for key in ledgers[0]["perDay"]}
        wall = statistics.median(run[name][1] for run in runs)
        baseline = baseline or day["energyJoules"]
        print("%-12s %12.0f %12.0f %11.1f %13.0fs %12.1f %10.3f %10.1f" % (
            name, day["bytesUp"], day["bytesDown"], day["handshakes"], day["connectedSeconds"], day["energyJoules"],
            day["energyJoules"] / baseline, wall))
    print("IP/TCP headers per day (modelled): " + ", ".join(
        "%s %.0f B" % (name, statistics.median(run[name][0]["perDay"]["ipOverhead"] for run in runs)) for name, _, _ in CONFIGS))


if __name__ == "__main__":
    main()
