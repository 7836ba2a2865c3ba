"""Helpers of the hostile-client suite: the emulator's resident memory, owner and device SAS tokens, raw TLS
sockets, and the legitimate device and service call that must keep working while an attack runs."""
import base64
import hashlib
import hmac
import http.client
import json
import re
import socket
import ssl
import time
import urllib.parse

import paho.mqtt.client as mqtt

from hub_emulator import HTTPS_PORT, MQTT_PORT
from mqtt_fuzz import encode as mqtt_packet, s as mqtt_string  # noqa: F401 (the suite's MQTT encoding, re-exported)

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"
API = "api-version=2021-04-12"
#: A legitimate client's deadline while an attack runs: well above its normal time (tens of milliseconds), well below
#: what the attacks caused before the fixes (seconds to minutes, or never).
LEGIT_SECONDS = 5.0


def rss_mb(pid):
    """The process's resident set size, from /proc/<pid>/status, in MB."""
    with open("/proc/%d/status" % pid) as status:
        kb = int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1))
    return kb / 1024


def peak_rss_mb(pid, seconds=3.0):
    """The largest resident set size seen while sampling for `seconds` (the attack's effect is measured, not waited
    for: nothing here waits for an event)."""
    peak, deadline = 0.0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.1)
    return peak


def sas(resource, key, policy=None, expiry=None):
    expiry = expiry or int(time.time()) + 3600
    encoded = urllib.parse.quote(resource, safe="")
    signature = base64.b64encode(hmac.new(base64.b64decode(key), ("%s\n%d" % (encoded, expiry)).encode(), hashlib.sha256).digest())
    token = "SharedAccessSignature sr=%s&sig=%s&se=%d" % (encoded, urllib.parse.quote(signature, safe=""), expiry)
    return token + ("&skn=%s" % policy if policy else "")


def owner_token(hub, name="myhub"):
    cs = hub.az_json("iot", "hub", "connection-string", "show", "-n", name)["connectionString"]
    key = re.search(r"SharedAccessKey=([^;]+)", cs).group(1)
    return sas("%s.azure-devices.net" % name, key, "iothubowner")


def tls_context(hub, **versions):
    context = ssl.create_default_context(cafile=hub.root_ca_path)
    for name, value in versions.items():
        setattr(context, name, value)
    return context


def tls_socket(hub, port, source=None, timeout=10):
    raw = socket.create_connection((hub.address, port), timeout=timeout, source_address=(source, 0) if source else None)
    return tls_context(hub).wrap_socket(raw, server_hostname="localhost")


def service_call(hub, token, method="GET", path="/devices", body=None, source=None, timeout=LEGIT_SECONDS):
    """One HTTPS call to the service API on a fresh connection; returns (status, parsed body, seconds)."""
    started = time.monotonic()
    connection = http.client.HTTPSConnection(
        hub.address, HTTPS_PORT, context=tls_context(hub), timeout=timeout, source_address=(source, 0) if source else None)
    headers = {"Authorization": token, "Content-Type": "application/json"}
    connection.request(method, "%s?%s" % (path, API), body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data else None), time.monotonic() - started


def device_round_trip(hub, device_id, source=None, timeout=LEGIT_SECONDS):
    """A registered SAS device (key KEY) connects with paho-mqtt and sends one QoS 1 telemetry message; returns the
    seconds from connect to PUBACK, or raises when it does not finish within `timeout`."""
    started = time.monotonic()
    client = mqtt.Client(client_id=device_id, protocol=mqtt.MQTTv311, clean_session=True)
    client.username_pw_set("myhub.azure-devices.net/%s/?%s" % (device_id, API), sas("myhub.azure-devices.net/devices/%s" % device_id, KEY))
    client.tls_set(ca_certs=hub.root_ca_path)
    client.connect(hub.address, MQTT_PORT, bind_address=source or "")
    client.loop_start()
    try:
        info = client.publish("devices/%s/messages/events/" % device_id, b"legit", qos=1)
        info.wait_for_publish(timeout)
        assert info.is_published(), "the legitimate device's telemetry was not acknowledged within %.0f s" % timeout
        return time.monotonic() - started
    finally:
        client.loop_stop()
        client.disconnect()


def check_legitimate(hub, token, device_id="legit", source=None):
    """The legitimate device and service call, each within LEGIT_SECONDS; returns their times."""
    device_seconds = device_round_trip(hub, device_id, source=source)
    status, _, service_seconds = service_call(hub, token, source=source)
    assert status == 200, "the legitimate service call answered %d" % status
    assert device_seconds < LEGIT_SECONDS and service_seconds < LEGIT_SECONDS, (device_seconds, service_seconds)
    return device_seconds, service_seconds


def mqtt_connect(client_id, username, password, keep_alive=60, clean_session=True):
    body = mqtt_string("MQTT") + bytes([4, 0xC2 if clean_session else 0xC0]) + keep_alive.to_bytes(2, "big")
    return mqtt_packet(0x10, body + mqtt_string(client_id) + mqtt_string(username) + mqtt_string(password))


def send_until_blocked(sock, chunks, seconds):
    """Sends `chunks` until the peer stops reading (a send blocks for `seconds`) or all are sent; returns how many
    were sent. The attacker never reads."""
    sock.settimeout(seconds)
    sent = 0
    try:
        for chunk in chunks:
            sock.sendall(chunk)
            sent += 1
    except (socket.timeout, ssl.SSLError, OSError):
        pass
    return sent
