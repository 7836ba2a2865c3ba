"""30,000 seeded DPS packets (register with empty, JSON and garbage bodies, polls, subscriptions, pings; 2 % mutated at
the byte level) into the live listener after a valid DPS CONNECT: the emulator answers or closes as it should, never
crashes, leaks no connection, and the real ProvisioningDeviceClient still registers afterwards."""
import base64
import json

from azure.iot.device import ProvisioningDeviceClient

from dps_helpers import DPS_HOST, create_dps
from test_dps_protocol import dps_sas
from mqtt_fuzz import assert_no_descriptor_leak, encode, fuzz_listener, s

PACKETS = 30_000
KEY = base64.b64encode(b"f" * 32).decode()


def dps_connect(scope, registration_id, password):
    body = s("MQTT") + bytes([4, 0xC2]) + (60).to_bytes(2, "big") + s(registration_id)
    body += s("%s/registrations/%s/api-version=2019-03-31" % (scope, registration_id)) + s(password)
    return encode(0x10, body)


def valid_packet(rnd, packet_id):
    kind = rnd.randrange(6)
    if kind == 0:
        return encode(0xC0, b"")  # PINGREQ
    if kind == 1:
        return encode(0x82, packet_id.to_bytes(2, "big") + s("$dps/registrations/res/#") + b"\x01")
    if kind == 2:
        body = rnd.choice([b"", b" ", json.dumps({"registrationId": "fuzz", "payload": {"n": rnd.randrange(9)}}).encode(),
                           bytes(rnd.randrange(256) for _ in range(rnd.randrange(30)))])
        return encode(0x32, s("$dps/registrations/PUT/iotdps-register/?$rid=%d" % packet_id) + packet_id.to_bytes(2, "big") + body)
    if kind == 3:
        topic = "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=%d&operationId=4.%x.op" % (packet_id, rnd.getrandbits(32))
        return encode(0x30, s(topic) + b" ")
    if kind == 4:
        return encode(0x30, s("$dps/registrations/PUT/iotdps-%s/?$rid=%d" % (rnd.choice(["x", "register"]), packet_id)))
    return encode(0xA2, packet_id.to_bytes(2, "big") + s("$dps/registrations/res/#"))  # UNSUBSCRIBE


def test_fuzz_dps_on_the_live_listener(start_hub):
    hub = start_hub(extra=("--dps-retry-after", "0"))
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    scope = create_dps(hub)
    hub.az("iot", "dps", "enrollment", "create", "--dps-name", "mydps", "--enrollment-id", "fuzz", "--attestation-type",
           "symmetrickey", "--primary-key", KEY)
    baseline = hub.open_fds()
    sent, connections, closed_by_server = fuzz_listener(
        hub, dps_connect(scope, "fuzz", dps_sas(scope, "fuzz", KEY)), valid_packet, seed=20261128, mutation_rate=0.02,
        packets=PACKETS)
    assert sent >= PACKETS and connections > 1 and closed_by_server > 5
    # Still serving: the real SDK registers the same device.
    client = ProvisioningDeviceClient.create_from_symmetric_key(
        provisioning_host=DPS_HOST, registration_id="fuzz", id_scope=scope, symmetric_key=KEY,
        gateway_hostname=hub.address, server_verification_cert=hub.root_ca)
    result = client.register()
    assert result.status == "assigned" and result.registration_state.device_id == "fuzz"
    assert_no_descriptor_leak(hub, baseline)
    print("DPS fuzz: %d packets over %d connections, %d closed by the server" % (sent, connections, closed_by_server))
