"""The firmware end to end: the Azure IoT Hub sample on a virtual nRF9161 DK, provisioned with the
real nrfcredstore, against the local emulator — directly and through DPS — and on an nRF7002 DK with certs/."""
import json
import os
import stat
import time

import pytest
import serial

from firmware_cloud import Cloud, copy_app, events, provisioned_device
from firmware_device import FirmwareProcess
from firmware_provisioning import HUB_HOST
from hub_emulator import cert_tool
from nrfsim_device import REPO


def test_direct_hostname_path_twin_method_and_cloud_to_device(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    # CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES: the sample itself logs no C2D properties (main.c:215-219).
    device = provisioned_device(cloud, tmp_path / "device",
                                cloud.direct_defines() + ("CONFIG_SIM_SAMPLE_LOG_C2D_PROPERTIES=y",))
    try:
        uuid = device.uuid
        device.wait_for("Device ID: %s$" % uuid, 10)
        device.wait_for("Host name: %s$" % HUB_HOST, 10)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        # The auto twin GET after SUBACK, answered with the full twin.
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RECEIVED", 10)
        device.wait_for(r'Sending event:\{"temperature":25\.\d,"timestamp":\d+\}$', 10)
        assert events(device)[:4] == ["AZURE_IOT_HUB_EVT_CONNECTING", "AZURE_IOT_HUB_EVT_CONNECTED",
                                      "AZURE_IOT_HUB_EVT_READY", "AZURE_IOT_HUB_EVT_TWIN_RECEIVED"]

        # Telemetry reaches the cloud, as the hub's own monitor sees it.
        monitor = cloud.hub.az("iot", "hub", "monitor-events", "-n", "myhub", "-d", uuid, "--timeout", "3")
        payloads = [json.loads(block)["event"]["payload"] for block in split_json(monitor.stdout)]
        assert payloads and all(set(p) == {"temperature", "timestamp"} for p in payloads)

        # Desired telemetryInterval: applied, reported back (twin PATCH), acknowledged with 204.
        mark = len(device.lines)
        cloud.hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", uuid, "--desired",
                     json.dumps({"telemetryInterval": 7}))
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_DESIRED_RECEIVED", 10, after=mark)
        device.wait_for("New telemetry interval has been applied: 7", 10, after=mark)
        device.wait_for(r"AZURE_IOT_HUB_EVT_TWIN_RESULT_SUCCESS, ID: \d{1,3}$", 10, after=mark)
        device.wait_for("Next event will be sent in 7 seconds", 10, after=mark)
        assert cloud.twin(uuid)["properties"]["reported"]["telemetryInterval"] == 7

        # The led method answers {"it":"worked"}; an unknown method is never answered (the cloud times out).
        mark = len(device.lines)
        response = cloud.hub.az_json("iot", "hub", "invoke-device-method", "-n", "myhub", "-d", uuid,
                                     "--method-name", "led", "--method-payload", "0")
        assert response == {"status": 200, "payload": {"it": "worked"}}
        device.wait_for("Method name: led", 5, after=mark)
        device.wait_for("Payload: 0", 5, after=mark)
        unknown = cloud.hub.az("iot", "hub", "invoke-device-method", "-n", "myhub", "-d", uuid, "--method-name", "blink",
                               "--timeout", "2", check=False)
        assert unknown.returncode != 0 and "504" in unknown.stderr
        device.wait_for("Unknown direct method", 5, after=mark)

        # C2D with properties: logged (with the SIM_ option), not URL-decoded, at most
        # CONFIG_AZURE_IOT_HUB_MSG_PROPERTY_RECV_MAX_COUNT (3).
        mark = len(device.lines)
        cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", uuid, "--data", "hello device",
                     "--props", "color=blue")
        device.wait_for("AZURE_IOT_HUB_EVT_DATA_RECEIVED", 10, after=mark)
        device.wait_for("Received payload: hello device$", 5, after=mark)
        device.wait_for("Property: color = blue$", 5, after=mark)
        device.wait_for(r"Property: %24\.to = %2Fdevices%2F", 5, after=mark)

        # A message larger than CONFIG_MQTT_HELPER_PAYLOAD_BUFFER_LEN (2048 with the modem library): ERROR_MSG_SIZE,
        # which the sample does not handle, then the connection is aborted, as Zephyr's MQTT does (Q8).
        mark = len(device.lines)
        cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", uuid, "--data", "x" * 3000)
        device.wait_for("<err> mqtt_helper: Incoming MQTT message too large for payload buffer$", 10, after=mark)
        device.wait_for("<err> azure_iot_hub_sample: Unknown Azure IoT Hub event type: 19$", 5, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 10, after=mark)
        assert device.process.poll() is None
    finally:
        device.stop()
    assert device.process.returncode == 0


