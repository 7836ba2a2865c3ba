"""The emulator's traffic ledger (`nrfsim az iot hub emulator ledger`) against an independent count: the real
azure-iot-device client (SAS, MQTT over TLS) reaches the hub through a TCP relay in the test that counts every byte
each way; the ledger's wire totals must match the relay's, its payload category the bytes the test sent, and its
categories must sum to its totals."""
import time

from azure.iot.device import Message

import socket
import threading

import pytest

from hub_emulator import MQTT_PORT
from test_hub_device_sdk import KEY, sas_client

CATEGORIES = ("tlsHandshake", "tlsRecords", "mqttControl", "mqttPayload", "keepAlive")


class CountingRelay:
    """Relays one TCP connection at a time from `address`:`port` to `address`:`upstream`, counting the bytes each way
    (`up`: client to server). An end that closes is passed on as a half-close, so the other direction runs to its
    own end: the bytes a side sends after the other closed (TLS close_notify) are counted and delivered."""

    def __init__(self, address, port, upstream):
        self.address, self.upstream = address, upstream
        self.server = socket.create_server((address, port))
        self.counts = []
        self.bytes = []
        self.done = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            server = socket.create_connection((self.address, self.upstream))
            counts = {"up": 0, "down": 0}
            seen = {"up": bytearray(), "down": bytearray()}
            ends = [threading.Event(), threading.Event()]
            self.counts.append(counts)
            self.bytes.append(seen)
            self.done.append(ends)
            threading.Thread(target=self.pump, args=(client, server, counts, seen, "up", ends[0]), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, counts, seen, "down", ends[1]), daemon=True).start()

    @staticmethod
    def pump(source, sink, counts, seen, direction, ended):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                counts[direction] += len(data)
                seen[direction] += data
                sink.sendall(data)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        ended.set()

    def wait_closed(self, timeout=15):
        return all(end.wait(timeout) for ends in self.done for end in ends)

    def close(self):
        self.server.close()


def records(data):
    """The TLS records' (content type, wire size) in `data`, framed by their headers (the relay's own reading)."""
    found = []
    while len(data) >= 5:
        size = 5 + int.from_bytes(data[3:5], "big")
        found.append((data[0], size))
        data = data[size:]
    assert not data, "a record cut short"
    return found


