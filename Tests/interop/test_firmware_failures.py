"""Failure paths of the firmware: each asserts the sample's exact event sequence and the library's
log lines, and that the device neither crashes nor hangs."""
import signal
import time

import pytest

from firmware_cloud import Cloud, events, provisioned_device
from firmware_device import lines_in_order
from firmware_provisioning import HUB_HOST
from nrfsim_device import REPO


MQTT_HELPER_DEBUG = "CONFIG_MQTT_HELPER_LOG_LEVEL_DBG=y"


def assert_handshake_refused(device, hostname, reason, before=()):
    """The handshake failed in `connect()` with `reason`: -ECONNREFUSED from the modem, CONNECTING the only event,
    and the device still running."""
    device.wait_for("azure_iot_hub_connect failed", 15)
    time.sleep(0.5)
    lines_in_order(device, list(before) + [
        ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTING"),
        # A board says nothing of the reason; nrfsim says it at debug level (CONFIG_MQTT_HELPER_LOG_LEVEL_DBG).
        ("dbg", "mqtt_helper", "TLS handshake with %s failed: certificate verification failed: %s" % (hostname, reason)),
        ("err", "mqtt_helper", "mqtt_connect, error: -111"),
        ("err", "azure_iot_hub", "mqtt_helper_connect failed, error: -111"),
        ("err", "azure_iot_hub_sample", "azure_iot_hub_connect failed: -111"),
    ])
    assert events(device) == ["AZURE_IOT_HUB_EVT_CONNECTING"]
    assert device.process.poll() is None


def test_wrong_server_root_fails_the_handshake(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    wrong_root = (cloud.workdir / "ca" / "root-ca-cert.pem").read_text()  # the device PKI's root, not the server's
    device = provisioned_device(cloud, tmp_path / "device", cloud.direct_defines() + (MQTT_HELPER_DEBUG,),
                                server_root=wrong_root)
    try:
        assert_handshake_refused(device, HUB_HOST, "unable to get local issuer certificate")
    finally:
        device.stop()


def test_hostname_the_server_certificate_does_not_name_fails_the_handshake(start_hub, tmp_path):
    """The local resolver sends any name to the emulator, whose certificate covers *.azure-devices.net only."""
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="myhub.example.com"', MQTT_HELPER_DEBUG)
    device = provisioned_device(cloud, tmp_path / "device", defines)
    try:
        assert_handshake_refused(device, "myhub.example.com", "hostname mismatch",
                                 before=[("inf", "azure_iot_hub_sample", "Host name: myhub.example.com")])
    finally:
        device.stop()


def test_certificate_common_name_other_than_the_device_id_is_refused_with_connack_5(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, 'CONFIG_AZURE_IOT_HUB_DEVICE_ID="other-device"')
    cloud.register("other-device")
    device = provisioned_device(cloud, tmp_path / "device", defines, register=False)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 20)
        time.sleep(0.5)
        assert events(device) == ["AZURE_IOT_HUB_EVT_CONNECTING", "AZURE_IOT_HUB_EVT_CONNECTION_FAILED",
                                  "AZURE_IOT_HUB_EVT_DISCONNECTED"]
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "Connection request sent to IoT Hub"),
            ("err", "azure_iot_hub", "Connection was rejected with return code 5"),
            ("wrn", "azure_iot_hub", "Is the device certificate valid?"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTION_FAILED"),
            ("inf", "azure_iot_hub_sample", "Error code received from IoT Hub: 5"),
            ("wrn", "azure_iot_hub", "DISCONNECT, result: -113"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_DISCONNECTED"),
        ])
        assert device.process.poll() is None
    finally:
        device.stop()


def test_dps_with_an_unverified_root_fails_the_registration(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, verify_dps_root=False)
    conf = (REPO / "dps.conf",)
    device = provisioned_device(cloud, tmp_path / "device", cloud.dps_defines(), conf=conf, register=False)
    try:
        device.wait_for("terminating connection attempt", 20)
        time.sleep(0.5)
        statuses = [m.rsplit("_", 1)[1] for _, _, m in device.messages("azure_iot_hub_sample")
                    if m.startswith("DPS registration status")]
        assert statuses == ["STARTED", "ASSIGNING", "FAILED"]
        # As nrfconnect/sdk-nrf v2.9.0 azure_iot_hub_dps.c handle_reg_update() and dps_is_assigned() log it (the
        # error's details at debug level only), and the sample's dps_run() returns -EFAULT.
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "The DPS process has started, timeout is set to 90 seconds"),
            ("wrn", "azure_iot_hub_dps", "The status code 401 indicates a non-retriable error"),
            ("err", "azure_iot_hub_dps", "The device was not assigned to hub"),
            ("err", "azure_iot_hub_dps", "The registration was not successful, no IoT Hub was assigned"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ])
        assert not [m for _, _, m in device.messages("azure_iot_hub_dps") if m.startswith("Error message: ")]
        assert "certificate" in cloud.hub.log().lower()
        assert events(device) == []
        assert not (tmp_path / "device" / "settings.json").exists()
    finally:
        device.stop()


