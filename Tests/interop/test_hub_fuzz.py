"""100,000 seeded random and mutated MQTT packets into the live listener: the emulator never crashes, closes the
connections it should, leaks none, and keeps serving a well-behaved client."""
from azure.iot.device import IoTHubDeviceClient

from mqtt_fuzz import assert_no_descriptor_leak, encode, fuzz_listener, s
from test_hub_device_sdk import KEY
from test_hub_negative import API, connect_packet, sas_token

PACKETS = 100_000


def valid_packet(rnd, packet_id):
    kind = rnd.randrange(5)
    if kind == 0:
        return encode(0xC0, b"")  # PINGREQ
    if kind == 1:
        topic = "devices/fuzz/messages/events/k%d=v%d" % (rnd.randrange(9), rnd.randrange(9))
        return encode(0x30, s(topic) + bytes(rnd.randrange(256) for _ in range(rnd.randrange(40))))
    if kind == 2:
        return encode(0x32, s("devices/fuzz/messages/events/") + packet_id.to_bytes(2, "big") + b'{"n":1}')
    if kind == 3:
        return encode(0x82, packet_id.to_bytes(2, "big") + s("$iothub/twin/res/#") + b"\x01")
    return encode(0x30, s("$iothub/twin/GET/?$rid=%d" % packet_id))


def test_fuzz_live_listener(hub):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "fuzz", "--pk", KEY, "--sk", KEY)
    baseline = hub.open_fds()
    sent, connections, closed_by_server = fuzz_listener(
        hub, connect_packet("fuzz", "myhub.azure-devices.net/fuzz/" + API, sas_token("fuzz")), valid_packet,
        seed=20261127, mutation_rate=0.01, packets=PACKETS)
    assert sent >= PACKETS and connections > 1
    # Still serving: a well-behaved SDK client connects and round-trips a twin GET.
    client = IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=fuzz;SharedAccessKey=%s;GatewayHostName=%s" % (KEY, hub.address),
        server_verification_cert=hub.root_ca)
    client.connect()
    assert "desired" in client.get_twin()
    client.shutdown()
    # No connection leaked: the descriptor count returns to where it started.
    assert_no_descriptor_leak(hub, baseline)
    assert closed_by_server > 10  # mutations did reach the server and close connections
    print("fuzz: %d packets over %d connections, %d closed by the server" % (sent, connections, closed_by_server))
