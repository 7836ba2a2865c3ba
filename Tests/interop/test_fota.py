"""Azure FOTA end to end: images signed by the real `imgtool`, uploaded with `nrfsim az storage blob
upload`, started by a desired-twin update exactly as against Azure, downloaded in ranges over HTTPS, test-swapped by
the virtual MCUboot, confirmed or rolled back; bad images and failed downloads end as sdk-nrf v2.9.0 ends them."""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import VENV_BIN
from firmware_cloud import Cloud, provisioned_device
from firmware_device import FirmwareProcess, lines_in_order
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


def publish_update(cloud, device, image, version, job, fragment=1800):
    """Uploads `image` and starts its update on `device` through the desired twin. Returns the console index from
    which the update's lines come."""
    upload(cloud, image)
    mark = len(device.lines)
    deploy(cloud, device.uuid, version, image, job, fragment)
    return mark


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


def fota_board(start_hub, tmp_path, version_from_image, sec_tag=10, hub_extra=()):
    """A hub, a key for imgtool, and a provisioned nRF9161 DK that trusts that key and downloads over HTTPS.
    `version_from_image`: CONFIG_SIM_AZURE_FOTA_APP_VERSION_FROM_IMAGE, as if each image had been built with its
    own CONFIG_AZURE_FOTA_APP_VERSION. `hub_extra`: more `nrfsim hub` flags."""
    cloud = Cloud(start_hub, tmp_path / "work", extra=("--dps-retry-after", "1") + tuple(hub_extra))
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
        mark = publish_update(cloud, device, image, "2.0.0", "job-1")
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
        mark = publish_update(cloud, device, image, "2.0.0", "job-http")
        device.wait_for("^I: Image index: 0, Swap type: test$", 30, after=mark)
        device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 5, after=mark)
        assert reported_firmware(cloud, device.uuid, "current", timeout=30)["currentFwVersion"] == "2.0.0"
    finally:
        device.stop()


def test_update_to_v2_downloads_in_ranges_swaps_and_reports_current(fota):
    cloud, device, _ = fota
    image = sign(cloud.workdir, "2.0.0", size=100 * 1024)
    mark = publish_update(cloud, device, image, "2.0.0", "job-1")
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
    mark = publish_update(cloud, device, v2, "2.0.0", "job-2")
    device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 30, after=mark)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20, after=mark)  # v2 confirms itself here
    assert reported_firmware(cloud, device.uuid, "current")["currentFwVersion"] == "2.0.0"

    # v3 boots while the hub is down, so it never connects and never confirms itself.
    v3 = sign(cloud.workdir, "3.0.0")
    mark = publish_update(cloud, device, v3, "3.0.0", "job-3")
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


