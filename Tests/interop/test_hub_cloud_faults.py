"""The cloud misbehaving on purpose, seen by the real SDKs: direct methods to an offline device (404103 at once or
after connectTimeoutInSeconds, 504101 after responseTimeoutInSeconds), hub-initiated disconnects on demand and on a
schedule, and a run-time switch of the server root (new handshakes only)."""
import ssl
import socket
import threading
import time

import pytest
from azure.iot.device import IoTHubDeviceClient, MethodResponse
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import CloudToDeviceMethod
from msrest.exceptions import HttpOperationError

from hub_emulator import MQTT_PORT

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"


@pytest.fixture
def registry(hub, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hub.root_ca_path)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,%s" % hub.address)
    return IoTHubRegistryManager.from_connection_string(hub.owner_connection_string())


def device_client(hub, device_id, **options):
    return IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=%s;SharedAccessKey=%s;GatewayHostName=%s" % (device_id, KEY, hub.address),
        server_verification_cert=hub.root_ca, **options)


def expect_error(raised, status, name):
    response = raised.value.response
    assert response.status_code == status and response.headers["iothub-errorcode"] == name, response.text
    assert response.json()["Message"].startswith("ErrorCode:%s;" % name)


def test_a_method_to_an_offline_device_is_404103_at_once_without_a_connect_timeout(registry):
    registry.create_device_with_sas("off-1", KEY, KEY, "enabled")
    started = time.monotonic()
    with pytest.raises(HttpOperationError) as offline:
        registry.invoke_device_method("off-1", CloudToDeviceMethod(method_name="x", payload={}, connect_timeout_in_seconds=0))
    assert time.monotonic() - started < 3
    expect_error(offline, 404, "DeviceNotOnline")


def test_a_method_waits_up_to_its_connect_timeout_for_the_device_then_is_404103(registry):
    registry.create_device_with_sas("off-2", KEY, KEY, "enabled")
    started = time.monotonic()
    with pytest.raises(HttpOperationError) as offline:
        registry.invoke_device_method("off-2", CloudToDeviceMethod(method_name="x", payload={}, connect_timeout_in_seconds=2))
    assert time.monotonic() - started >= 2
    expect_error(offline, 404, "DeviceNotOnline")


def test_a_method_reaches_a_device_that_connects_within_the_connect_timeout(registry, hub):
    registry.create_device_with_sas("off-3", KEY, KEY, "enabled")
    client = device_client(hub, "off-3")
    result = {}

    def invoke():
        try:
            result["value"] = registry.invoke_device_method(
                "off-3", CloudToDeviceMethod(method_name="wake", payload={}, connect_timeout_in_seconds=30, response_timeout_in_seconds=10))
        except Exception as error:  # reported by the assertion below
            result["error"] = error

    caller = threading.Thread(target=invoke)
    caller.start()
    try:
        # The call waits (the device is offline); the device connects and subscribes, and then gets it.
        caller.join(timeout=1)
        assert caller.is_alive(), result
        # Setting the handler connects the SDK's client and subscribes it to methods.
        client.on_method_request_received = lambda request: client.send_method_response(
            MethodResponse.create_from_method_request(request, 200, {"woke": request.name}))
        caller.join(timeout=20)
        assert result["value"].status == 200 and result["value"].payload == {"woke": "wake"}
    finally:
        client.shutdown()


