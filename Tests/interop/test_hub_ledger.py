"""The emulator's traffic ledger (`nrfsim az iot hub emulator ledger`) against an independent count: the real
azure-iot-device client (SAS, MQTT over TLS) reaches the hub through a TCP relay in the test that counts every byte
each way; the ledger's wire totals must match the relay's, its payload category the bytes the test sent, and its
categories must sum to its totals."""
import time

from azure.iot.device import Message

import socket
import threading

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
            ends = [threading.Event(), threading.Event()]
            self.counts.append(counts)
            self.done.append(ends)
            threading.Thread(target=self.pump, args=(client, server, counts, "up", ends[0]), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, counts, "down", ends[1]), daemon=True).start()

    @staticmethod
    def pump(source, sink, counts, direction, ended):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                counts[direction] += len(data)
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
