"""Golden console transcripts of the sample's main paths, at the default log levels, each line traced to the
nrfconnect/sdk-nrf v2.9.0 format string that prints it (console_golden.py; golden/console/*.txt and *.sources)."""
import json
import time

import serial

from console_golden import THREAD_DEFINES, Transcript
from firmware_cloud import Cloud, provisioned_device
from firmware_device import FirmwareProcess
from firmware_provisioning import HUB_HOST, UUID_DEFINES
from nrfsim_device import REPO
from test_fota import imgtool, publish_update, sign

# One telemetry event at READY and none after, so that no periodic send lands in a later step.
QUIET = "CONFIG_SIM_EVENT_INTERVAL_SEC=3600"


def direct_defines(interval=QUIET):
    return UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, interval) + THREAD_DEFINES


def desired(cloud, device_id, value):
    cloud.hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", device_id, "--desired",
                 json.dumps({"telemetryInterval": value}))


def connected(device, console, step, seconds=3600):
    """Ends the boot step once the first event is sent and azure_fota's first twin report is answered."""
    device.wait_for("Next event will be sent in %d seconds" % seconds, 30)
    device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RESULT_SUCCESS", 10)
    console.cut(step)


def test_direct_connect_method_desired_interval_and_cloud_to_device(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    device = provisioned_device(cloud, tmp_path / "device", direct_defines())
    try:
        console = Transcript("direct", device)
        connected(device, console, "boot, connect, READY, the first event and the twin")

        mark = len(device.lines)
        response = cloud.hub.az_json("iot", "hub", "invoke-device-method", "-n", "myhub", "-d", device.uuid,
                                     "--method-name", "led", "--method-payload", "1")
        assert response == {"status": 200, "payload": {"it": "worked"}}
        device.wait_for("Payload: 1$", 5, after=mark)
        console.cut("the led method")

        for step, value, last in [
            ("desired telemetryInterval 1800 (valid)", 1800, "Next event will be sent in 1800 seconds"),
            ("desired telemetryInterval 0 (<= 0: reported, not applied)", 0, "TWIN_RESULT_SUCCESS"),
            ("desired telemetryInterval -5 (< 0: ignored)", -5, "TWIN_DESIRED_RECEIVED"),
            ("desired telemetryInterval true (malformed)", True, "Invalid telemetry interval format received"),
        ]:
            mark = len(device.lines)
            desired(cloud, device.uuid, value)
            device.wait_for(last, 10, after=mark)
            if value == 1800:
                device.wait_for("TWIN_RESULT_SUCCESS", 10, after=mark)
            console.cut(step)

        mark = len(device.lines)
        cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", device.uuid, "--data", "hello device",
                     "--props", "color=blue")
        device.wait_for("Received payload: hello device$", 10, after=mark)
        console.cut("a cloud-to-device message")
    finally:
        device.stop()
    console.check()


def test_link_loss_and_the_send_that_follows(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    device = provisioned_device(cloud, tmp_path / "device", direct_defines("CONFIG_SIM_EVENT_INTERVAL_SEC=10"))
    try:
        console = Transcript("link_loss", device)
        connected(device, console, "boot and connect", 10)

        mark = len(device.lines)
        with serial.Serial(device.pty, 115200, timeout=5) as port:
            port.write(b"AT+CFUN=4\r\n")
            assert port.read_until(b"OK\r\n").endswith(b"OK\r\n")
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 10, after=mark)
        device.wait_for("Network connectivity lost", 10, after=mark)
        console.cut("LTE off (AT+CFUN=4)")

        mark = len(device.lines)
        device.wait_for("Next event will be sent in 10 seconds", 15, after=mark)
        console.cut("the next event, while disconnected")
    finally:
        device.stop()
    console.check()


