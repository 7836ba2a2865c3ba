#!/usr/bin/env python3
"""Benchmark: registrations per second for N distinct X.509 devices through one enrollment group -- each a
TLS handshake with its leaf + sub-CA chain, CONNECT, an empty register request and status polls until `assigned` --
with p50/p99 time to `assigned`, the emulator started with `--dps-retry-after 0`. There is no peer to compare
with, so no ratio is printed; the devices are generated before timing starts.

Usage: .venv/bin/python benchmarks/dps_registrations.py [--devices 1000] [--concurrency 1,50]
(after `swift build -c release`; NRFSIM_BIN and MQTT_LOAD_BIN override the binaries.)
"""
import argparse
import json
import pathlib
import sys
import tempfile

from hub_vs_mosquitto import HUB_MQTT, LOAD, NRFSIM, admin, raise_fd_limit, run, start_emulator


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,50")
    args = parser.parse_args()
    raise_fd_limit()
    with tempfile.TemporaryDirectory() as directory:
        scratch = pathlib.Path(directory)
        run(NRFSIM, "cert-tool", "root_ca", cwd=scratch)
        run(NRFSIM, "cert-tool", "sub_ca", cwd=scratch)
        print("%d X.509 devices (leaf + sub-CA chain) through one enrollment group, retry-after 0" % args.devices)
        print("%-12s %10s %16s %16s %14s %14s" % ("concurrency", "assigned", "registrations/s", "seconds", "p50 ms", "p99 ms"))
        for concurrency in [int(n) for n in args.concurrency.split(",")]:
            data = scratch / ("hub-%d" % concurrency)  # a fresh emulator each time: every registration is a first one
            hub, server_ca, token, conn = start_emulator(data, "--dps-retry-after", "0")
            try:
                admin(conn, token, "PUT", "/admin/hubs/benchhub")
                scope = admin(conn, token, "PUT", "/admin/dps/benchdps")["properties"]["idScope"]
                admin(conn, token, "PUT", "/admin/dps/benchdps/linkedHubs/benchhub", {})
                admin(conn, token, "PUT", "/admin/dps/benchdps/certificates/root",
                      {"certificate": (scratch / "ca/root-ca-cert.pem").read_text(), "isVerified": True})
                admin(conn, token, "PUT", "/admin/dps/benchdps/enrollmentGroups/fleet", {
                    "attestation": {"type": "x509", "x509": {"signingCertificates": {"primary": {
                        "certificate": (scratch / "ca/sub-ca-cert.pem").read_text()}}}},
                    "iotHubs": ["benchhub.azure-devices.net"], "allocationPolicy": "static"})
                out = run(LOAD, "dps", "127.0.0.1", str(HUB_MQTT), server_ca, str(scratch / "ca/sub-ca-cert.pem"),
                          str(scratch / "ca/sub-ca-key.pem"), str(args.devices), str(concurrency), scope).stdout
                r = json.loads(out)
                print("%-12d %10d %16.1f %16.3f %14.3f %14.3f" % (concurrency, r["assigned"], r["registrations_per_second"],
                      r["seconds"], r["assigned_p50_ms"], r["assigned_p99_ms"]))
                if r["failures"]:
                    print("  %d registrations failed" % r["failures"])
                devices = admin(conn, token, "GET", "/admin/dps/benchdps/registrations")
                assert len(devices) == r["assigned"], "DPS lists %d registrations" % len(devices)
            finally:
                hub.terminate()
                hub.wait()


if __name__ == "__main__":
    sys.exit(main())
