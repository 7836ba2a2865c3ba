"""The real azure-iot-device 2.14.0 ProvisioningDeviceClient against the DPS emulator, with each attestation the
tests below cover; every registration is followed by a hub connection and a D2C message seen by `nrfsim az iot hub
monitor-events`."""
import base64
import hashlib
import hmac

import pytest
from azure.iot.device import IoTHubDeviceClient, Message, ProvisioningDeviceClient, X509

from dps_helpers import DPS_HOST, HUB_HOST, create_dps, device_certificate, verify_root
from hub_emulator import cert_tool
from test_hub_device_sdk import Monitor

GROUP_KEY = base64.b64encode(bytes(range(64))).decode()


@pytest.fixture
def dps(start_hub):
    hub = start_hub(extra=("--dps-retry-after", "1"))
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    hub.scope = create_dps(hub)
    return hub


def send_after_assignment(hub, result, make_client, registration_id):
    assert result.status == "assigned"
    state = result.registration_state
    assert state.assigned_hub == HUB_HOST and state.device_id == registration_id and state.sub_status == "initialAssignment"
    client = make_client(state.assigned_hub, state.device_id)
    client.connect()
    monitor = Monitor(hub)
    try:
        message = Message('{"provisioned": true}', content_encoding="utf-8", content_type="application/json")
        message.custom_properties["via"] = "dps"
        client.send_message(message)
        events = monitor.wait_for(1)
    finally:
        monitor.stop()
        client.shutdown()
    assert len(events) == 1
    event = events[0]["event"]
    assert event["origin"] == registration_id and event["payload"] == {"provisioned": True}
    assert event["properties"]["application"] == {"via": "dps"}


def x509_flow(hub, registration_id, cert, key):
    x509 = X509(str(cert), str(key))
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host=DPS_HOST, registration_id=registration_id, id_scope=hub.scope, x509=x509,
        gateway_hostname=hub.address, server_verification_cert=hub.root_ca)
    client.provisioning_payload = {"modelId": "dtmi:nrfsim:sample;1"}
    result = client.register()
    send_after_assignment(hub, result, lambda host, device: IoTHubDeviceClient.create_from_x509_certificate(
        x509, host, device, gateway_hostname=hub.address, server_verification_cert=hub.root_ca), registration_id)
    return result


def symmetric_flow(hub, registration_id, key):
    client = ProvisioningDeviceClient.create_from_symmetric_key(
        provisioning_host=DPS_HOST, registration_id=registration_id, id_scope=hub.scope, symmetric_key=key,
        gateway_hostname=hub.address, server_verification_cert=hub.root_ca)
    result = client.register()
    send_after_assignment(hub, result, lambda host, device: IoTHubDeviceClient.create_from_symmetric_key(
        key, host, device, gateway_hostname=hub.address, server_verification_cert=hub.root_ca), registration_id)
    return result


def test_x509_enrollment_group_with_a_sub_ca_chain(dps, tmp_path):
    """The seed's DPS path: root verified by proof of possession, group keyed by the sub-CA, leaf + sub-CA presented;
    the initial twin lands in the hub."""
    cert_tool(tmp_path, "root_ca")
    cert_tool(tmp_path, "sub_ca")
    assert verify_root(dps, tmp_path)["properties"]["isVerified"] is True
    dps.az("iot", "dps", "enrollment-group", "create", "--dps-name", "mydps", "--resource-group", "rg", "--enrollment-id", "nrf-group",
           "--certificate-path", "ca/sub-ca-cert.pem", "--provisioning-status", "enabled", "--iot-hubs", HUB_HOST,
           "--allocation-policy", "static", "--initial-twin-tags", '{"fleet": "sim"}', "--initial-twin-properties",
           '{"telemetryInterval": 30}', cwd=tmp_path)
    cert, key = device_certificate(tmp_path, "nrf-352656100000001")
    x509_flow(dps, "nrf-352656100000001", cert, key)
    identity = dps.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "nrf-352656100000001")
    assert identity["authentication"]["type"] == "selfSigned"  # DPS registers the leaf's thumbprint; the hub needs no CA
    twin = dps.az_json("iot", "hub", "device-twin", "show", "-n", "myhub", "-d", "nrf-352656100000001")
    assert twin["tags"] == {"fleet": "sim"} and twin["properties"]["desired"]["telemetryInterval"] == 30
    registrations = dps.az_json("iot", "dps", "enrollment-group", "registration", "list", "--dps-name", "mydps", "--group-id", "nrf-group")
    assert [r["registrationId"] for r in registrations] == ["nrf-352656100000001"]
    assert registrations[0]["status"] == "assigned" and registrations[0]["x509"]["enrollmentGroupId"] == "nrf-group"


def test_x509_individual_enrollment(dps, tmp_path):
    """An individual enrollment with the device's own certificate (self-signed through cert-tool's root)."""
    cert_tool(tmp_path, "root_ca")
    cert, key = device_certificate(tmp_path, "dev-x509", sign="sign_root", chain=False)
    dps.az("iot", "dps", "enrollment", "create", "--dps-name", "mydps", "--enrollment-id", "dev-x509", "--attestation-type", "x509",
           "--certificate-path", str(cert))
    x509_flow(dps, "dev-x509", cert, key)
    identity = dps.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "dev-x509")
    assert identity["authentication"]["type"] == "selfSigned"
    shown = dps.az_json("iot", "dps", "enrollment", "registration", "show", "--dps-name", "mydps", "--registration-id", "dev-x509")
    assert shown["assignedHub"] == HUB_HOST and shown["x509"]["enrollmentGroupId"] is None


def test_symmetric_key_individual_enrollment(dps):
    key = base64.b64encode(b"an individual enrollment key....").decode()
    created = dps.az_json("iot", "dps", "enrollment", "create", "--dps-name", "mydps", "--enrollment-id", "dev-sym",
                          "--attestation-type", "symmetrickey", "--primary-key", key)
    assert created["attestation"]["symmetricKey"]["primaryKey"] == key
    symmetric_flow(dps, "dev-sym", key)
    identity = dps.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "dev-sym")
    assert identity["authentication"]["symmetricKey"]["primaryKey"] == key


def test_symmetric_key_group_with_a_derived_key(dps):
    dps.az("iot", "dps", "enrollment-group", "create", "--dps-name", "mydps", "--enrollment-id", "sym-group", "--primary-key", GROUP_KEY)
    shown = dps.az_json("iot", "dps", "enrollment-group", "show", "--dps-name", "mydps", "--enrollment-id", "sym-group")
    assert shown["attestation"]["symmetricKey"]["primaryKey"] is None  # hidden without --show-keys, as in az
    derived = base64.b64encode(hmac.new(base64.b64decode(GROUP_KEY), b"dev-derived", hashlib.sha256).digest()).decode()
    symmetric_flow(dps, "dev-derived", derived)
    registration = dps.az_json("iot", "dps", "enrollment-group", "registration", "show", "--dps-name", "mydps", "--registration-id", "dev-derived")
    assert registration["symmetricKey"]["enrollmentGroupId"] == "sym-group"
