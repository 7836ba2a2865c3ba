"""Hostile clients against the emulator's listeners, from loopback: each test attacks one way, asserts that the
attack is bounded (refused, timed out, or held to a memory bound read from /proc/<pid>/status), and that a
legitimate device and service call still succeed within their normal time while it runs."""
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

import hostile
from hostile import KEY, LEGIT_SECONDS
from hub_emulator import HTTPS_PORT, MQTT_PORT


def create_hub(start_hub, *flags, prefix=(), **options):
    hub = start_hub(extra=list(flags), prefix=prefix, **options)
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub", "--sku", "S1")
    for device in ("legit", "attacker"):
        hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", device, "--pk", KEY, "--sk", KEY)
    return hub, hostile.owner_token(hub)


def big_twin(hub, token, device="attacker", size=30_000):
    """Gives `device` a twin of about `size` bytes of desired properties (IoT Hub allows 32 KB)."""
    desired = {"p%02d" % index: "x" * 950 for index in range(size // 1000)}
    status, _, _ = hostile.service_call(hub, token, "PATCH", "/twins/%s" % device, {"properties": {"desired": desired}})
    assert status == 200


def oversized_body_head(hub, token, method, path, length):
    """Sends only the head of a request announcing a `length`-byte body; returns what the hub answers, up to the
    413's text naming the limit (or the close)."""
    sock = hostile.tls_socket(hub, HTTPS_PORT)
    sock.sendall(("%s %s?%s HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n"
                  % (method, path, hostile.API, token, length)).encode())
    sock.settimeout(5)
    response = b""
    while b"MiB" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            break
        response += chunk
    sock.close()
    return response


def test_pipelined_https_requests_whose_replies_are_never_read_are_bounded(start_hub):
    """Finding 1: 5,000 pipelined twin GETs (30 KB each) on one TLS connection, never read. Without outbound
    backpressure the replies pile up in the emulator (about 150 MB); with it, reading stops at the buffer's bound."""
    hub, token = create_hub(start_hub)
    big_twin(hub, token)
    before = hostile.rss_mb(hub.process.pid)
    attacker = hostile.tls_socket(hub, HTTPS_PORT)
    request = ("GET /twins/attacker?%s HTTP/1.1\r\nHost: localhost\r\nAuthorization: %s\r\n\r\n" % (hostile.API, token)).encode()
    sent = hostile.send_until_blocked(attacker, [request * 50] * 400, seconds=3)
    try:
        grown = hostile.peak_rss_mb(hub.process.pid) - before
        assert grown < 25, "RSS grew %.0f MB with %d×50 pipelined requests unread" % (grown, sent)
        hostile.check_legitimate(hub, token)
    finally:
        attacker.close()


def test_silent_idle_and_slow_https_connections_are_closed(start_hub):
    """Finding 3: silent TCP connections (no ClientHello), idle TLS connections and slow headers are closed at the
    handshake, header and idle timeouts."""
    hub, token = create_hub(start_hub, "--https-handshake-timeout", "2", "--https-header-timeout", "2", "--https-idle-timeout", "2")
    silent = [socket.create_connection((hub.address, HTTPS_PORT)) for _ in range(50)]
    idle = [hostile.tls_socket(hub, HTTPS_PORT) for _ in range(5)]
    slow = hostile.tls_socket(hub, HTTPS_PORT)
    hostile.check_legitimate(hub, token)

    def closed_by_server(sock, trickle=None, within=8.0):
        sock.settimeout(0.5)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if trickle:
                    sock.sendall(trickle)
                if sock.recv(1024) == b"":
                    return True
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except (ConnectionError, ssl.SSLError, OSError):
                return True
        return False

    started = time.monotonic()
    assert closed_by_server(slow, trickle=b"G"), "a slow header was not cut off"
    assert all(closed_by_server(sock) for sock in idle), "an idle TLS connection stayed open"
    assert all(closed_by_server(sock) for sock in silent), "a silent TCP connection stayed open"
    assert time.monotonic() - started < 10
    log = hub.log()
    assert "no TLS handshake within the handshake timeout" in log and "no request head within the header timeout" in log
    for sock in silent + idle + [slow]:
        sock.close()


def test_connections_beyond_the_descriptor_budget_are_refused_and_other_hosts_still_served(start_hub):
    """Finding 3: with `ulimit -n 1024`, 1,100 idle connections from one address used to exhaust the descriptors
    and lock out MQTT and HTTPS for everyone. Now that address gets at most its share, the rest are refused (503,
    CONNACK 3, or closed), and a device and a service call from another loopback address go through at once."""
    hub, token = create_hub(start_hub, prefix=("prlimit", "--nofile=1024:1024", "--"))
    # The attacker is a process of its own: 1,100 sockets in this one would put paho's descriptors past select()'s 1024.
    attacker = subprocess.Popen([sys.executable, "-c", ATTACKER % (hub.address, HTTPS_PORT, 1100)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        opened = int(attacker.stdout.readline())
        assert opened > 900, "the attacker could not even open its connections (%d)" % opened
        hostile.check_legitimate(hub, token, source="127.0.0.2")
        log = hub.log()
        assert "connections refused" in log and "--max-connections-per-peer 224" in log
    finally:
        attacker.stdin.close()
        attacker.wait(10)


#: Opens N silent TCP connections, prints how many it could, and holds them until its stdin closes.
ATTACKER = """
import socket, sys
sockets = []
host, port, count = %r, %d, %d
for _ in range(count):
    try:
        sockets.append(socket.create_connection((host, port), timeout=5))
    except OSError:
        break
print(len(sockets), flush=True)
sys.stdin.read()
"""


def test_unauthenticated_request_bodies_are_refused_before_they_are_read(start_hub):
    """Finding 4: 30 connections each announcing an 8 MB body without credentials used to be buffered in full
    (287 MB). Now each is answered 401 on its headers and closed; the emulator's memory stays put."""
    hub, token = create_hub(start_hub)
    before = hostile.rss_mb(hub.process.pid)
    statuses = []
    lock = threading.Lock()

    def attack():
        sock = hostile.tls_socket(hub, HTTPS_PORT)
        head = b"PUT /devices/x?%s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n" % hostile.API.encode()
        hostile.send_until_blocked(sock, [head] + [b"A" * 65536] * 64, seconds=2)
        sock.settimeout(5)
        try:
            status = int(sock.recv(64).split(b" ")[1])
        except (OSError, IndexError, ValueError):
            status = None
        with lock:
            statuses.append(status)
        sock.close()

    threads = [threading.Thread(target=attack) for _ in range(30)]
    for thread in threads:
        thread.start()
    hostile.check_legitimate(hub, token)
    for thread in threads:
        thread.join(30)
    assert statuses.count(401) == 30, statuses
    grown = hostile.peak_rss_mb(hub.process.pid, seconds=1) - before
    assert grown < 40, "RSS grew %.0f MB" % grown


def twin_reader_that_never_reads(start_hub):
    """A hub with a 30 KB twin, and a device connected and subscribed to twin responses that it will never read:
    the hub, its admin token, the hub's RSS before the attack (MB) and the device's socket."""
    hub, token = create_hub(start_hub)
    big_twin(hub, token)
    before = hostile.rss_mb(hub.process.pid)
    sock = hostile.tls_socket(hub, MQTT_PORT)
    sock.sendall(hostile.mqtt_connect(
        "attacker", "myhub.azure-devices.net/attacker/?" + hostile.API, hostile.sas("myhub.azure-devices.net/devices/attacker", KEY)))
    assert sock.recv(4) == b"\x20\x02\x00\x00"
    sock.sendall(hostile.mqtt_packet(0x82, (1).to_bytes(2, "big") + hostile.mqtt_string("$iothub/twin/res/#") + b"\x00"))
    return hub, token, before, sock


def test_mqtt_twin_replies_that_are_never_read_are_bounded(start_hub):
    """Finding 6: twin GETs against a 30 KB twin, the replies never read, used to pile up in the emulator (864 MB
    for 20,000) and starve another device's handshake. Now reading stops when the output buffer is full."""
    hub, token, before, sock = twin_reader_that_never_reads(start_hub)
    gets = [hostile.mqtt_packet(0x30, hostile.mqtt_string("$iothub/twin/GET/?$rid=%d" % index)) for index in range(20000)]
    sent = hostile.send_until_blocked(sock, [b"".join(gets[i:i + 50]) for i in range(0, 20000, 50)], seconds=3)
    try:
        grown = hostile.peak_rss_mb(hub.process.pid, seconds=5) - before
        assert grown < 15, "RSS grew %.0f MB with %d×50 twin GETs unread" % (grown, sent)
        hostile.check_legitimate(hub, token)
    finally:
        sock.close()


def test_a_device_that_never_reads_stops_being_read(start_hub):
    """Twin GETs against a 30 KB twin, pipelined, the replies never read: once 512 requests wait, or the connection's
    output is over its bound, the hub stops reading the socket (not only making replies), so the device's sends block
    once the kernel's buffers are full (up to ~36 MB here: tcp_rmem's 32 MB maximum and tcp_wmem's 4 MB), long
    before its 60 MB of requests are through, and what it sent does not pile up in the emulator."""
    hub, token, before, sock = twin_reader_that_never_reads(start_hub)
    chunk = b"".join(hostile.mqtt_packet(0x30, hostile.mqtt_string("$iothub/twin/GET/?$rid=%d" % index)) for index in range(1000))
    chunks = [chunk] * 1500  # 1.5 million GETs, ~60 MB
    sent = hostile.send_until_blocked(sock, chunks, seconds=3)
    try:
        assert sent < len(chunks) // 2, "the hub read %d of %d chunks of GETs whose replies were never read" % (sent, len(chunks))
        grown = hostile.peak_rss_mb(hub.process.pid, seconds=2) - before
        assert grown < 15, "RSS grew %.0f MB with %d×1000 twin GETs unread" % (grown, sent)
        hostile.check_legitimate(hub, token)
    finally:
        sock.close()


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_https_refuses_tls_below_1_2(start_hub, version):
    """Finding 8: 8443 accepted TLS 1.0 and 1.1, 8883 did not. Both now refuse anything below TLS 1.2."""
    hub, token = create_hub(start_hub)
    for port in (HTTPS_PORT, MQTT_PORT):
        context = hostile.tls_context(hub)
        context.minimum_version = getattr(ssl.TLSVersion, version)
        context.maximum_version = getattr(ssl.TLSVersion, version)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            context.wrap_socket(socket.create_connection((hub.address, port), timeout=5), server_hostname="localhost").close()
    hostile.check_legitimate(hub, token)


def test_a_huge_client_id_writes_a_line_of_log_not_its_size(start_hub):
    """Finding 11: a 65,535-byte client id, without credentials, wrote 131 KB of log. The log now quotes at most 128
    characters of anything a peer sent."""
    hub, token = create_hub(start_hub)
    before = len(hub.log())
    for _ in range(5):
        sock = hostile.tls_socket(hub, MQTT_PORT)
        sock.sendall(hostile.mqtt_connect("x" * 65535, "myhub.azure-devices.net/%s/?api" % ("y" * 65000), "nope"))
        sock.settimeout(5)
        try:
            assert sock.recv(4)[:1] == b"\x20"
        finally:
            sock.close()
    deadline = time.monotonic() + 5
    while "connection refused" not in hub.log()[before:] and time.monotonic() < deadline:
        time.sleep(0.05)
    written = len(hub.log()) - before
    assert 0 < written < 5 * 2048, "%d bytes of log for 5 refused CONNECTs" % written
    hostile.check_legitimate(hub, token)


def test_a_long_blob_name_is_refused_with_400_and_the_413_names_the_limit(start_hub):
    """Finding 12: a 300-character blob name answered 500 with a Foundation error in the body; the 413 for an
    oversized body named the wrong limit."""
    hub, token = create_hub(start_hub)
    result = hub.az("storage", "blob", "upload", "--account-name", "fw", "--container-name", "c", "--name", "a" * 300,
                    "--file", "/etc/hostname", check=False)
    assert result.returncode != 0
    assert "InvalidResourceName" in result.stderr + result.stdout and "255" in result.stderr + result.stdout
    assert "NSCocoaErrorDomain" not in result.stderr + result.stdout
    response = oversized_body_head(hub, token, "PUT", "/devices/big", 9000000)
    assert response.startswith(b"HTTP/1.1 413") and b"over the 8 MiB limit" in response, response[:300]
    hostile.check_legitimate(hub, token)


def test_a_subscription_that_cannot_be_stored_is_refused_in_its_suback(start_hub, tmp_path):
    """Finding 9: on a full disk a SUBACK was acknowledged, but the persistent session was silently not saved. The
    hub runs on a 4 MiB disk of its own, which the test fills: a persistent session's SUBSCRIBE is answered with the
    failure code 0x80 (MQTT 3.1.1 section 3.9.3) and logged, and the hub goes on serving. Once there is room again
    the same SUBSCRIBE is granted, and it outlives the connection."""
    import small_disk
    disk = tmp_path / "disk"
    hub, token = create_hub(start_hub, prefix=small_disk.small_disk_prefix(disk), data_dir=disk / "hub",
                            private_mounts=True)
    topic = "devices/attacker/messages/devicebound/#"

    def read(sock, wanted):
        sock.settimeout(LEGIT_SECONDS)
        data = b""
        while not wanted(data):
            chunk = sock.recv(4096)
            assert chunk, "the hub closed the connection after %r" % data
            data += chunk
        return data

    def persistent_session():
        sock = hostile.tls_socket(hub, MQTT_PORT)
        sock.sendall(hostile.mqtt_connect("attacker", "myhub.azure-devices.net/attacker/?" + hostile.API,
                                          hostile.sas("myhub.azure-devices.net/devices/attacker", KEY), clean_session=False))
        connack = read(sock, lambda data: len(data) >= 4)
        assert connack[:2] == b"\x20\x02" and connack[3] == 0, connack
        return sock

    def subscribe(sock, packet_id):
        sock.sendall(hostile.mqtt_packet(0x82, packet_id.to_bytes(2, "big") + hostile.mqtt_string(topic) + b"\x01"))
        return read(sock, lambda data: len(data) >= 5)

    sock = persistent_session()
    filler = small_disk.fill(hub.seen(disk))
    assert subscribe(sock, 1) == bytes([0x90, 3, 0, 1, 0x80])
    deadline = time.monotonic() + LEGIT_SECONDS
    while "subscriptions refused" not in hub.log():
        assert time.monotonic() < deadline, "the refused subscription was not logged:\n" + hub.log()
        time.sleep(0.05)
    hostile.check_legitimate(hub, token)  # a clean session and a registry read need no room on the disk
    os.remove(filler)
    assert subscribe(sock, 2) == bytes([0x90, 3, 0, 2, 0x01])
    sock.close()
    sock = persistent_session()
    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "attacker", "--data", "kept")
    assert b"kept" in read(sock, lambda data: b"kept" in data)
    sock.close()


def test_an_admin_token_that_cannot_be_written_stops_the_start_with_its_path(start_hub, tmp_path):
    """Finding 10: a failed admin-token write at start was ignored: the hub ran, and `nrfsim az` could not reach
    it. Now the start fails with an error that names the file."""
    data = tmp_path / "hub"
    data.mkdir(mode=0o700)
    (data / "admin-token.tmp").mkdir()  # the durable writer's temporary file cannot be created
    with pytest.raises(RuntimeError) as failure:
        start_hub(data_dir=data)
    assert "cannot start the emulator" in str(failure.value) and str(data / "admin-token") in str(failure.value)
    assert not (data / "admin-token").exists()


def test_the_telemetry_buffer_is_bounded_by_bytes(start_hub):
    """Finding 7: the telemetry kept for monitor-events was bounded by count (110k events), not by bytes: 2,000 ×
    256 KB messages took RSS to 547 MB. Now it keeps at most 64 MiB (the default), the oldest going first."""
    hub, token = create_hub(start_hub)
    before = hostile.rss_mb(hub.process.pid)
    sock = hostile.tls_socket(hub, MQTT_PORT, timeout=60)
    sock.sendall(hostile.mqtt_connect(
        "attacker", "myhub.azure-devices.net/attacker/?" + hostile.API, hostile.sas("myhub.azure-devices.net/devices/attacker", KEY)))
    assert sock.recv(4) == b"\x20\x02\x00\x00"
    message = hostile.mqtt_packet(0x30, hostile.mqtt_string("devices/attacker/messages/events/") + b"x" * (250 * 1024))
    for _ in range(1000):
        sock.sendall(message)
    sock.sendall(b"\xc0\x00")  # PINGREQ: its PINGRESP comes after every message before it was handled
    assert sock.recv(2) == b"\xd0\x00"
    grown = hostile.rss_mb(hub.process.pid) - before
    sock.close()
    assert grown < 140, "RSS grew %.0f MB for 250 MB of telemetry" % grown
    hostile.check_legitimate(hub, token)


def test_json_built_to_cost_cpu_is_refused_quickly_and_others_are_served(start_hub):
    """Finding 2: JSON objects were parsed in O(n²). Two unauthenticated DPS registrations with a 256 KB body of 32k
    keys delayed a legitimate connect from 0.07 s to 11.3 s; twin PATCHes of as many keys took seconds each. The
    parser is linear now and refuses an object of more than 4,096 members while it parses."""
    from dps_helpers import create_dps
    hub, token = create_hub(start_hub)
    scope = create_dps(hub)
    body = ("{" + ",".join('"k%05d":1' % index for index in range(32000)) + "}").encode()
    attackers = []
    for index in range(2):
        sock = hostile.tls_socket(hub, MQTT_PORT)
        registration = "reg%d" % index
        sock.sendall(hostile.mqtt_connect(registration, "%s/registrations/%s/api-version=2019-03-31" % (scope, registration), ""))
        assert sock.recv(4)[:2] == b"\x20\x02"
        attackers.append(sock)
    started = time.monotonic()
    for sock in attackers:
        sock.sendall(hostile.mqtt_packet(0x30, hostile.mqtt_string("$dps/registrations/PUT/iotdps-register/?$rid=1") + body) * 4)
    hostile.check_legitimate(hub, token)
    status, reply, seconds = hostile.service_call(hub, token, "PATCH", "/twins/legit", {"tags": {"k%05d" % i: 1 for i in range(64000)}})
    assert status == 400 and "4096" in reply["Message"] and seconds < LEGIT_SECONDS, (status, reply, seconds)
    assert time.monotonic() - started < 3 * LEGIT_SECONDS
    for sock in attackers:
        sock.close()


def test_json_and_body_bounds_follow_their_flags(start_hub):
    """The JSON bounds and the body bound are `nrfsim hub` flags: a document past them is refused with 400 (JSON)
    or 413 (body) naming the bound, and one within them is served."""
    hub, token = create_hub(start_hub, "--json-max-keys", "8", "--json-max-depth", "3", "--max-body-mib", "1")
    status, reply, _ = hostile.service_call(hub, token, "PATCH", "/twins/legit", {"tags": {"k%d" % i: 1 for i in range(9)}})
    assert status == 400 and "more than 8 members" in reply["Message"], (status, reply)
    status, reply, _ = hostile.service_call(hub, token, "PATCH", "/twins/legit", {"tags": {"a": {"b": {"c": 1}}}})
    assert status == 400 and "nested deeper than 3" in reply["Message"], (status, reply)
    response = oversized_body_head(hub, token, "PATCH", "/twins/legit", 1024 * 1024 + 1)
    assert response.startswith(b"HTTP/1.1 413") and b"over the 1 MiB limit" in response, response[:300]
    status, reply, _ = hostile.service_call(hub, token, "PATCH", "/twins/legit", {"tags": {"k%d" % i: {"v": i} for i in range(8)}})
    assert status == 200 and reply["tags"]["k7"] == {"v": 7}, (status, reply)
    hostile.check_legitimate(hub, token)