def test_dps_first_boot_then_already_assigned(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work", dps=True)
    conf = (REPO / "overlay-dps.conf",)
    defines = UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="%s"' % cloud.id_scope, QUIET) + THREAD_DEFINES
    device = provisioned_device(cloud, tmp_path / "device", defines, conf=conf, register=False)
    try:
        console = Transcript("dps_first_boot", device)
        connected(device, console, "boot, DPS assigns, connect, READY")
    finally:
        device.stop()
    console.check()

    again = FirmwareProcess(tmp_path / "device", defines=defines, conf=conf, address=cloud.address)
    try:
        console = Transcript("dps_already_assigned", again)
        connected(again, console, "boot with the stored assignment, connect, READY")
    finally:
        again.stop()
    console.check()


def test_dps_failure(start_hub, tmp_path):
    """DPS does not trust the device's chain (its root was never verified): 401, FAILED, and the sample stops."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, verify_dps_root=False)
    defines = UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="%s"' % cloud.id_scope, QUIET) + THREAD_DEFINES
    device = provisioned_device(cloud, tmp_path / "device", defines, conf=(REPO / "overlay-dps.conf",), register=False)
    try:
        console = Transcript("dps_failure", device)
        device.wait_for("terminating connection attempt", 30)
        console.cut("boot, DPS refuses the registration")
    finally:
        device.stop()
    console.check()


def fota_board(start_hub, tmp_path):
    """A provisioned nRF9161 DK that trusts an imgtool key and downloads over HTTPS (CONFIG_AZURE_FOTA_SEC_TAG: the
    tag its root CA is on). Its firmware version is the default CONFIG_AZURE_FOTA_APP_VERSION, 0.0.0-dev."""
    cloud = Cloud(start_hub, tmp_path / "work")
    imgtool("keygen", "-k", "key.pem", "-t", "ecdsa-p256", cwd=cloud.workdir)
    defines = direct_defines() + (
        "CONFIG_AZURE_FOTA_SEC_TAG=10", 'CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="%s"' % (cloud.workdir / "key.pem"))
    return cloud, defines, provisioned_device(cloud, tmp_path / "device", defines)


def test_fota_update(start_hub, tmp_path):
    """The update as on hardware with the default configuration: downloaded, test-swapped, confirmed; the image
    still reports CONFIG_AZURE_FOTA_APP_VERSION, so azure_fota reports the good swap rolled back."""
    cloud, _, device = fota_board(start_hub, tmp_path)
    try:
        console = Transcript("fota_update", device)
        connected(device, console, "boot and connect")

        image = sign(cloud.workdir, "2.0.0", size=4 * 1024)
        mark = publish_update(cloud, device, image, "2.0.0", "job-1")
        device.wait_for("The device will reboot in 5 seconds to apply update", 30, after=mark)
        device.wait_for("MCUBoot image-0 upgrade scheduled", 5, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RESULT_SUCCESS", 10, after=device.last_index)
        console.cut("the desired firmware: download, schedule the swap")

        mark = len(device.lines)
        device.wait_for("I: Jumping to the first image slot", 20, after=mark)
        device.wait_for("Next event will be sent in 3600 seconds", 20, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RECEIVED", 20, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RESULT_SUCCESS", 20, after=device.last_index)
        console.cut("reboot: test swap, v2 connects and confirms itself")
    finally:
        device.stop()
    console.check()


def test_fota_rollback(start_hub, tmp_path):
    """An image that never connects (the hub is down when it boots) is never confirmed: the next boot reverts it,
    and the old image reports the update rolled back."""
    cloud, defines, device = fota_board(start_hub, tmp_path)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        image = sign(cloud.workdir, "2.0.0", size=4 * 1024)
        mark = publish_update(cloud, device, image, "2.0.0", "job-2")
        device.wait_for("The device will reboot in 5 seconds to apply update", 30, after=mark)
        deadline = time.monotonic() + 5
        while cloud.twin(device.uuid)["properties"]["reported"].get("firmware", {}).get("fwUpdateStatus") != "applying":
            assert time.monotonic() < deadline, "the applying report never reached the twin"
            time.sleep(0.1)
        data_dir = cloud.hub.data_dir
        assert cloud.hub.stop() == 0
        device.wait_for("azure_iot_hub_connect failed", 30, after=mark)
    finally:
        device.stop()  # power off, unconfirmed

    cloud.hub = start_hub(data_dir=data_dir)
    again = FirmwareProcess(tmp_path / "device", defines=defines, address=cloud.address)
    try:
        console = Transcript("fota_rollback", again)
        again.wait_for("FOTA image was not applied, rolled back", 30)
        connected(again, console, "boot: revert, the old image connects and reports the rollback")
    finally:
        again.stop()
    console.check()
