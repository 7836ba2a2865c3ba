"""`nrfsim hub --sku`: the real SDKs over an IoT hub's quota and throttles see IoT Hub's error shapes (429001
ThrottlingException, 403002 IoTHubQuotaExceeded), and DPS's rate limits answer 429 with retry-after."""
import logging
import time

import pytest
from azure.iot.device import IoTHubDeviceClient, Message
from azure.iot.device.exceptions import ClientError, ServiceError
from azure.iot.hub import IoTHubRegistryManager
from msrest.exceptions import HttpOperationError

from dps_helpers import RawDPSClient, create_dps, device_certificate
from test_dps_protocol import sub_ca_group

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"


def hub_with_sku(start_hub, *flags):
    hub = start_hub(extra=flags)
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    return hub


def registry_of(hub, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hub.root_ca_path)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,%s" % hub.address)
    return IoTHubRegistryManager.from_connection_string(hub.owner_connection_string())


def expect_iothub_error(error, status, name):
    response = error.value.response
    assert response.status_code == status, response.text
    assert response.headers["iothub-errorcode"] == name
    assert response.json()["Message"].startswith("ErrorCode:%s;" % name)


def test_registry_operations_over_the_f1_throttle_are_429001(start_hub, monkeypatch):
    hub = hub_with_sku(start_hub, "--sku", "F1")
    assert "Quotas and throttles of an IoT hub F1, 1 unit: 8000 messages a day" in hub.banner
    assert hub.az_json("iot", "hub", "show", "-n", "myhub")["sku"] == {"capacity": 1, "name": "F1", "tier": "Free"}
    registry = registry_of(hub, monkeypatch)
    registry.create_device_with_sas("thr-1", KEY, KEY, "enabled")
    # F1: 100 identity registry operations a minute (1.67 a second); back-to-back calls exceed it at once.
    with pytest.raises(HttpOperationError) as throttled:
        for _ in range(20):
            registry.get_device("thr-1")
    expect_iothub_error(throttled, 429, "ThrottlingException")
    assert "identity registry operations over 1.67/sec" in throttled.value.response.json()["Message"]


def test_without_a_sku_the_same_calls_are_served(hub, monkeypatch):
    registry = registry_of(hub, monkeypatch)
    registry.create_device_with_sas("thr-1", KEY, KEY, "enabled")
    for _ in range(20):
        assert registry.get_device("thr-1").device_id == "thr-1"


def test_the_device_sdk_over_the_daily_quota_sees_403002(start_hub, monkeypatch, caplog):
    hub = hub_with_sku(start_hub, "--sku", "F1")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "quota-1", "--primary-key", KEY, "--secondary-key", KEY)
    client = IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=quota-1;SharedAccessKey=%s;GatewayHostName=%s" % (KEY, hub.address),
        server_verification_cert=hub.root_ca, connection_retry=False)
    client.connect()
    caplog.set_level(logging.INFO, logger="azure.iot.device.iothub.pipeline.pipeline_stages_iothub")
    try:
        # F1's 8,000 messages a day counted in 0.5 KB: 15 messages of 255 KB are 7,650 of them.
        for _ in range(15):
            client.send_message(Message(b"x" * (255 * 1024)))
        # 20 KB reported patches (twin strings are at most 4 KB) cost 40 each: the ninth no longer fits.
        with pytest.raises(ClientError) as refused:
            for index in range(10):
                client.patch_twin_reported_properties({"b%d" % part: "y" * 4000 for part in range(5)} | {"n": index})
        assert isinstance(refused.value.__cause__, ServiceError) and "returned status 403" in str(refused.value.__cause__)
        assert '"errorCode":403002' in caplog.text and "exceeded its daily message quota of 8000 messages" in caplog.text
    finally:
        client.shutdown()
    # The service side is refused too, with IoT Hub's JSON error.
    with pytest.raises(HttpOperationError) as spent:
        registry_of(hub, monkeypatch).get_twin("quota-1")
    expect_iothub_error(spent, 403, "IoTHubQuotaExceeded")


def test_dps_over_its_registration_rate_answers_429_with_retry_after(start_hub, tmp_path):
    hub = hub_with_sku(start_hub, "--dps-registrations-per-minute", "1", "--dps-retry-after", "0")
    hub.scope = create_dps(hub)
    sub_ca_group(hub, tmp_path)
    cert, key = device_certificate(tmp_path, "dps-thr")
    client = RawDPSClient(hub, hub.scope, "dps-thr", cert, key)
    try:
        status, query, body = client.register()
        assert status == 202
        operation = body["operationId"]
        status, query, body = client.register(rid="2")
        assert status == 429 and 55 <= int(query["retry-after"]) <= 60
        assert body["errorCode"] == 429001 and body["message"] == "Operation throttled: over DPS's rate of 1 device registrations/min"
        # Polling has a limit of its own (5 every 10 seconds for a device): the first operation is still served.
        for rid in range(3, 8):
            assert client.poll(operation, rid=str(rid))[0] == 200
        status, query, body = client.poll(operation, rid="8")
        assert status == 429 and query["retry-after"] == "2"
        assert body["message"] == "Operation throttled: over DPS's rate of 5 operation polls/10 sec for a device"
    finally:
        client.close()


def test_bad_sku_flags_are_refused_naming_the_flag(start_hub):
    from nrfsim_device import NRFSIM
    import subprocess
    for args, message in [
        (("--sku", "B1"), "--sku 'B1' is not an IoT Hub tier: expected F1, S1, S2 or S3"),
        (("--sku", "F1", "--units", "2"), "--units 2: an F1 hub has 1 to 1 units"),
        (("--units", "3"), "--units 3 needs --sku (F1, S1, S2 or S3)"),
        (("--dps-registrations-per-minute", "0"), "--dps-registrations-per-minute must be at least 1, not 0"),
        (("--disconnect-every", "0"), "--disconnect-every must be at least 1 second, not 0"),
        (("--server-root", "globalsign"), "--server-root: 'globalsign' is not a server root: expected 'digicert-g2' or 'baltimore'"),
    ]:
        result = subprocess.run([NRFSIM, "hub", *args], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