def test_a_bad_image_is_scheduled_and_refused_by_mcuboot_at_the_next_boot(fota):
    """dfu_target_mcuboot.c checks only the header's magic (:94-98) and the size (:129-132): a wrongly signed or
    corrupt image is downloaded whole and scheduled (:213), the board reboots, MCUboot refuses it and boots the old
    image, and azure_fota then reports it rolled back (azure_fota.c:313-316)."""
    cloud, device, _ = fota
    work = cloud.workdir
    imgtool("keygen", "-k", "other.pem", "-t", "ecdsa-p256", cwd=work)
    signature = sign(work, "5.0.1", size=20000, name="bad-signature.bin")
    corrupt(signature, len(signature.read_bytes()) - 3)
    tlv = sign(work, "5.0.2", size=20000, name="corrupt-tlv.bin")
    corrupt(tlv, 0x200 + 20000)  # the TLV area's magic
    truncated = sign(work, "5.0.3", size=20000, name="truncated.bin")
    truncated.write_bytes(truncated.read_bytes()[:-40])
    wrong_key = sign(work, "5.0.4", size=20000, key="other.pem", name="wrong-key.bin")
    for number, (image, version) in enumerate([(signature, "5.0.1"), (tlv, "5.0.2"), (truncated, "5.0.3"),
                                               (wrong_key, "5.0.4")]):
        mark = publish_update(cloud, device, image, version, "bad-%d" % number)
        device.wait_for("^E: Image in the secondary slot is not valid!$", 45, after=mark)
        device.wait_for("^I: Jumping to the first image slot$", 5, after=mark)
        device.wait_for(r"\*\*\* Booting azure_iot_hub v1.0.0 ", 5, after=mark)  # the old image again
        device.wait_for("<wrn> azure_fota: FOTA image was not applied, rolled back$", 20, after=mark)
        lines_in_order(device, [
            ("inf", "download_client", "Download complete"),
            ("inf", "dfu_target_mcuboot", "MCUBoot image-0 upgrade scheduled. Reset device to apply"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_FOTA_DONE"),
            ("inf", "azure_iot_hub_sample", "The device will reboot in 5 seconds to apply update"),
            ("inf", "azure_fota", "Current firmware version: 1.0.0"),
            ("wrn", "azure_fota", "FOTA image was not applied, rolled back"),
        ], after=mark)
        # No refusal at download time: neither nrfsim's old dfu_target_mcuboot reason nor a FOTA error.
        assert [m for m in device.messages() if m[0] == "err" and m[1] in ("dfu_target_mcuboot", "azure_fota")] == []
        firmware = reported_firmware(cloud, device.uuid, "rolledback")
        assert firmware["fwUpdateStatus"] == "rolledback" and firmware["currentFwVersion"] == "1.0.0", (version, firmware)
    assert device.count("Booting azure_iot_hub v1.0.0") == 5 and device.count("Booting azure_iot_hub v5") == 0
    assert (device.state_dir / "mcuboot" / "secondary.bin").read_bytes() == b""  # MCUboot erased the slot


def test_downloads_refused_before_or_at_the_first_fragment(fota):
    """A fragment larger than CONFIG_DOWNLOAD_CLIENT_BUF_SIZE is refused by download_client_get() (download_client.c:
    940-943, azure_fota.c:733-744); a file that is not an MCUboot image (dfu_target.c:69, fota_download.c:189-192)
    and one larger than the slot (dfu_target_mcuboot.c:129-132, fota_download.c:201-203) at the first fragment.
    The device keeps running v1.0.0 throughout."""
    cloud, device, _ = fota
    work = cloud.workdir
    good = sign(work, "6.0.0", size=20000, name="good.bin")
    mark = publish_update(cloud, device, good, "6.0.0", "frag-4096", fragment=4096)
    device.wait_for("<err> azure_iot_hub: Failed to process FOTA message$", 15, after=mark)
    lines_in_order(device, [
        ("inf", "azure_fota", "Attempting to download firmware (version '6.0.0') from %s.blob.core.windows.net/%s/good.bin"
         % (ACCOUNT, CONTAINER)),
        ("err", "download_client", "The configured fragment size is larger than buffer"),
        ("err", "azure_fota", "Error (-7) when trying to start firmware download"),
        ("err", "azure_iot_hub", "AZURE_FOTA_EVT_ERROR"),
        ("err", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed"),
        ("err", "azure_iot_hub", "Failed to process FOTA message"),
    ], after=mark)
    assert device.count("Downloading: ") == 0
    firmware = reported_firmware(cloud, device.uuid, "error")
    assert firmware["fwUpdateStatus"] == "error" and firmware["jobId"] == "frag-4096"

    not_an_image = work / "not-an-image.bin"
    not_an_image.write_bytes(os.urandom(20000))
    mark = publish_update(cloud, device, not_an_image, "6.0.1", "no-image", fragment=2048)
    device.wait_for("<err> azure_iot_hub_sample: AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed$", 20, after=mark)
    lines_in_order(device, [
        ("inf", "download_client", "Downloading: %s/not-an-image.bin [0]" % CONTAINER),
        ("inf", "download_client", "Downloaded 2048/20000 bytes (10%)"),
        ("err", "dfu_target", "No supported image type found"),
        ("err", "fota_download", "Unknown image type"),
        ("inf", "download_client", "Fragment refused, download stopped."),
        ("err", "azure_fota", "FOTA download failed"),
        ("err", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed"),
    ], after=mark)
    assert reported_firmware(cloud, device.uuid, "error")["jobId"] == "no-image"

    oversize = sign(work, "6.0.2", size=0x180000, name="oversize.bin", slot="0x200000")  # built for a bigger slot
    size = oversize.stat().st_size
    mark = publish_update(cloud, device, oversize, "6.0.2", "too-big", fragment=0)  # 0: CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE
    device.wait_for("<err> azure_iot_hub_sample: AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed$", 20, after=mark)
    lines_in_order(device, [
        ("inf", "download_client", "Downloaded 2048/%d bytes (0%%)" % size),
        ("err", "dfu_target_mcuboot", "Requested file too big to fit in flash %d > 0x180000" % size),
        ("err", "fota_download", "Image too big"),
        # The first init made the MCUboot target current (dfu_target.c:135-138): its done(false) logs.
        ("inf", "dfu_target_mcuboot", "MCUBoot image upgrade aborted."),
        ("inf", "download_client", "Fragment refused, download stopped."),
        ("err", "azure_fota", "FOTA download failed"),
    ], after=mark)
    assert reported_firmware(cloud, device.uuid, "error")["jobId"] == "too-big"
    device.wait_for("Event was successfully sent", 10, after=mark)  # still connected
    assert device.count("Booting azure_iot_hub") == 1  # no reboot


def test_fragment_size_zero_means_the_kconfig_fragment(fota):
    """fwFragmentSize 0: CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE, 2048 (http.c:70-75), not 1-byte ranges."""
    cloud, device, _ = fota
    image = sign(cloud.workdir, "2.0.0", size=20000)
    mark = publish_update(cloud, device, image, "2.0.0", "frag-0", fragment=0)
    device.wait_for("<inf> download_client: Download complete$", 30, after=mark)
    downloaded = [line for _, line in device.lines[mark:] if "Downloaded " in line]
    assert len(downloaded) == -(-image.stat().st_size // 2048)
    device.wait_for(r"\*\*\* Booting azure_iot_hub v2.0.0 ", 20, after=mark)


@pytest.mark.parametrize("fault,line", [
    ("reply:403", "Unexpected HTTP response: 403 server failed to authenticate the request. make sure the value of "
                  "authorization header is formed correctly including the signature."),
    ("reply:404", "Unexpected HTTP response: 404 the specified blob does not exist."),
    ("reply:500", "Unexpected HTTP response: 500 the server encountered an internal error. please retry the request."),
    ("no-range", "Server respond range not supported"),
])
def test_blob_server_errors_fail_the_download(start_hub, tmp_path, fault, line):
    """http.c:164-182: a status other than 206 is logged, lower-cased, then fota_download.c:330 and
    azure_fota.c:259; a 5xx is not retried (only -ECONNRESET is, fota_download.c:317)."""
    cloud, device, _ = fota_board(start_hub, tmp_path, version_from_image=True, hub_extra=("--blob-fault", fault))
    try:
        image = sign(cloud.workdir, "2.0.0", size=20000)
        mark = publish_update(cloud, device, image, "2.0.0", "job-fault")
        device.wait_for("<err> azure_iot_hub_sample: AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed$", 20, after=mark)
        lines_in_order(device, [
            ("inf", "download_client", "Downloading: %s/%s [0]" % (CONTAINER, image.name)),
            ("inf", "download_client", "Connecting to %s" % cloud.address),
            ("err", "download_client", line),
            ("err", "fota_download", "Download client error"),
            ("err", "azure_fota", "FOTA download failed"),
            ("err", "azure_iot_hub", "AZURE_FOTA_EVT_ERROR"),
            ("err", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_FOTA_ERROR: FOTA failed"),
        ], after=mark)
        assert device.count("retries left") == 0 and device.count("Downloaded ") == 0
        assert reported_firmware(cloud, device.uuid, "error")["fwUpdateStatus"] == "error"
    finally:
        device.stop()


def behind_relay(fota, **cuts):
    """Restarts the fota board with its blob downloads through a TCP relay (on a free port of the hub's address) that
    cuts connections as `cuts` say. Returns the cloud, the restarted device and the relay."""
    cloud, device, defines = fota
    device.stop()
    relay = TCPRelay(0, HTTPS_PORT, address=cloud.address, **cuts)
    again = FirmwareProcess(device.state_dir, defines=defines + ("CONFIG_SIM_LOCAL_HTTPS_PORT=%d" % relay.port,),
                            address=cloud.address)
    again.uuid = device.uuid
    return cloud, again, relay


def test_a_download_survives_a_dropped_connection(fota):
    cloud, device, relay = behind_relay(fota, cut_first_after=60_000)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        image = sign(cloud.workdir, "2.1.0", size=200 * 1024)
        mark = publish_update(cloud, device, image, "2.1.0", "job-drop", fragment=2048)
        device.wait_for("Download complete", 60, after=mark)
        # download_client.c:658-660, then fota_download.c:317-320 and download_client.c:546.
        lines_in_order(device, [
            ("wrn", "download_client", "Peer closed connection!"),
            ("wrn", "fota_download", "Download socket error. 2 retries left..."),
            ("inf", "download_client", "Reconnecting..."),
            ("inf", "download_client", "Download complete"),
        ], after=mark)
        assert device.count("retries left") == 1
        device.wait_for(r"\*\*\* Booting azure_iot_hub v2.1.0 ", 20, after=mark)
        assert relay.connection_count >= 2
        assert reported_firmware(cloud, device.uuid, "current")["currentFwVersion"] == "2.1.0"
    finally:
        device.stop()
        relay.close()


def test_a_download_fails_after_two_retries_however_far_it_got(fota):
    """CONFIG_FOTA_SOCKET_RETRIES=2 for the whole download (fota_download.c:316-340, set once at :616): every
    connection is cut after 60 kB, each one brings new bytes, and the third cut still ends the download."""
    cloud, device, relay = behind_relay(fota, cut_every_after=60_000)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        image = sign(cloud.workdir, "2.2.0", size=300 * 1024)
        mark = publish_update(cloud, device, image, "2.2.0", "job-cuts", fragment=2048)
        device.wait_for("<err> azure_fota: FOTA download failed$", 60, after=mark)
        lines_in_order(device, [
            ("wrn", "download_client", "Peer closed connection!"),
            ("wrn", "fota_download", "Download socket error. 2 retries left..."),
            ("inf", "download_client", "Reconnecting..."),
            ("wrn", "download_client", "Peer closed connection!"),
            ("wrn", "fota_download", "Download socket error. 1 retries left..."),
            ("inf", "download_client", "Reconnecting..."),
            ("wrn", "download_client", "Peer closed connection!"),
            ("err", "fota_download", "Download client error"),
            ("inf", "dfu_target_mcuboot", "MCUBoot image upgrade aborted."),
            ("inf", "dfu_target_mcuboot", "MCUBoot image upgrade aborted."),
            ("err", "azure_fota", "FOTA download failed"),
        ], after=mark)
        assert relay.connection_count == 3  # only downloads are relayed: the first connection and 2 retries
        assert device.count("Download complete") == 0
        assert reported_firmware(cloud, device.uuid, "error")["fwUpdateStatus"] == "error"
    finally:
        device.stop()
        relay.close()
