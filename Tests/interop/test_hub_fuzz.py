"""100,000 seeded random and mutated MQTT packets into the live listener: the emulator never crashes, closes the
connections it should, leaks none, and keeps serving a well-behaved client."""
import random
import socket
import ssl
import time

from azure.iot.device import IoTHubDeviceClient

from test_hub_device_sdk import KEY
from test_hub_negative import API, connect_packet, raw_tls, sas_token

PACKETS = 100_000


def encode(first, body):
    length, header = len(body), bytearray([first])
    while True:
        digit = length % 128
        length //= 128
        header.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


def s(text):
    data = text.encode() if isinstance(text, str) else text
    return len(data).to_bytes(2, "big") + data


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


def mutate(rnd, packet):
    data = bytearray(packet)
    for _ in range(rnd.randint(1, 3)):
        choice = rnd.randrange(3)
        if choice == 0 and data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif choice == 1 and data:
            del data[rnd.randrange(len(data))]
        else:
            data.insert(rnd.randrange(len(data) + 1), rnd.randrange(256))
    return bytes(data)


def wait_for_pingresp(sock, pending):
    """Reads the server's packets until a PINGRESP (the burst before it was processed); False when it closed."""
    while True:
        while len(pending) >= 2:
            length, shift, index = 0, 0, 1
            while index < len(pending) and pending[index] & 0x80:
                length |= (pending[index] & 0x7F) << shift
                shift += 7
                index += 1
            if index >= len(pending):
                break
            length |= pending[index] << shift
            end = index + 1 + length
            if len(pending) < end:
                break
            kind = pending[0] >> 4
            del pending[:end]
            if kind == 13:
                return True
        try:
            chunk = sock.recv(65536)
        except (ConnectionError, ssl.SSLError, OSError):
            return False
        if not chunk:
            return False
        pending.extend(chunk)


def test_fuzz_live_listener(hub):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "fuzz", "--pk", KEY, "--sk", KEY)
    baseline = hub.open_fds()
    rnd = random.Random(20261127)
    sent = connections = closed_by_server = 0
    while sent < PACKETS:
        sock = raw_tls(hub)
        connections += 1
        pending = bytearray()
        sock.sendall(connect_packet("fuzz", "myhub.azure-devices.net/fuzz/" + API, sas_token("fuzz")))
        alive = True
        while alive and sent < PACKETS:
            burst = []
            for _ in range(50):
                packet = valid_packet(rnd, rnd.randrange(1, 65536))
                burst.append(mutate(rnd, packet) if rnd.random() < 0.01 else packet)
            try:
                sock.sendall(b"".join(burst) + encode(0xC0, b""))
            except (ConnectionError, ssl.SSLError, OSError):
                alive = False
            sent += len(burst)
            alive = alive and wait_for_pingresp(sock, pending)
        closed_by_server += not alive
        sock.close()
    assert sent >= PACKETS and connections > 1
    # Still serving: a well-behaved SDK client connects and round-trips a twin GET.
    client = IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=fuzz;SharedAccessKey=%s;GatewayHostName=localhost" % KEY,
        server_verification_cert=hub.root_ca)
    client.connect()
    assert "desired" in client.get_twin()
    client.shutdown()
    # No connection leaked: the descriptor count returns to where it started.
    deadline = time.monotonic() + 15
    while hub.open_fds() > baseline + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hub.open_fds() <= baseline + 2, (baseline, hub.open_fds())
    assert hub.process.poll() is None
    assert closed_by_server > 10  # mutations did reach the server and close connections
    print("fuzz: %d packets over %d connections, %d closed by the server" % (sent, connections, closed_by_server))
