"""Azure FOTA end to end: images signed by the real `imgtool`, uploaded with `nrfsim az storage blob
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
from hub_emulator import HTTPS_PORT
from tcp_relay import TCPRelay

ACCOUNT, CONTAINER = "nrfsimfw", "firmware"
GOLDEN = pathlib.Path(__file__).resolve().parent.parent / "FirmwareTests" / "Golden"


def golden(name):
    """A boot's MCUboot console as Tests/FirmwareTests/Golden holds it."""
    return (GOLDEN / ("%s.txt" % name)).read_text()


def mcuboot_console(device, after=0, timeout=30):
    """What MCUboot printed at the first boot after console line `after`: its banner through the jump."""
    device.wait_for(r"^\*\*\* Booting My Application v", timeout, after=after)
    start = device.last_index - 1
    device.wait_for(r"^I: Jumping to the first image slot$", 10, after=start)
    return "".join(line + "\n" for _, line in device.lines[start:device.last_index])


def imgtool(*args, cwd):
    result = subprocess.run([str(VENV_BIN / "imgtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def sign(cwd, version, size=64 * 1024, key="key.pem", name=None, slot="0x180000"):
    """An MCUboot image of `size` payload bytes, as `imgtool sign` makes it for the nRF91 (header 0x200)."""
    body = cwd / ("app-%s.bin" % version)
    body.write_bytes(os.urandom(size))
    image = cwd / (name or "app_v%s.signed.bin" % version)
    imgtool("sign", "--key", key, "--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", slot,
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


def fota_board(start_hub, tmp_path, version_from_image, sec_tag=10):
    """A hub, a key for imgtool, and a provisioned nRF9161 DK that trusts that key and downloads over HTTPS.
    `version_from_image`: CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE, as if each image had been built with its
    own CONFIG_AZURE_FOTA_APP_VERSION."""
    cloud = Cloud(start_hub, tmp_path / "work")
    imgtool("keygen", "-k", "key.pem", "-t", "ecdsa-p256", cwd=cloud.workdir)
    defines = cloud.direct_defines() + (
        "CONFIG_AZURE_FOTA_SEC_TAG=%d" % sec_tag, 'CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="%s"' % (cloud.workdir / "key.pem"),
        "CONFIG_AZURE_IOT_HUB_LOG_LEVEL_DBG=y",
        # banner.c's application line, as for an application with a VERSION file: it shows the running image.
        'CONFIG_NCS_APPLICATION_BOOT_BANNER_STRING="azure_iot_hub"')
    if version_from_image:
        defines += ("CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE=y",)
    device = provisioned_device(cloud, tmp_path / "device", defines)
    assert mcuboot_console(device) == golden("mcuboot-normal-boot")  # nothing to swap yet
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
    return cloud, device, defines


@pytest.fixture
def fota(start_hub, tmp_path):
    cloud, device, defines = fota_board(start_hub, tmp_path, version_from_image=True)
    device.wait_for("Current firmware version: 1.0.0", 5)
    yield cloud, device, defines
    device.stop()


def test_by_default_a_good_swap_is_reported_rolled_back(start_hub, tmp_path):
    """As on hardware: the library reports CONFIG_AZURE_FOTA_APP_VERSION (azure_fota.c:99-106), the same string
    before and after the update, so the swapped and confirmed v2 is reported rolled back (azure_fota.c:314-316)."""
    cloud, device, _ = fota_board(start_hub, tmp_path, version_from_image=False)
    try:
        device.wait_for("<inf> azure_fota: Current firmware version: 0.0.0-dev$", 5)
        image = sign(cloud.workdir, "2.0.0")
        upload(cloud, image)
        mark = len(device.lines)
        deploy(cloud, device.uuid, "2.0.0", image, "job-1")
        device.wait_for(r'Sending FOTA report: \{"firmware":\{"fwUpdateStatus":"applying","currentFwVersion":"0.0.0-dev",'
                        r'"pendingFwVersion":"2.0.0","jobId":"job-1"\}\}', 30, after=mark)
        device.wait_for("^I: Image index: 0, Swap type: test$", 15, after=mark)
        device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5, after=mark)  # the banner shows the image's
        device.wait_for("<inf> azure_fota: Current firmware version: 0.0.0-dev$", 10, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20, after=mark)  # v2 confirms itself
        device.wait_for("<wrn> azure_fota: FOTA image was not applied, rolled back$", 10, after=mark)
        device.wait_for(r'Sending FOTA report: \{"firmware":\{"fwUpdateStatus":"rolledback",'
                        r'"currentFwVersion":"0.0.0-dev"\}\}$', 5, after=mark)
        device.wait_for(r"<wrn> azure_fota: Update job \(ID: job-1\) was already attempted, aborting$", 5, after=mark)
        firmware = reported_firmware(cloud, device.uuid, "rolledback")
        assert firmware["fwUpdateStatus"] == "rolledback" and firmware["currentFwVersion"] == "0.0.0-dev"
        assert device.count("Booting azure_iot_hub v2.0.0") == 1  # v2 stays: it was confirmed
    finally:
        device.stop()


def test_without_a_security_tag_the_image_is_downloaded_over_plain_http(start_hub, tmp_path):
    """CONFIG_AZURE_FOTA_SEC_TAG=-1 (the default): fota_download_start() passes no security tag, so download_client
    takes a host without a scheme as plain HTTP on port 80 (download_client.c:376-384, :411-426), which the local
    resolver sends to the emulator's blob storage HTTP port."""
    cloud, device, _ = fota_board(start_hub, tmp_path, version_from_image=True, sec_tag=-1)
    try:
        image = sign(cloud.workdir, "2.0.0")
        upload(cloud, image)
        mark = len(device.lines)
        deploy(cloud, device.uuid, "2.0.0", image, "job-http")
        device.wait_for("^I: Image index: 0, Swap type: test$", 30, after=mark)
        device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5, after=mark)
        assert reported_firmware(cloud, device.uuid, "current", timeout=30)["currentFwVersion"] == "2.0.0"
    finally:
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
    # download_client.c's and dfu_target_mcuboot.c's lines, as on the board.
    device.wait_for(r"<inf> download_client: Downloading: %s/%s \[0\]$" % (CONTAINER, image.name), 5, after=mark)
    device.wait_for("<inf> download_client: Setting up TLS credentials, sec tag count 1$", 5, after=mark)
    device.wait_for("<inf> download_client: Connecting to %s$" % cloud.address, 5, after=mark)
    device.wait_for("<inf> download_client: Download complete$", 30, after=mark)
    device.wait_for("<inf> dfu_target_mcuboot: MCUBoot image-0 upgrade scheduled. Reset device to apply$", 5, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_FOTA_DONE", 10, after=mark)
    device.wait_for('"fwUpdateStatus":"applying"', 5, after=mark)
    device.wait_for("The device will reboot in 5 seconds to apply update", 5, after=mark)
    assert mcuboot_console(device, after=mark, timeout=15) == golden("mcuboot-test-swap")
    device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5, after=mark)
    device.wait_for("Current firmware version: 2.0.0", 10, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20, after=mark)
    # Ranges of fwFragmentSize bytes: 100 KiB + header and TLVs in 1800-byte requests.
    downloaded = [line for _, line in device.lines[mark:] if "Downloaded " in line]
    assert downloaded and downloaded[-1].endswith("(100%)")
    assert len(downloaded) == -(-image.stat().st_size // 1800)  # one progress line a fragment (download_client.c:721)
    # The MCUboot DFU target never calls its callback (dfu_target_mcuboot.c:118): no erase events.
    assert device.count("AZURE_IOT_HUB_EVT_FOTA_ERASE") == 0
    device.wait_for('"fwUpdateStatus":"current","currentFwVersion":"2.0.0"', 20, after=mark)
    firmware = reported_firmware(cloud, device.uuid, "current")
    assert firmware["fwUpdateStatus"] == "current" and firmware["currentFwVersion"] == "2.0.0"
    assert firmware["jobId"] == "job-1"


def test_an_unconfirmed_image_rolls_back_and_is_reported(fota, start_hub):
    cloud, device, defines = fota
    v2 = sign(cloud.workdir, "2.0.0")
    upload(cloud, v2)
    mark = len(device.lines)
    deploy(cloud, device.uuid, "2.0.0", v2, "job-2")
    device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 30, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20, after=mark)  # v2 confirms itself here
    assert reported_firmware(cloud, device.uuid, "current")["currentFwVersion"] == "2.0.0"

    # v3 boots while the hub is down, so it never connects and never confirms itself.
    v3 = sign(cloud.workdir, "3.0.0")
    upload(cloud, v3)
    mark = len(device.lines)
    deploy(cloud, device.uuid, "3.0.0", v3, "job-3")
    device.wait_for("The device will reboot in 5 seconds to apply update", 30, after=mark)
    # The "applying" report (QoS 0, sent just before FOTA_DONE) must be in the twin before the hub stops, or the
    # reverted image finds "downloading" there and reports "error" instead of "rolledback".
    assert reported_firmware(cloud, device.uuid, "applying", timeout=4)["fwUpdateStatus"] == "applying"
    data_dir = cloud.hub.data_dir
    assert cloud.hub.stop() == 0
    device.wait_for(r"\*\*\* Booting azure_iot_hub v3.0.0 ", 15, after=mark)
    device.wait_for("azure_iot_hub_connect failed", 15, after=mark)
    device.stop()  # power off

    cloud.hub = start_hub(data_dir=data_dir)
    again = FirmwareProcess(device.state_dir, defines=defines, address=cloud.address)
    try:
        assert mcuboot_console(again, timeout=10) == golden("mcuboot-revert")
        again.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5)
        again.wait_for("<wrn> azure_fota: FOTA image was not applied, rolled back$", 20)
        # At boot the library knows no job (fota_object is empty, azure_fota.c:165-174): no pendingFwVersion, no
        # jobId; the twin keeps those of the "applying" report.
        again.wait_for(r'Sending FOTA report: \{"firmware":\{"fwUpdateStatus":"rolledback",'
                       r'"currentFwVersion":"2.0.0"\}\}$', 5)
        firmware = reported_firmware(cloud, device.uuid, "rolledback")
        assert firmware["fwUpdateStatus"] == "rolledback" and firmware["currentFwVersion"] == "2.0.0"
        assert firmware["pendingFwVersion"] == "3.0.0" and firmware["jobId"] == "job-3"
        # The job is not attempted again.
        again.wait_for(r"<wrn> azure_fota: Update job \(ID: job-3\) was already attempted, aborting$", 10)
    finally:
        again.stop()


def corrupt(path, offset, value=None):
    data = bytearray(path.read_bytes())
    data[offset] = value if value is not None else data[offset] ^ 0xFF
    path.write_bytes(bytes(data))


def test_bad_images_are_refused_and_the_device_keeps_running(fota):
    cloud, device, _ = fota
    work = cloud.workdir
    imgtool("keygen", "-k", "other.pem", "-t", "ecdsa-p256", cwd=work)
    good = sign(work, "5.0.0", size=20000, name="good.bin")
    signature = sign(work, "5.0.1", size=20000, name="bad-signature.bin")
    corrupt(signature, len(signature.read_bytes()) - 3)
    tlv = sign(work, "5.0.2", size=20000, name="corrupt-tlv.bin")
    corrupt(tlv, 0x200 + 20000)  # the TLV area's magic
    truncated = sign(work, "5.0.3", size=20000, name="truncated.bin")
    truncated.write_bytes(truncated.read_bytes()[:-40])
    wrong_key = sign(work, "5.0.4", size=20000, key="other.pem", name="wrong-key.bin")
    oversize = sign(work, "5.0.5", size=0x180000, name="oversize.bin", slot="0x200000")  # built for a bigger slot
    cases = [
        (signature, "5.0.1", "the ECDSA signature does not verify"),
        (tlv, "5.0.2", "bad TLV area magic 0x.* at offset %d" % (0x200 + 20000)),
        (truncated, "5.0.3", "runs past the end of the image"),
        (wrong_key, "5.0.4", "signed with another key"),
        (oversize, "5.0.5", r"Requested file too big to fit in flash \d+ > 0x180000"),
    ]
    assert good.exists()
    for number, (image, version, reason) in enumerate(cases):
        upload(cloud, image)
        mark = len(device.lines)
        deploy(cloud, device.uuid, version, image, "bad-%d" % number)
        # nrfsim's DFU target says why it refuses the image (MCUboot would at the swap), then azure_fota.c:259.
        device.wait_for("<err> dfu_target_mcuboot: .*%s" % reason, 30, after=mark)
        device.wait_for("<err> azure_fota: FOTA download failed$", 5, after=mark)
        device.wait_for("<err> azure_iot_hub_sample: AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed", 5, after=mark)
        firmware = reported_firmware(cloud, device.uuid, "error")
        assert firmware["fwUpdateStatus"] == "error" and firmware["currentFwVersion"] == "1.0.0", (version, firmware)
        device.wait_for("Event was successfully sent", 5, after=mark)  # still connected, still v1.0.0
    assert device.count("Booting azure_iot_hub") == 1  # no reboot
    assert not (device.state_dir / "mcuboot" / "secondary.bin").exists()


def test_a_download_survives_a_dropped_connection(fota):
    cloud, device, defines = fota
    device.stop()
    relay = TCPRelay(0, HTTPS_PORT, cut_first_after=60_000, address=cloud.address)  # a free port on the hub's address
    uuid = device.uuid
    device = FirmwareProcess(device.state_dir, defines=defines + ("CONFIG_SIM_LOCAL_HTTPS_PORT=%d" % relay.port,),
                             address=cloud.address)
    device.uuid = uuid
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        image = sign(cloud.workdir, "2.1.0", size=200 * 1024)
        upload(cloud, image)
        mark = len(device.lines)
        deploy(cloud, device.uuid, "2.1.0", image, "job-drop", fragment=4096)
        device.wait_for(r"<wrn> fota_download: Download socket error\. 3 retries left\.\.\.$", 30, after=mark)
        device.wait_for("<inf> download_client: Reconnecting...$", 5, after=mark)
        device.wait_for("Download complete", 30, after=mark)
        device.wait_for(r"\*\*\* Booting azure_iot_hub v2.1.0 ", 20, after=mark)
        assert relay.connection_count >= 2
        assert reported_firmware(cloud, device.uuid, "current")["currentFwVersion"] == "2.1.0"
    finally:
        device.stop()
        relay.close()