def test_a_connected_device_that_does_not_answer_is_504101(registry, hub):
    registry.create_device_with_sas("slow-1", KEY, KEY, "enabled")
    client = device_client(hub, "slow-1")
    client.on_method_request_received = lambda request: None  # never answers
    client.connect()
    try:
        started = time.monotonic()
        with pytest.raises(HttpOperationError) as timeout:
            registry.invoke_device_method("slow-1", CloudToDeviceMethod(method_name="slow", payload={}, response_timeout_in_seconds=5))
        assert time.monotonic() - started >= 5
        expect_error(timeout, 504, "GatewayTimeout")
    finally:
        client.shutdown()


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_hub_initiated_disconnect_on_demand_and_the_sdk_reconnects(hub):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "dis-1", "--primary-key", KEY, "--secondary-key", KEY)
    client = device_client(hub, "dis-1")
    changes = []
    client.on_connection_state_change = lambda: changes.append(client.connected)
    client.connect()
    try:
        assert hub.az_json("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", "dis-1") == {"disconnected": ["dis-1"]}
        wait_for(lambda: False in changes)
        wait_for(lambda: client.connected)
        assert "connection closed by the hub" in hub.log()
    finally:
        client.shutdown()
    # An offline device is 404103; an unknown one 404001; the hub-wide form names who it closed.
    result = hub.az("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", "dis-1", check=False)
    assert result.returncode == 1 and "ERROR: (404) ErrorCode:DeviceNotOnline;Device dis-1 is not connected" in result.stderr
    result = hub.az("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", "nobody", check=False)
    assert result.returncode == 1 and "DeviceNotFound" in result.stderr
    assert hub.az_json("iot", "hub", "emulator", "disconnect", "-n", "myhub") == {"disconnected": []}


def test_scheduled_disconnects(start_hub):
    hub = start_hub(extra=("--disconnect-every", "2"))
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "dis-2", "--primary-key", KEY, "--secondary-key", KEY)
    client = device_client(hub, "dis-2")
    changes = []
    client.on_connection_state_change = lambda: changes.append(client.connected)
    client.connect()
    try:
        wait_for(lambda: changes.count(False) >= 2, timeout=20)
        assert "scheduled disconnect (--disconnect-every)" in hub.log()
    finally:
        client.shutdown()


def handshake(hub, cafile):
    """A TLS handshake with the MQTT listener trusting only `cafile`: the issuer of the chain presented."""
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((hub.address, MQTT_PORT), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="myhub.azure-devices.net") as tls:
            return dict(pair[0] for pair in tls.getpeercert()["issuer"])["commonName"]


def test_the_server_root_switches_for_new_handshakes_only(hub):
    data = hub.data_dir
    assert hub.root_ca_path == str(data / "server-root-ca.pem")
    assert handshake(hub, data / "server-root-ca.pem") == "DigiCert Global Root G2"
    # Both roots are written for provisioning, one by one and together.
    bundle = (data / "server-roots.pem").read_text()
    assert bundle == (data / "server-root-ca.pem").read_text() + (data / "server-root-baltimore.pem").read_text()
    context = ssl.create_default_context(cafile=data / "server-root-ca.pem")
    kept = context.wrap_socket(socket.create_connection((hub.address, MQTT_PORT), timeout=10), server_hostname="myhub.azure-devices.net")
    try:
        shown = hub.az_json("iot", "hub", "emulator", "server-root", "set", "--root", "baltimore")
        assert shown["serverRoot"] == "baltimore"
        assert [(r["name"], r["presented"]) for r in shown["roots"]] == [("digicert-g2", False), ("baltimore", True)]
        assert handshake(hub, data / "server-root-baltimore.pem") == "Baltimore CyberTrust Root"
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(hub, data / "server-root-ca.pem")
        # The connection made before the switch keeps its chain (and `nrfsim az` trusts both roots).
        assert dict(pair[0] for pair in kept.getpeercert()["issuer"])["commonName"] == "DigiCert Global Root G2"
        kept.sendall(b"\xc0\x00")  # a PINGREQ before CONNECT: the hub closes it, over the old chain
    finally:
        kept.close()
    assert hub.az_json("iot", "hub", "emulator", "server-root", "set", "--root", "digicert-g2")["serverRoot"] == "digicert-g2"
    assert handshake(hub, data / "server-root-ca.pem") == "DigiCert Global Root G2"
    result = hub.az("iot", "hub", "emulator", "server-root", "set", "--root", "isrg", check=False)
    assert result.returncode != 0 and "--root: 'isrg' is not a server root: expected 'digicert-g2' or 'baltimore'" in result.stderr
