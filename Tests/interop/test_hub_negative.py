"""paho-mqtt (and raw bytes) against the emulator's rules: bad credentials get CONNACK 5, violations disconnect, and a
well-behaved client connected in parallel is unaffected."""
import socket
import ssl
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from hub_emulator import MQTT_PORT, cert_tool
from test_hub_device_sdk import KEY

API = "?api-version=2021-04-12"


def sas_token(device_id, key=KEY, hub="myhub.azure-devices.net", expiry=None):
    import base64, hashlib, hmac, urllib.parse
    resource = urllib.parse.quote("%s/devices/%s" % (hub, device_id), safe="")
    expiry = expiry or int(time.time()) + 3600
    signature = base64.b64encode(hmac.new(base64.b64decode(key), ("%s\n%d" % (resource, expiry)).encode(), hashlib.sha256).digest())
    return "SharedAccessSignature sr=%s&sig=%s&se=%d" % (resource, urllib.parse.quote(signature, safe=""), expiry)


class Client:
    """A paho client that records CONNACK codes and disconnects."""

    def __init__(self, hub, client_id, username, password=None, cert=None, key=None):
        self.connack = None
        self.disconnected = threading.Event()
        self.connected = threading.Event()
        self.client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311, clean_session=False)  # paho 1.6 (pinned by azure-iot-device)
        self.client.username_pw_set(username, password)
        self.client.tls_set(ca_certs=hub.root_ca_path, certfile=cert and str(cert), keyfile=key and str(key))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *args: self.disconnected.set()
        self.client.connect(hub.address, MQTT_PORT)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, rc):
        self.connack = rc
        if self.connack == 0:
            self.connected.set()

    def wait_connack(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.connack is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.connack

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def good(hub):
    """A registered SAS device connected in parallel, checked after every case."""
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "good", "--pk", KEY, "--sk", KEY)
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "bad", "--pk", KEY, "--sk", KEY)
    client = Client(hub, "good", "myhub.azure-devices.net/good/" + API, sas_token("good"))
    assert client.wait_connack() == 0
    yield client
    # Unaffected: still connected, and a publish still gets its PUBACK.
    assert not client.disconnected.is_set()
    info = client.client.publish("devices/good/messages/events/", b"still here", qos=1)
    info.wait_for_publish(timeout=10)
    assert info.is_published()
    client.close()


@pytest.mark.parametrize("username,password", [
    ("myhub.azure-devices.net", None),                                       # wrong user name shape
    ("myhub.azure-devices.net/bad/" + API, "not a sas token"),               # garbage password
    ("myhub.azure-devices.net/bad/" + API, sas_token("bad", key="d3Jvbmc=")),  # wrong key
    ("myhub.azure-devices.net/bad/" + API, sas_token("bad", expiry=1000)),   # expired
    ("myhub.azure-devices.net/nobody/" + API, sas_token("nobody")),          # unknown device
    ("otherhub.azure-devices.net/bad/" + API, sas_token("bad")),             # unknown hub
])
def test_bad_credentials_get_connack_5(hub, good, username, password):
    client_id = username.split("/")[1] if "/" in username else "bad"
    client = Client(hub, client_id, username, password)
    assert client.wait_connack() == 5
    client.close()


def make_self_signed(directory, cn):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "%s.key" % cn, "-out", "%s.pem" % cn, "-days", "2", "-subj", "/CN=%s" % cn],
                   cwd=directory, check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-in", "%s.pem" % cn, "-noout", "-fingerprint", "-sha1"], cwd=directory,
                         capture_output=True, text=True, check=True).stdout
    return out.split("=")[1].strip().replace(":", "")


def test_wrong_device_certificate_gets_connack_5(hub, good, tmp_path):
    right = make_self_signed(tmp_path, "self")
    make_self_signed(tmp_path, "other")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "self", "--am", "x509_thumbprint", "--ptp", right)
    client = Client(hub, "self", "myhub.azure-devices.net/self/" + API, cert=tmp_path / "other.pem", key=tmp_path / "other.key")
    assert client.wait_connack() == 5
    client.close()
    client = Client(hub, "self", "myhub.azure-devices.net/self/" + API, cert=tmp_path / "self.pem", key=tmp_path / "self.key")
    assert client.wait_connack() == 0
    client.close()


