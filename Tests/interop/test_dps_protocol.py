"""DPS on the wire with paho-mqtt: the nRF Connect SDK's way of registering (empty payload, polling after
`retry-after`), the refusals with their exact status and error body, and a restart in the middle of a registration."""
import base64
import hashlib
import hmac
import json
import signal
import time
import urllib.parse

import pytest
from azure.iot.device import ProvisioningDeviceClient, X509
from azure.iot.device.exceptions import ClientError

from dps_helpers import DPS_HOST, HUB_HOST, RawDPSClient, create_dps, device_certificate, verify_root
from hub_emulator import cert_tool


def start(start_hub, retry_after, data_dir=None):
    hub = start_hub(data_dir=data_dir, extra=("--dps-retry-after", str(retry_after)))
    if data_dir is None:
        hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
        hub.scope = create_dps(hub)
    else:
        hub.scope = json.loads(hub.az("iot", "dps", "show", "--name", "mydps", "--query", "properties.idScope").stdout)
    return hub


def sub_ca_group(hub, cwd, verify=True, status="enabled"):
    """Root and sub-CA from cert-tool, the root uploaded (and verified), a group keyed by the sub-CA."""
    cert_tool(cwd, "root_ca")
    cert_tool(cwd, "sub_ca")
    if verify:
        verify_root(hub, cwd)
    else:
        hub.az("iot", "dps", "certificate", "create", "--dps-name", "mydps", "--name", "root", "--path", "ca/root-ca-cert.pem", cwd=cwd)
    hub.az("iot", "dps", "enrollment-group", "create", "--dps-name", "mydps", "--enrollment-id", "grp", "--certificate-path",
           "ca/sub-ca-cert.pem", "--provisioning-status", status, "--iot-hubs", HUB_HOST, "--allocation-policy", "static", cwd=cwd)


def expect_error(reply, status, code, message):
    got_status, query, body = reply
    assert got_status == status and "retry-after" not in query
    assert set(body) == {"errorCode", "trackingId", "message", "timestampUtc"}
    assert body["errorCode"] == code and body["message"] == message


def test_empty_register_payload_honours_retry_after_and_ends_assigned(start_hub, tmp_path):
    hub = start(start_hub, retry_after=2)
    sub_ca_group(hub, tmp_path)
    cert, key = device_certificate(tmp_path, "nrf-dev")
    client = RawDPSClient(hub, hub.scope, "nrf-dev", cert, key)
    status, query, body = client.register()
    assert (status, query["retry-after"], body["status"]) == (202, "2", "assigning")
    operation = body["operationId"]
    assert operation.startswith("4.")
    # Polling before retry-after has passed: still assigning, told how long to wait.
    status, query, body = client.poll(operation)
    assert status == 202 and body["status"] == "assigning" and body["registrationState"]["status"] == "assigning"
    assert 1 <= int(query["retry-after"]) <= 2
    time.sleep(int(query["retry-after"]))
    status, query, body = client.poll(operation, rid="3")
    assert status == 200 and "retry-after" not in query and body["status"] == "assigned"
    state = body["registrationState"]
    assert (state["registrationId"], state["assignedHub"], state["deviceId"], state["status"], state["substatus"]) == (
        "nrf-dev", HUB_HOST, "nrf-dev", "assigned", "initialAssignment")
    assert {"createdDateTimeUtc", "lastUpdatedDateTimeUtc", "etag"} <= set(state)
    # Polling again gives the same final answer; registering again keeps the assignment.
    assert client.poll(operation, rid="4")[2] == body
    client.close()
    assert hub.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "nrf-dev")["authentication"]["type"] == "selfSigned"


def test_an_unverified_root_is_refused(start_hub, tmp_path):
    hub = start(start_hub, retry_after=0)
    sub_ca_group(hub, tmp_path, verify=False)
    cert, key = device_certificate(tmp_path, "dev-a")
    client = RawDPSClient(hub, hub.scope, "dev-a", cert, key)
    expect_error(client.register(), 401, 401002, "Invalid certificate: the chain ends at DPS certificate 'root', which is not verified")
    client.close()


def test_a_chain_without_the_intermediate_is_refused(start_hub, tmp_path):
    hub = start(start_hub, retry_after=0)
    sub_ca_group(hub, tmp_path)
    cert, key = device_certificate(tmp_path, "dev-b", chain=False)
    client = RawDPSClient(hub, hub.scope, "dev-b", cert, key)
    expect_error(client.register(), 401, 401002,
                 "Invalid certificate: the chain does not reach a verified DPS certificate (send the leaf and every intermediate)")
    client.close()


def test_a_common_name_other_than_the_registration_id_is_refused(start_hub, tmp_path):
    hub = start(start_hub, retry_after=0)
    sub_ca_group(hub, tmp_path)
    cert, key = device_certificate(tmp_path, "someone-else")
    client = RawDPSClient(hub, hub.scope, "dev-c", cert, key)
    expect_error(client.register(), 401, 401002, "Invalid certificate: the certificate's CN 'someone-else' is not the registration id 'dev-c'")
    client.close()