def test_hub_stopped_mid_session(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    device = provisioned_device(cloud, tmp_path / "device", cloud.direct_defines())
    try:
        device.wait_for("Event was successfully sent", 20)
        mark = len(device.lines)
        assert cloud.hub.stop(signal.SIGTERM) == 0
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 10, after=mark)
        device.wait_for("Failed to send event", 5, after=device.last_index)  # the next send, once disconnected
        lines_in_order(device, [
            ("err", "mqtt_helper", "Socket error: POLLHUP"),
            ("err", "mqtt_helper", "Connection was unexpectedly closed"),
            ("wrn", "azure_iot_hub", "DISCONNECT, result: -113"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_DISCONNECTED"),
            # azure_iot_hub_send() refuses while not connected (azure_iot_hub.c:940-943), then main.c's line.
            ("wrn", "azure_iot_hub", "Azure IoT Hub is not connected"),
            ("err", "azure_iot_hub_sample", "Failed to send event"),
        ])
        assert events(device)[-1] == "AZURE_IOT_HUB_EVT_DISCONNECTED"
        assert device.process.poll() is None
    finally:
        device.stop()
    assert device.process.returncode == 0


def test_a_refused_hub_subscription_still_raises_ready(start_hub, tmp_path):
    """nrfconnect/sdk-nrf v2.9.0 azure_iot_hub.c on_suback() does not look at the SUBACK's result: READY follows
    (and the twin request) even when the hub refuses a subscription (here the C2D one, `nrfsim hub
    --refuse-subscription`)."""
    cloud = Cloud(start_hub, tmp_path / "work",
                  extra=("--dps-retry-after", "1", "--refuse-subscription", "devices/+/messages/devicebound/#"))
    device = provisioned_device(cloud, tmp_path / "device", cloud.direct_defines())
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        device.wait_for("Event was successfully sent", 10)
        assert "subscription refused as configured" in cloud.hub.log()
        assert device.process.poll() is None
    finally:
        device.stop()


def test_a_refused_dps_subscription_still_sends_the_request_and_times_out(start_hub, tmp_path):
    """azure_iot_hub_dps.c on_suback() sends the registration request whatever the SUBACK says; with the response
    subscription refused no answer comes, and the registration ends at CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True,
                  extra=("--dps-retry-after", "1", "--refuse-subscription", "$dps/registrations/res/#"))
    defines = cloud.dps_defines() + ("CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC=3",)
    device = provisioned_device(cloud, tmp_path / "device", defines, conf=(REPO / "overlay-dps.conf",), register=False)
    try:
        device.wait_for("Failed to run DPS", 30)
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "The DPS process has started, timeout is set to 3 seconds"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING"),
            ("err", "azure_iot_hub_dps", "A timeout occurred, the registration process is terminated"),
            ("err", "azure_iot_hub_dps", "There was a failure during DPS registration, process is stopped"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ])
        assert "DPS subscription refused as configured" in cloud.hub.log()
        assert device.process.poll() is None
    finally:
        device.stop()


def test_a_dps_topic_buffer_too_small_for_the_register_topic_fails_the_registration(start_hub, tmp_path):
    """azure_iot_hub_dps.c dps_send_reg_request() builds the topic in CONFIG_AZURE_IOT_HUB_DPS_TOPIC_BUFFER_SIZE
    bytes: `$dps/registrations/PUT/iotdps-register/?$rid=1` and its NUL do not fit in 40, so the Azure SDK answers
    AZ_ERROR_NOT_ENOUGH_SPACE and the registration fails with -EMSGSIZE."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True)
    defines = cloud.dps_defines() + ("CONFIG_AZURE_IOT_HUB_DPS_TOPIC_BUFFER_SIZE=40",)
    device = provisioned_device(cloud, tmp_path / "device", defines, conf=(REPO / "overlay-dps.conf",), register=False)
    try:
        device.wait_for("Failed to run DPS", 30)
        lines_in_order(device, [
            ("err", "azure_iot_hub_dps", "Failed to get registration topic, error: -2147418110"),
            ("err", "azure_iot_hub_dps", "Failed to send DPS registration request, error: -122"),
            ("err", "azure_iot_hub_dps", "There was a failure during DPS registration, process is stopped"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ])
        assert device.process.poll() is None
    finally:
        device.stop()


@pytest.mark.parametrize("status, warned", [(429, False), (500, False), (503, True)])
def test_a_dps_error_answer_ends_the_registration_at_once(start_hub, tmp_path, status, warned):
    """Upstream's handle_reg_update() (azure_iot_hub_dps.c:463-548) keeps a registration going only when the answer
    is retriable (az_iot_status_retriable(): 429 and 500) and the operation is not complete. An error body has no
    operationId and no status, so the Azure SDK's parser marks the operation failed
    (az_iot_provisioning_client.c, az_iot_provisioning_client_parse_payload()): the registration ends FAILED at the
    first answer, with retry-after ignored, and no status is ever polled. A non-retriable status (503) is warned about
    first (azure_iot_hub_dps.c:494)."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, extra=("--dps-retry-after", "1", "--dps-fault", "reply:%d" % status))
    device = provisioned_device(cloud, tmp_path / "device", cloud.dps_defines(), conf=(REPO / "overlay-dps.conf",),
                                register=False)
    try:
        device.wait_for("Failed to run DPS", 30)
        # on_suback() reports ASSIGNING once the request is sent (azure_iot_hub_dps.c:770-771).
        expected = [("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_NOT_STARTED"),
                    ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING")]
        if warned:
            expected.append(("wrn", "azure_iot_hub_dps", "The status code %d indicates a non-retriable error" % status))
        expected += [
            ("err", "azure_iot_hub_dps", "The device was not assigned to hub"),
            ("err", "azure_iot_hub_dps", "The registration was not successful, no IoT Hub was assigned"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ]
        lines_in_order(device, expected)
        assert device.count("REG_STATUS_ASSIGNING") == 1
        assert device.count("non-retriable") == (1 if warned else 0)
        # One request, one fault answer: the device never polled.
        assert cloud.hub.log().count("DPS request answered with a fault, as configured") == 1
        assert device.process.poll() is None
    finally:
        device.stop()


def test_a_dropped_dps_connection_is_reported_only_by_the_timeout(start_hub, tmp_path):
    """Upstream's on_disconnect() (azure_iot_hub_dps.c:747-752) only moves the state to DISCONNECTED: the sample hears
    nothing until CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC (timeout_work_fn(), azure_iot_hub_dps.c:442-446) ends the
    registration."""
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, extra=("--dps-retry-after", "1", "--dps-fault", "drop"))
    defines = cloud.dps_defines() + ("CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC=4",)
    device = provisioned_device(cloud, tmp_path / "device", defines, conf=(REPO / "overlay-dps.conf",), register=False)
    try:
        device.wait_for("The DPS process has started, timeout is set to 4 seconds", 20)
        started = device.last_time
        device.wait_for("Connection was unexpectedly closed", 10)
        dropped = device.last_time
        device.wait_for("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED", 20)
        assert device.last_time - started >= 3.5, "FAILED came before the timeout"
        assert device.last_time - dropped >= 2.5, "the drop itself was reported"
        device.wait_for("Failed to run DPS", 5)
        # on_reg_completed() (azure_iot_hub_dps.c:318-345) disconnects a helper that on_disconnect() has already
        # deinitialized: mqtt_helper_disconnect() and mqtt_helper_deinit() refuse (mqtt_helper.c:622-628, 714-720).
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "The DPS process has started, timeout is set to 4 seconds"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING"),
            ("err", "mqtt_helper", "Connection was unexpectedly closed"),
            ("err", "azure_iot_hub_dps", "A timeout occurred, the registration process is terminated"),
            ("err", "mqtt_helper", "Library is in the wrong state (MQTT_STATE_UNINIT), MQTT_STATE_CONNECTED required"),
            ("err", "azure_iot_hub_dps", "Failed to disconnect gracefully, error: -95"),
            ("err", "mqtt_helper", "Library is in the wrong state (MQTT_STATE_UNINIT), MQTT_STATE_DISCONNECTED required"),
            ("err", "azure_iot_hub_dps", "There was a failure during DPS registration, process is stopped"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ])
        assert "DPS connection dropped at a request, as configured" in cloud.hub.log()
        assert device.process.poll() is None
    finally:
        device.stop()


def test_a_user_name_buffer_too_small_fails_the_connect_with_the_azure_sdk_error(start_hub, tmp_path):
    """azure_iot_hub.c:890-899: az_iot_hub_client_get_user_name() answers AZ_ERROR_NOT_ENOUGH_SPACE, logged in hex,
    and connect() returns -EFAULT."""
    cloud = Cloud(start_hub, tmp_path / "work")
    device = provisioned_device(cloud, tmp_path / "device",
                                cloud.direct_defines() + ("CONFIG_AZURE_IOT_HUB_USER_NAME_BUF_SIZE=32",))
    try:
        device.wait_for("azure_iot_hub_connect failed", 15)
        lines_in_order(device, [
            ("err", "azure_iot_hub", "Failed to get user name, az error: 0x80010002"),
            ("err", "azure_iot_hub_sample", "azure_iot_hub_connect failed: -14"),
        ])
        assert device.process.poll() is None
    finally:
        device.stop()