def test_unverified_ca_and_cn_mismatch_get_connack_5(hub, good, tmp_path):
    cert_tool(tmp_path, "root_ca")
    cert_tool(tmp_path, "sub_ca")
    hub.az("iot", "hub", "certificate", "create", "--hub-name", "myhub", "--name", "root", "--path", "ca/root-ca-cert.pem", cwd=tmp_path)
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "ca-dev", "--am", "x509_ca")
    cert_tool(tmp_path, "client_key")
    cert_tool(tmp_path, "csr", "--common-name", "ca-dev")
    cert_tool(tmp_path, "sign")
    chain = tmp_path / "chain.pem"
    chain.write_text((tmp_path / "certs/client-cert.pem").read_text() + (tmp_path / "ca/sub-ca-cert.pem").read_text())
    client = Client(hub, "ca-dev", "myhub.azure-devices.net/ca-dev/" + API, cert=chain, key=tmp_path / "certs/private-key.pem")
    assert client.wait_connack() == 5  # the root is uploaded but not verified
    client.close()
    hub.az("iot", "hub", "certificate", "create", "--hub-name", "myhub", "--name", "root", "--path", "ca/root-ca-cert.pem",
           "--verified", "true", cwd=tmp_path)
    client = Client(hub, "ca-dev", "myhub.azure-devices.net/ca-dev/" + API, cert=chain, key=tmp_path / "certs/private-key.pem")
    assert client.wait_connack() == 0
    client.close()
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "other-dev", "--am", "x509_ca")
    client = Client(hub, "other-dev", "myhub.azure-devices.net/other-dev/" + API, cert=chain, key=tmp_path / "certs/private-key.pem")
    assert client.wait_connack() == 5  # CN is ca-dev, not other-dev
    client.close()


@pytest.mark.parametrize("topic,payload,qos", [
    ("devices/bad/messages/events/", b"x", 2),                   # QoS 2
    ("devices/bad/messages/events/", b"x" * (256 * 1024 + 1), 1),  # over 256 KB
    ("devices/good/messages/events/", b"x", 1),                  # another device's topic
    ("$iothub/unknown/topic", b"x", 0),                           # unknown topic
])
def test_violations_disconnect(hub, good, topic, payload, qos):
    client = Client(hub, "bad", "myhub.azure-devices.net/bad/" + API, sas_token("bad"))
    assert client.wait_connack() == 0
    client.client.publish(topic, payload, qos=qos)
    assert client.disconnected.wait(10), "the violation did not disconnect"
    client.close()
    assert "protocol violation" in hub.log()


def raw_tls(hub):
    context = ssl.create_default_context(cafile=hub.root_ca_path)
    sock = context.wrap_socket(socket.create_connection((hub.address, MQTT_PORT)), server_hostname=hub.address)
    sock.settimeout(10)
    return sock


def connect_packet(client_id, username, password):
    def s(text):
        data = text.encode()
        return len(data).to_bytes(2, "big") + data
    body = s("MQTT") + bytes([4, 0xC0]) + (60).to_bytes(2, "big") + s(client_id) + s(username) + s(password)
    return bytes([0x10, len(body)]) + body if len(body) < 128 else bytes([0x10, (len(body) & 0x7F) | 0x80, len(body) >> 7]) + body


@pytest.mark.parametrize("packet", [
    bytes([0x00, 0x00]),                          # reserved type 0
    bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),  # remaining length over 4 bytes
    bytes([0x82, 0x02, 0x00, 0x01]),              # SUBSCRIBE without a filter
    bytes([0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, 0x41]),  # topic not UTF-8
    bytes([0xC1, 0x00]),                          # PINGREQ with flags
])
def test_malformed_packets_disconnect(hub, good, packet):
    sock = raw_tls(hub)
    sock.sendall(connect_packet("bad", "myhub.azure-devices.net/bad/" + API, sas_token("bad")))
    assert sock.recv(4) == bytes([0x20, 0x02, 0x00, 0x00])
    sock.sendall(packet)
    assert sock.recv(16) == b""  # closed by the server
    sock.close()


def test_garbage_before_connect_disconnects(hub, good):
    sock = raw_tls(hub)
    sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert sock.recv(16) == b""
    sock.close()