def test_a_disabled_enrollment_group_ends_disabled(start_hub, tmp_path):
    hub = start(start_hub, retry_after=0)
    sub_ca_group(hub, tmp_path, status="disabled")
    cert, key = device_certificate(tmp_path, "dev-d")
    client = RawDPSClient(hub, hub.scope, "dev-d", cert, key)
    status, _, body = client.register()
    assert status == 202
    status, _, body = client.poll(body["operationId"])
    assert status == 200 and body["status"] == "disabled"
    state = body["registrationState"]
    assert state["status"] == "disabled" and state["errorCode"] == 401009
    assert state["errorMessage"] == "the enrollment group 'grp' is disabled"
    assert "assignedHub" not in state and "deviceId" not in state
    client.close()
    # The real SDK fails with "invalid registration status disabled", and no device was created in the hub.
    sdk = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host=DPS_HOST, registration_id="dev-d", id_scope=hub.scope, x509=X509(str(cert), str(key)),
        gateway_hostname=hub.address, server_verification_cert=hub.root_ca)
    with pytest.raises(ClientError) as raised:
        sdk.register()
    assert "invalid registration status disabled" in str(raised.value.__cause__)
    assert hub.az("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "dev-d", check=False).returncode != 0


def dps_sas(scope, registration_id, key, expiry=None):
    resource = urllib.parse.quote("%s/registrations/%s" % (scope, registration_id), safe="")
    expiry = expiry or int(time.time()) + 3600
    signature = base64.b64encode(hmac.new(base64.b64decode(key), ("%s\n%d" % (resource, expiry)).encode(), hashlib.sha256).digest())
    return "SharedAccessSignature sr=%s&sig=%s&se=%d&skn=registration" % (resource, urllib.parse.quote(signature, safe=""), expiry)


def test_an_unknown_registration_is_refused(start_hub):
    hub = start(start_hub, retry_after=0)
    key = base64.b64encode(b"k" * 32).decode()
    client = RawDPSClient(hub, hub.scope, "ghost", password=dps_sas(hub.scope, "ghost", key))
    expect_error(client.register(payload=b'{"registrationId": "ghost"}'), 401, 401002, "Unauthorized: no enrollment matches registration 'ghost'")
    client.close()


def test_malformed_requests_get_400_and_the_service_keeps_serving(start_hub):
    hub = start(start_hub, retry_after=0)
    key = base64.b64encode(b"s" * 32).decode()
    hub.az("iot", "dps", "enrollment", "create", "--dps-name", "mydps", "--enrollment-id", "dev-e", "--attestation-type", "symmetrickey",
           "--primary-key", key)
    client = RawDPSClient(hub, hub.scope, "dev-e", password=dps_sas(hub.scope, "dev-e", key))
    topic = "$dps/registrations/PUT/iotdps-register/?$rid=5&flag"
    expect_error(client.request(topic), 400, 400004, "Bad request: '%s' has a query pair without '='" % topic)
    topic = "$dps/registrations/PUT/iotdps-registr/?$rid=6"
    expect_error(client.request(topic), 400, 400004,
                 "Bad request: '%s' names no DPS operation ('PUT/iotdps-register' or 'GET/iotdps-get-operationstatus')" % topic)
    expect_error(client.register(rid="7", payload=b"{not json"), 400, 400004,
                 "Bad request: the register body: malformed JSON at byte 1: expected a member name")
    expect_error(client.register(rid="8", payload=b'{"registrationId": "dev-x"}'), 400, 400004,
                 "Bad request: the body's registrationId \"dev-x\" is not 'dev-e'")
    expect_error(client.poll("4.nope", rid="9"), 404, 404201, "Not found: no operation '4.nope' for registration 'dev-e'")
    # Still served: a good registration goes through on the same connection.
    status, _, body = client.register(rid="10", payload=b'{"registrationId": "dev-e", "payload": {"fw": "1.0"}}')
    assert status == 202
    assert client.poll(body["operationId"], rid="11")[2]["status"] == "assigned"
    # A request without a $rid cannot be answered: the connection is closed.
    client.client.publish("$dps/registrations/PUT/iotdps-register/", b"", qos=1)
    deadline = time.monotonic() + 10
    while not client.disconnected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.disconnected
    client.close()
    assert "protocol violation" in hub.log()


def test_connect_refusals(start_hub):
    """An unknown ID scope, a client id that is not the registration id, or an invalid registration id: CONNACK 5."""
    hub = start(start_hub, retry_after=0)
    RawDPSClient(hub, "0ne00000000", "dev-f", connack=5).close()
    RawDPSClient(hub, hub.scope, "dev-f", client_id="other", connack=5).close()
    RawDPSClient(hub, hub.scope, "bad id!", connack=5).close()
    log = hub.log()
    assert "no DPS instance has ID scope '0ne00000000'" in log
    assert "client id 'other' differs from the user name's registration id 'dev-f'" in log
    assert "'bad id!' is not a valid registration id" in log


def test_a_registration_survives_a_restart(start_hub, tmp_path):
    hub = start(start_hub, retry_after=3)
    sub_ca_group(hub, tmp_path)
    cert, key = device_certificate(tmp_path, "dev-r")
    client = RawDPSClient(hub, hub.scope, "dev-r", cert, key)
    status, _, body = client.register()
    assert status == 202
    client.close()
    hub.stop(signal.SIGKILL)
    hub = start(start_hub, retry_after=3, data_dir=hub.data_dir)
    client = RawDPSClient(hub, hub.scope, "dev-r", cert, key)
    deadline = time.monotonic() + 15
    while True:
        status, query, reply = client.poll(body["operationId"], rid=str(time.monotonic()))
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(int(query["retry-after"]))
    assert status == 200 and reply["status"] == "assigned" and reply["registrationState"]["deviceId"] == "dev-r"
    client.close()
