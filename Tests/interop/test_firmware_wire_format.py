"""The firmware's MQTT wire format checked by an independent observer: the device connects to Debian's mosquitto
broker (mutual TLS, `log_type all`) instead of the emulator; the broker's log and a paho-mqtt subscriber on `#` and
`$iothub/#` check the CONNECT, the SUBSCRIBE and the PUBLISH topics byte for byte against what the real library
sends: Azure SDK for C at the revision nRF Connect SDK v2.9.0 pins (`sdk/src/azure/iot/az_iot_hub_client*.c`), as
the SDK's own tests (sdk-nrf v2.9.0 `tests/subsys/net/lib/azure_iot_hub/iot_hub/src/azure_iot_hub_test.c`) expect."""
import datetime
import getpass
import os
import queue
import re
import shutil
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import loopback
from firmware_device import FirmwareProcess
from firmware_provisioning import HUB_HOST, UUID_DEFINES, make_pki, provision_modem

TLS_PORT, PLAIN_PORT = 28893, 28894  # on a loopback address of the test's own; the device's hub port is TLS_PORT
USER_NAME = "%s/{id}/?api-version=2020-09-30&DeviceClientType=azsdk-c%%2F1.4.0-beta.2" % HUB_HOST


def server_pki(directory):
    """A server CA and a certificate for the hub's hostname, minted now (nothing is checked in)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wire-test server CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HUB_HOST)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HUB_HOST)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (directory / "server-ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(cert.public_bytes(pem))
    (directory / "server-key.pem").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                                  serialization.NoEncryption()))
    return (directory / "server-ca.pem").read_text()


@pytest.fixture
def broker(tmp_path):
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    address = loopback.allocate(ports=(TLS_PORT, PLAIN_PORT))
    workdir = tmp_path / "broker"
    workdir.mkdir()
    server_root = server_pki(workdir)
    log = workdir / "mosquitto.log"
    (workdir / "mosquitto.conf").write_text("\n".join([
        # As root, mosquitto would switch to the `mosquitto` user, who cannot read the test's files.
        "user %s" % ("root" if os.geteuid() == 0 else getpass.getuser()),
        "per_listener_settings false", "allow_anonymous true", "persistence false",
        "log_dest file %s" % log, "log_type all", "connection_messages true",
        "listener %d %s" % (TLS_PORT, address),
        "cafile %s" % (tmp_path / "work" / "ca" / "root-ca-cert.pem"),
        "certfile %s" % (workdir / "server.pem"), "keyfile %s" % (workdir / "server-key.pem"),
        "require_certificate true", "tls_version tlsv1.2",
        "listener %d %s" % (PLAIN_PORT, address), ""]))
    (tmp_path / "work").mkdir()
    make_pki(tmp_path / "work")
    process = subprocess.Popen([mosquitto, "-c", str(workdir / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while "Opening ipv4 listen socket on port %d" % PLAIN_PORT not in (log.read_text() if log.exists() else ""):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()
        time.sleep(0.05)
    yield server_root, log, address
    process.terminate()
    process.wait(timeout=10)


def test_connect_subscribe_and_publish_topics_byte_for_byte(broker, tmp_path):
    server_root, log, address = broker
    received = queue.Queue()
    observer = mqtt.Client(client_id="observer", protocol=mqtt.MQTTv311)
    observer.on_message = lambda client, userdata, message: received.put((message.topic, message.payload))
    observer.connect(address, PLAIN_PORT)
    observer.subscribe([("#", 0), ("$iothub/#", 0)])
    observer.loop_start()
    time.sleep(0.3)

    defines = UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, "CONFIG_SIM_LOCAL_HUB_PORT=%d" % TLS_PORT,
                              "CONFIG_SIM_EVENT_INTERVAL_SEC=1")
    device = FirmwareProcess(tmp_path / "device", defines=defines, address=address)
    try:
        device.wait_for("azure_iot_hub_connect failed", 15)
        provision_modem(device, tmp_path / "work", server_root)
        uuid = device.device_uuid
        device.stop()
        device = FirmwareProcess(tmp_path / "device", defines=defines, address=address)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        device.wait_for("Event was successfully sent", 10)
        topics = {}
        deadline = time.monotonic() + 10
        while len(topics) < 2 and time.monotonic() < deadline:
            try:
                topic, payload = received.get(timeout=1)
            except queue.Empty:
                continue
            topics[topic.split("?")[0]] = (topic, payload)
    finally:
        device.stop()
        observer.loop_stop()
        observer.disconnect()

    # The subscriber sees the telemetry topic (no properties) and the auto twin GET, exactly.
    telemetry_topic, telemetry = topics["devices/%s/messages/events/" % uuid]
    assert telemetry_topic == "devices/%s/messages/events/" % uuid
    assert re.fullmatch(rb'\{"temperature":25\.\d,"timestamp":\d+\}', telemetry)
    twin_topic, twin_payload = topics["$iothub/twin/GET/"]
    assert re.fullmatch(r"\$iothub/twin/GET/\?\$rid=\d{1,3}", twin_topic) and twin_payload == b""

    text = log.read_text()
    # CONNECT: client id = device id, MQTT 3.1.1 (p2), clean session 0, keep-alive 1767, the SDK's user name.
    assert "as %s (p2, c0, k1767, u'%s')." % (uuid, USER_NAME.format(id=uuid)) in text, text
    # One SUBSCRIBE with the four QoS 0 filters, in the library's order (the C2D one is the SDK's wildcard).
    after = text[text.index("Received SUBSCRIBE from %s" % uuid):].splitlines()[1:9]
    subscribe = [line.split(": \t", 1)[1] for line in after if ": \t" in line]
    assert subscribe == [
        "devices/+/messages/devicebound/# (QoS 0)", "$iothub/methods/POST/# (QoS 0)",
        "$iothub/twin/PATCH/properties/desired/# (QoS 0)", "$iothub/twin/res/# (QoS 0)"]
    assert text.count("Received SUBSCRIBE from %s" % uuid) == 1
    # PUBLISHes at QoS 0, no retain, no dup.
    assert re.search(r"Received PUBLISH from %s \(d0, q0, r0, m0, 'devices/%s/messages/events/', \.\.\. \(\d+ bytes\)\)"
                     % (uuid, uuid), text), text
    assert re.search(r"Received PUBLISH from %s \(d0, q0, r0, m0, '\$iothub/twin/GET/\?\$rid=\d{1,3}', \.\.\. \(0 bytes\)\)"
                     % uuid, text), text
