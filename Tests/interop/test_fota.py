"""Azure FOTA end to end (issue: FOTA): images signed by the real `imgtool`, uploaded with `nrfsim az storage blob
upload`, started by a desired-twin update exactly as against Azure, downloaded in ranges over HTTPS, test-swapped by
the virtual MCUboot, confirmed or rolled back; bad images refused."""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import VENV_BIN
from firmware_cloud import Cloud, provisioned_device
from firmware_device import FirmwareProcess

ACCOUNT, CONTAINER = "nrfsimfw", "firmware"


def imgtool(*args, cwd):
    result = subprocess.run([str(VENV_BIN / "imgtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def sign(cwd, version, size=64 * 1024, key="key.pem", name=None):
    """An MCUboot image of `size` payload bytes, as `imgtool sign` makes it for the nRF91 (header 0x200)."""
    body = cwd / ("app-%s.bin" % version)
    body.write_bytes(os.urandom(size))
    image = cwd / (name or "app_v%s.signed.bin" % version)
    imgtool("sign", "--key", key, "--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", "0x180000",
            "--version", version, str(body), str(image), cwd=cwd)
    return image


def upload(cloud, image):
    cloud.hub.az("storage", "blob", "upload", "--account-name", ACCOUNT, "--container-name", CONTAINER, "--name",
                 image.name, "--file", str(image), "--overwrite")


def deploy(cloud, device_id, version, image, job, fragment=1800):
    firmware = {"fwVersion": version, "jobId": job, "fwFragmentSize": fragment,
                "fwLocation": {"protocol": "https:", "host": "%s.blob.core.windows.net" % ACCOUNT,
                               "path": "%s/%s" % (CONTAINER, image.name)}}
    cloud.hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", device_id, "--desired",
                 json.dumps({"firmware": firmware}))


def reported_firmware(cloud, device_id, status=None, timeout=15):
    """The reported `firmware` object, once its `fwUpdateStatus` is `status` (when given)."""
    deadline = time.monotonic() + timeout
    while True:
        firmware = cloud.twin(device_id)["properties"]["reported"].get("firmware")
        if status is None or (firmware and firmware.get("fwUpdateStatus") == status) or time.monotonic() > deadline:
            return firmware
        time.sleep(0.2)


@pytest.fixture
def fota(start_hub, tmp_path):
    """A hub, a key for imgtool, and a provisioned nRF9161 DK that trusts that key and downloads over HTTPS."""
    cloud = Cloud(start_hub, tmp_path / "work")
    imgtool("keygen", "-k", "key.pem", "-t", "ecdsa-p256", cwd=cloud.workdir)
    defines = cloud.direct_defines() + (
        "CONFIG_AZURE_FOTA_SEC_TAG=10", 'CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="%s"' % (cloud.workdir / "key.pem"),
        "CONFIG_AZURE_IOT_HUB_LOG_LEVEL_DBG=y")
    device = provisioned_device(cloud, tmp_path / "device", defines)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
    device.wait_for("Current firmware version: 1.0.0", 5)
    yield cloud, device, defines
    device.stop()


def test_update_to_v2_downloads_in_ranges_swaps_and_reports_current(fota):
    cloud, device, _ = fota
    image = sign(cloud.workdir, "2.0.0", size=100 * 1024)
    upload(cloud, image)
    mark = len(device.lines)
    deploy(cloud, device.uuid, "2.0.0", image, "job-1")
    device.wait_for(r"Attempting to download firmware \(version '2.0.0'\) from %s.blob.core.windows.net/%s/%s"
                    % (ACCOUNT, CONTAINER, image.name), 15, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_FOTA_START", 5, after=mark)
    device.wait_for(r'Sending FOTA report: \{"firmware":\{"fwUpdateStatus":"downloading","currentFwVersion":"1.0.0",'
                    r'"pendingFwVersion":"2.0.0","jobId":"job-1"\}\}', 5, after=mark)
    device.wait_for("Download complete", 30, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_FOTA_DONE", 10, after=mark)
    device.wait_for('"fwUpdateStatus":"applying"', 5, after=mark)
    device.wait_for("The device will reboot in 5 seconds to apply update", 5, after=mark)
    device.wait_for("I: Swap type: test", 15, after=mark)
    device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5, after=mark)
    device.wait_for("Current firmware version: 2.0.0", 10, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20, after=mark)
    # Ranges of fwFragmentSize bytes: 100 KiB + header and TLVs in 1800-byte requests.
    downloaded = [line for _, line in device.lines[mark:] if "Downloaded " in line]
    assert downloaded and downloaded[-1].endswith("(100%)")
    device.wait_for('"fwUpdateStatus":"current","currentFwVersion":"2.0.0"', 20, after=mark)
    firmware = reported_firmware(cloud, device.uuid, "current")
    assert firmware["fwUpdateStatus"] == "current" and firmware["currentFwVersion"] == "2.0.0"
    assert firmware["jobId"] == "job-1"