@pytest.mark.parametrize("overlay", ["overlay-dps.conf", "dps.conf"])
def test_dps_path_persists_the_assignment_across_a_restart(start_hub, tmp_path, overlay):
    """With v2.9.0's overlay-dps.conf (settings on FCB, from prj.conf) and with the later dps.conf (on NVS)."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True)
    conf = (REPO / overlay,)
    device = provisioned_device(cloud, tmp_path / "device", cloud.dps_defines(), conf=conf, register=False)
    try:
        device.wait_for("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNED", 30)
        statuses = [m for _, _, m in device.messages("azure_iot_hub_sample") if m.startswith("DPS registration status")]
        assert statuses[0].endswith("NOT_STARTED") and statuses[1].endswith("ASSIGNING")
        device.wait_for('Device ID "%s" assigned to IoT hub with hostname "%s"' % (device.uuid, HUB_HOST), 5)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        device.wait_for("Event was successfully sent", 10)
    finally:
        device.stop()
    # DPS created the device in the hub (x509 CA, from the enrollment group).
    identity = cloud.hub.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", device.uuid)
    assert identity["deviceId"] == device.uuid
    settings = json.loads((tmp_path / "device" / "settings.json").read_text())
    assert settings["azure_iot_hub/hostname"] == HUB_HOST and settings["azure_iot_hub/device_id"] == device.uuid
    # The settings partition and the modem store are private to their owner.
    for name in ("settings.json", "modem-nvm.json"):
        assert stat.S_IMODE(os.stat(tmp_path / "device" / name).st_mode) == 0o600, name

    # A restart reuses the stored assignment: no DPS connection at all.
    again = FirmwareProcess(tmp_path / "device", defines=cloud.dps_defines(), conf=conf, address=cloud.address)
    try:
        again.wait_for("Already assigned to an IoT hub, skipping DPS", 20)
        again.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        assert again.count("REG_STATUS_ASSIGNING") == 0
    finally:
        again.stop()


def test_keep_alive_ping_then_lte_link_down_from_the_at_interface(start_hub, tmp_path):
    """With a 5 s keep-alive the library pings and raises PINGRESP (8), which the sample does not handle. Then
    nrfcredstore's AT+CFUN=4 (here typed by a user on the pty) takes LTE down; the sample's L4 handler disconnects,
    and the library reports it."""
    cloud = Cloud(start_hub, tmp_path / "work")
    device = provisioned_device(cloud, tmp_path / "device", cloud.direct_defines() + ("CONFIG_MQTT_KEEPALIVE=5",))
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        device.wait_for("<err> azure_iot_hub_sample: Unknown Azure IoT Hub event type: 8$", 15)
        mark = len(device.lines)
        with serial.Serial(device.pty, 115200, timeout=5) as port:
            port.write(b"AT+CFUN=4\r\n")
            assert port.read_until(b"OK\r\n").endswith(b"OK\r\n")
        device.wait_for("Network connectivity lost, no IP address assigned", 10, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 10, after=mark)
        time.sleep(1.5)
        assert device.count("AZURE_IOT_HUB_EVT_DISCONNECTED") == 1
        assert device.process.poll() is None
    finally:
        device.stop()


@pytest.mark.parametrize("board", ["nrf7002dk/nrf5340/cpuapp/ns", "native_sim"])
def test_a_board_without_a_modem_connects_with_native_tls_from_the_certs_folder(start_hub, tmp_path, board):
    """nRF70 and native_sim (with v2.9.0's boards/native_sim.conf: security tag 201): no modem;
    CONFIG_MQTT_HELPER_PROVISION_CERTIFICATES loads certs/ (cert_tool's default outputs) into the TLS credential
    store, as in the seed."""
    cloud = Cloud(start_hub, tmp_path / "work")
    app = copy_app(tmp_path / "app")
    cert_tool(app, "client_key")
    cert_tool(app, "csr", "--common-name", "my-device")
    # Sign with the verified hub PKI (its sub-CA lives in the work dir).
    (app / "ca").mkdir(exist_ok=True)
    for name in ("sub-ca-key.pem", "sub-ca-cert.pem"):
        (app / "ca" / name).write_bytes((cloud.workdir / "ca" / name).read_bytes())
    cert_tool(app, "sign")
    leaf = (app / "certs/client-cert.pem").read_text()
    (app / "certs/client-cert.pem").write_text(leaf + (app / "ca/sub-ca-cert.pem").read_text())
    (app / "certs/ca-cert.pem").write_text(cloud.hub.root_ca)
    cloud.register("my-device")
    device = FirmwareProcess(tmp_path / "device", board=board, app_dir=app,
                             defines=('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, "CONFIG_SIM_EVENT_INTERVAL_SEC=1"),
                             address=cloud.address)
    try:
        assert device.pty is None
        device.wait_for("Device ID: my-device$", 10)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        device.wait_for("Event was successfully sent", 10)
        assert "AT interface" not in device.text()
    finally:
        device.stop()


def split_json(text):
    """The JSON documents monitor-events prints one after another."""
    decoder, index, documents = json.JSONDecoder(), 0, []
    text = text.strip()
    while index < len(text):
        if text[index].isspace() or not text[index] in "{[":
            index += 1
            continue
        document, end = decoder.raw_decode(text, index)
        documents.append(json.dumps(document))
        index = end
    return documents
