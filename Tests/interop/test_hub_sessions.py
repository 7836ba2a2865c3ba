"""Connection rules: a SAS connection ends when its token expires, a second connection with the same id drops the
first, a disabled device is refused, CleanSession=0 keeps subscriptions (session present), and a C2D message is
delivered once while awaiting its PUBACK; when its lock expires the hub closes the connection, and the message comes
again on the next one."""
import ssl
import time

from test_hub_device_sdk import KEY
from test_hub_negative import API, Client, sas_token


def register(hub, device_id):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", device_id, "--pk", KEY, "--sk", KEY)


def test_sas_expiry_disconnects(hub):
    register(hub, "short")
    client = Client(hub, "short", "myhub.azure-devices.net/short/" + API, sas_token("short", expiry=int(time.time()) + 3))
    assert client.wait_connack() == 0
    assert client.disconnected.wait(10), "the connection outlived its SAS token"
    client.close()


def test_same_id_drops_the_older_connection(hub):
    register(hub, "twice")
    first = Client(hub, "twice", "myhub.azure-devices.net/twice/" + API, sas_token("twice"))
    assert first.wait_connack() == 0
    second = Client(hub, "twice", "myhub.azure-devices.net/twice/" + API, sas_token("twice"))
    assert second.wait_connack() == 0
    assert first.disconnected.wait(10)
    assert not second.disconnected.is_set()
    first.client.loop_stop()  # paho would reconnect it otherwise
    second.close()
    assert "ConnectionForcefullyClosedOnNewConnection" in hub.log()


def test_disabled_device_is_refused(hub):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "off", "--pk", KEY, "--sk", KEY, "--status", "disabled")
    client = Client(hub, "off", "myhub.azure-devices.net/off/" + API, sas_token("off"))
    assert client.wait_connack() == 5
    client.close()


def test_persistent_session_keeps_subscriptions(hub):
    register(hub, "sticky")
    client = Client(hub, "sticky", "myhub.azure-devices.net/sticky/" + API, sas_token("sticky"))
    assert client.wait_connack() == 0
    client.client.subscribe("devices/sticky/messages/devicebound/#", qos=1)
    time.sleep(0.5)
    client.client.loop_stop()
    client.client.disconnect()
    received = []
    again = Client(hub, "sticky", "myhub.azure-devices.net/sticky/" + API, sas_token("sticky"))
    again.client.on_message = lambda c, u, message: received.append(message.payload)
    assert again.wait_connack() == 0
    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "sticky", "--data", "no resubscribe needed")
    deadline = time.monotonic() + 10
    while not received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert received == [b"no resubscribe needed"]
    again.close()


def test_c2d_is_not_redelivered_while_awaiting_its_puback(hub):
    """A second C2D send must not repeat the first, still unacknowledged, message on the same connection."""
    import socket
    register(hub, "slow")
    sock = raw_c2d_session(hub, "slow")
    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "slow", "--data", "first")
    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "slow", "--data", "second")
    time.sleep(0.5)
    sock.settimeout(1)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError):
        pass
    sock.close()
    assert data.count(b"first") == 1 and data.count(b"second") == 1, data


def read_publish(sock):
    """Reads one PUBLISH (QoS 1) from a raw socket: (topic, packet id, payload)."""
    def exactly(count):
        data = b""
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data
    header = exactly(1)[0]
    assert header >> 4 == 3, "not a PUBLISH: 0x%02x" % header
    length, shift = 0, 0
    while True:
        byte = exactly(1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    body = exactly(length)
    topic_length = int.from_bytes(body[:2], "big")
    return body[2:2 + topic_length].decode(), int.from_bytes(body[2 + topic_length:4 + topic_length], "big"), body[4 + topic_length:]


def test_c2d_not_acknowledged_closes_the_connection_and_comes_again_after_a_reconnect(start_hub):
    """No PUBACK within the lock timeout (IoT Hub: 1 minute; 2 s here): the hub closes the connection, as it does
    for a device that stopped answering (in PSM, say); the message, still queued, comes again once the device is
    back, and once acknowledged it is complete."""
    import socket
    hub = start_hub(extra=("--c2d-lock-timeout", "2"))
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    register(hub, "asleep")
    sock = raw_c2d_session(hub, "asleep")
    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "asleep", "--data", "hold", "--mid", "m-1")
    first_topic, first_id, payload = read_publish(sock)
    assert payload == b"hold" and "%24.mid=m-1" in first_topic
    started = time.monotonic()
    try:
        rest = sock.recv(65536)  # no PUBACK sent: nothing more comes, the hub hangs up when the lock expires
    except (ConnectionResetError, ssl.SSLError):
        rest = b""
    elapsed = time.monotonic() - started
    sock.close()
    assert rest == b"", "not closed, or delivered again on the same connection: %r" % rest
    assert 1.5 <= elapsed <= 6, elapsed
    log = hub.log()
    assert "C2D message not acknowledged within the lock timeout: connection closed" in log
    assert "device=asleep" in log

    # Back (CleanSession=0, as the raw session connects): its session is present, the subscription with it, and the
    # message comes again without a new SUBSCRIBE.
    from test_hub_negative import connect_packet, raw_tls
    again = raw_tls(hub)
    again.sendall(connect_packet("asleep", "myhub.azure-devices.net/asleep/" + API, sas_token("asleep")))
    assert again.recv(4) == bytes([0x20, 0x02, 0x01, 0x00])
    again_topic, again_id, payload = read_publish(again)
    assert payload == b"hold" and again_topic == first_topic
    again.sendall(bytes([0x40, 0x02]) + again_id.to_bytes(2, "big"))
    again.settimeout(4)
    try:
        extra = again.recv(65536)
    except (socket.timeout, TimeoutError):
        extra = b""
    assert extra == b"", extra  # completed: neither delivered a third time nor closed (it was acknowledged)
    again.close()


def raw_c2d_session(hub, device_id):
    """A raw TLS MQTT session of `device_id` (SAS), accepted and subscribed to its C2D topic at QoS 1."""
    from test_hub_negative import connect_packet, raw_tls
    sock = raw_tls(hub)
    sock.sendall(connect_packet(device_id, "myhub.azure-devices.net/%s/" % device_id + API, sas_token(device_id)))
    assert sock.recv(4) == bytes([0x20, 0x02, 0x00, 0x00])
    topic = b"devices/%s/messages/devicebound/#" % device_id.encode()
    sock.sendall(bytes([0x82, len(topic) + 5, 0, 1, 0, len(topic)]) + topic + b"\x01")
    assert sock.recv(5) == bytes([0x90, 0x03, 0x00, 0x01, 0x01])
    return sock
