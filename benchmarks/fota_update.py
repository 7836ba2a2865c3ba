#!/usr/bin/env python3
"""Benchmark: Azure FOTA on a virtual nRF9161 DK against the local emulator — the time from the desired
twin update (`nrfsim az iot hub device-twin update`) to the device running the new image, for 256 KiB and 1 MiB
images with fragment sizes of 1,800 and 2,048 bytes (CONFIG_DOWNLOAD_CLIENT_BUF_SIZE, the largest the download client
accepts), with the HTTP requests and the bytes on the wire per update
(counted by a TCP relay in front of the emulator's HTTPS port: TLS handshake records and application data).

The time includes the sample's own 5 s wait between FOTA_DONE and the reboot; the "download" column is from the
update to FOTA_DONE (download, image check, secondary slot written). There is no peer to compare with: no ratio.

Usage: .venv/bin/python benchmarks/fota_update.py   (NRFSIM_BIN selects the binary; make bench)
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop"))
sys.path.insert(0, str(REPO / "benchmarks"))

from firmware_boot import RELAY_PORT, provision  # noqa: E402
from firmware_device import FirmwareProcess  # noqa: E402
from firmware_provisioning import HUB_HOST, UUID_DEFINES, make_pki, verify_hub_root  # noqa: E402
from hub_emulator import HTTPS_PORT, HubProcess  # noqa: E402
from tcp_relay import TCPRelay  # noqa: E402

IMGTOOL = str(REPO / ".venv" / "bin" / "imgtool")
CASES = [(256 * 1024, 1800), (256 * 1024, 2048), (1024 * 1024, 1800), (1024 * 1024, 2048)]


def main():
    with tempfile.TemporaryDirectory() as directory:
        scratch = pathlib.Path(directory)
        work = scratch / "work"
        work.mkdir()
        hub = HubProcess(scratch / "hub", "127.0.0.1", extra=("--log-level", "warning"))
        relay = TCPRelay(RELAY_PORT, HTTPS_PORT)
        device = None
        try:
            hub.az("iot", "hub", "create", "--name", "myhub", "--resource-group", "rg")
            make_pki(work)
            verify_hub_root(hub, work)
            subprocess.run([IMGTOOL, "keygen", "-k", "key.pem", "-t", "ecdsa-p256"], cwd=work, check=True)
            defines = UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, "CONFIG_AZURE_FOTA_SEC_TAG=10",
                                      'CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="%s"' % (work / "key.pem"),
                                      "CONFIG_SIM_LOCAL_HTTPS_PORT=%d" % RELAY_PORT,
                                      "CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE=y")
            state = scratch / "device"
            provision(state, work, hub, defines[:-3])
            device = FirmwareProcess(state, defines=defines, extra=("--log-level", "warning"))
            device.wait_for("AZURE_IOT_HUB_EVT_READY", 30)
            uuid = re.search(r"Device ID: (\S+)", device.text()).group(1)
            print("Azure FOTA on nrf9161dk/nrf9161/ns against the local emulator (HTTPS via %s.blob.core.windows.net)" % "nrfsimfw")
            print("%-9s %-9s %14s %16s %10s %14s %14s" % ("image", "fragment", "to FOTA_DONE s", "to running v s",
                                                           "requests", "TLS app bytes", "TLS handshake"))
            for number, (size, fragment) in enumerate(CASES, start=2):
                version = "%d.0.0" % number
                body = work / ("app-%d.bin" % number)
                body.write_bytes(os.urandom(size))
                image = work / ("app_v%s.bin" % version)
                subprocess.run([IMGTOOL, "sign", "--key", "key.pem", "--header-size", "0x200", "--pad-header", "--align",
                                "4", "--slot-size", "0x180000", "--version", version, str(body), str(image)],
                               cwd=work, check=True, capture_output=True)
                hub.az("storage", "blob", "upload", "--account-name", "nrfsimfw", "--container-name", "fw", "--name",
                       image.name, "--file", str(image))
                relay.take()
                mark = len(device.lines)
                firmware = {"fwVersion": version, "jobId": "bench-%d" % number, "fwFragmentSize": fragment,
                            "fwLocation": {"protocol": "https:", "host": "nrfsimfw.blob.core.windows.net",
                                           "path": "fw/%s" % image.name}}
                started = time.monotonic()
                hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", uuid, "--desired",
                       json.dumps({"firmware": firmware}))
                device.wait_for("AZURE_IOT_HUB_EVT_FOTA_DONE", 300, after=mark)
                done = device.last_time - started
                # download_client logs one progress line a fragment, that is a ranged request.
                requests = sum(1 for _, line in device.lines[mark:] if "<inf> download_client: Downloaded " in line)
                device.wait_for(r"\*\*\* Booting azure_iot_hub v%s " % re.escape(version), 60, after=mark)
                running = device.last_time - started
                device.wait_for("AZURE_IOT_HUB_EVT_READY", 60, after=mark)
                connections = relay.take()
                application = sum(c["up"].get("application", 0) + c["down"].get("application", 0) for c in connections)
                handshake = sum(c["up"].get("handshake", 0) + c["down"].get("handshake", 0) for c in connections)
                print("%-9s %-9d %14.2f %16.2f %10d %14d %14d" % ("%d KiB" % (size // 1024), fragment, done, running,
                                                                  requests, application, handshake))
        finally:
            if device:
                device.stop()
            relay.close()
            hub.stop()


if __name__ == "__main__":
    sys.exit(main())