def wait_for(condition, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def test_ledger_matches_a_relay_and_the_payload_sent(start_hub):
    hub = start_hub(mqtt_port=0)  # the relay takes 8883, which the SDK dials
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "counted", "--pk", KEY, "--sk", KEY)
    relay = CountingRelay(hub.address, MQTT_PORT, hub.mqtt_port)
    try:
        client = sas_client(hub, "counted")
        client.connect()
        payloads = [bytes([0x41 + index % 26]) * (10 + 37 * index) for index in range(20)]
        for payload in payloads:
            client.send_message(Message(payload))
        client.shutdown()
        assert relay.wait_closed(), "the connection did not end both ways"
        ledger = hub.az_json("iot", "hub", "emulator", "ledger", "-n", "myhub", "-d", "counted")
    finally:
        relay.close()
    assert len(relay.counts) == 1, relay.counts
    relayed = relay.counts[0]
    assert set(ledger) == {"deviceId", "connections", "handshakes", "up", "down", "packets"}, ledger
    assert ledger["deviceId"] == "counted" and ledger["connections"] == 1 and ledger["handshakes"] == 1
    for direction in ("up", "down"):
        counts = ledger[direction]
        assert set(counts) == set(CATEGORIES) | {"total"}, counts
        assert sum(counts[c] for c in CATEGORIES) == counts["total"], counts
        assert all(counts[c] >= 0 for c in CATEGORIES), counts
        assert abs(counts["total"] - relayed[direction]) <= relayed[direction] * 0.01, (direction, counts, relayed)
        assert counts["tlsHandshake"] > 0 and counts["tlsRecords"] > 0 and counts["mqttControl"] > 0, counts
    assert ledger["up"]["mqttPayload"] == sum(len(p) for p in payloads), ledger
    assert ledger["down"]["mqttPayload"] == 0, ledger
    assert ledger["packets"]["PUBLISH"] == len(payloads) and ledger["packets"]["PUBACK"] == len(payloads), ledger
    assert ledger["packets"]["CONNECT"] == 1 and ledger["packets"]["CONNACK"] == 1, ledger
    # The device's handshake is most of what a short connection costs down: the server's certificate chain.
    assert ledger["down"]["tlsHandshake"] > ledger["down"]["mqttControl"], ledger

    listed = hub.az_json("iot", "hub", "emulator", "ledger", "-n", "myhub")
    assert [entry["deviceId"] for entry in listed] == ["counted"] and listed[0] == ledger


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_ledger_of_a_raw_session_against_the_relays_records(start_hub, version):
    """A raw MQTT client over TLS 1.2 or 1.3 (where the handshake's end is encrypted like application data): the
    handshake is every record before the client's first MQTT record and before the hub's CONNACK record, as the relay
    frames them; keep-alive is each PINGREQ and PINGRESP with its record's header and AEAD overhead (TLS 1.3: 5 + 17
    bytes; TLS 1.2: what the cipher suite adds, the same for every record)."""
    import ssl
    from test_hub_negative import API, connect_packet, sas_token

    hub = start_hub(mqtt_port=0)
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "raw13", "--pk", KEY, "--sk", KEY)
    relay = CountingRelay(hub.address, MQTT_PORT, hub.mqtt_port)
    payloads = [bytes([0x30 + index]) * (1 + 211 * index) for index in range(6)]
    sends = []  # what the client writes, one TLS record each
    try:
        context = ssl.create_default_context(cafile=hub.root_ca_path)
        context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
        sock = context.wrap_socket(socket.create_connection((hub.address, MQTT_PORT)), server_hostname=hub.address)
        sock.settimeout(10)
        assert sock.version() == version.replace("_", ".")

        def send(packet):
            sends.append(packet)
            sock.sendall(packet)

        def receive(count):
            data = b""
            while len(data) < count:
                chunk = sock.recv(count - len(data))
                assert chunk, "closed"
                data += chunk
            return data

        send(connect_packet("raw13", "myhub.azure-devices.net/raw13/" + API, sas_token("raw13")))
        assert receive(4)[:2] == bytes([0x20, 0x02])
        topic = b"devices/raw13/messages/events/"
        for packet_id, payload in enumerate(payloads, start=1):
            body = len(topic).to_bytes(2, "big") + topic + packet_id.to_bytes(2, "big") + payload
            length = len(body)
            encoded = bytes([length & 0x7F | (0x80 if length > 127 else 0)]) + (bytes([length >> 7]) if length > 127 else b"")
            send(bytes([0x32]) + encoded + body)
            assert receive(4) == bytes([0x40, 0x02]) + packet_id.to_bytes(2, "big")
        send(bytes([0xC0, 0x00]))
        assert receive(2) == bytes([0xD0, 0x00])
        send(bytes([0xE0, 0x00]))
        sock.close()
        assert relay.wait_closed(), "the connection did not end both ways"
        ledger = hub.az_json("iot", "hub", "emulator", "ledger", "-n", "myhub", "-d", "raw13")
    finally:
        relay.close()
    up, down = records(bytes(relay.bytes[0]["up"])), records(bytes(relay.bytes[0]["down"]))
    assert ledger["up"]["total"] == relay.counts[0]["up"] and ledger["down"]["total"] == relay.counts[0]["down"], ledger
    # Up: each of the client's writes is one record, the last ones; everything before them is the handshake.
    overhead = up[-1][1] - len(sends[-1])  # the DISCONNECT's record
    assert overhead == (22 if version == "TLSv1_3" else overhead) and 21 <= overhead <= 29, up
    assert [size for _, size in up[-len(sends):]] == [len(packet) + overhead for packet in sends], up
    assert ledger["up"]["tlsHandshake"] == sum(size for _, size in up[:-len(sends)]), (ledger, up)
    assert ledger["up"]["mqttPayload"] == sum(len(p) for p in payloads)
    assert ledger["up"]["keepAlive"] == 2 + overhead and ledger["down"]["keepAlive"] == 2 + overhead, ledger
    assert ledger["up"]["tlsRecords"] == overhead * (len(sends) - 1), ledger  # every record's but the PINGREQ's
    # Down: CONNACK, a PUBACK per message, PINGRESP (and close_notify, when the hub's close sent one before the
    # client's went away); before them, the handshake (the server's flight and its session tickets).
    mqtt = [4 + overhead] * (1 + len(payloads)) + [2 + overhead]
    alert = [s for t, s in down[-1:] if (t == 21 or (t == 23 and s == 2 + overhead))]
    trailing = 1 if alert and [s for _, s in down[-len(mqtt) - 1:-1]] == mqtt else 0
    assert [size for _, size in down[len(down) - trailing - len(mqtt):len(down) - trailing]] == mqtt, down
    assert ledger["down"]["tlsHandshake"] == sum(size for _, size in down[:len(down) - trailing - len(mqtt)]), (ledger, down)
    assert ledger["down"]["mqttControl"] == 4 * (1 + len(payloads)), ledger
    for direction in ("up", "down"):
        assert sum(ledger[direction][c] for c in CATEGORIES) == ledger[direction]["total"], ledger
    assert ledger["packets"] == {"CONNECT": 1, "CONNACK": 1, "PUBLISH": len(payloads), "PUBACK": len(payloads),
                                 "PINGREQ": 1, "PINGRESP": 1, "DISCONNECT": 1}, ledger
