"""The real azure-iot-device 2.14.0 against the emulator, with SAS, X.509 self-signed and X.509 CA-signed devices:
D2C with properties (seen through `nrfsim az iot hub monitor-events`), C2D, twin and direct methods."""
import json
import subprocess
import threading
import time

import pytest
from azure.iot.device import IoTHubDeviceClient, Message, MethodResponse, X509

from hub_emulator import cert_tool

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"


def sas_client(hub, device_id, key=KEY):
    return IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=%s;SharedAccessKey=%s;GatewayHostName=%s" % (device_id, key, hub.address),
        server_verification_cert=hub.root_ca)


def x509_client(hub, device_id, cert, key):
    return IoTHubDeviceClient.create_from_x509_certificate(
        X509(str(cert), str(key)), "myhub.azure-devices.net", device_id, gateway_hostname=hub.address,
        server_verification_cert=hub.root_ca)


class Monitor:
    """`nrfsim az iot hub monitor-events` in the background, collecting its JSON objects."""

    def __init__(self, hub, seconds=20):
        env = hub.az_env()
        from nrfsim_device import NRFSIM
        self.process = subprocess.Popen(
            [NRFSIM, "az", "iot", "hub", "monitor-events", "-n", "myhub", "--props", "all", "--timeout", str(seconds)],
            stdout=subprocess.PIPE, text=True, env=env)
        assert "Starting event monitor" in self.process.stdout.readline()
        self.events = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        time.sleep(1.5)  # the monitor's first poll marks where it starts

    def _read(self):
        buffer = ""
        for line in self.process.stdout:
            buffer += line
            if line.startswith("}"):
                self.events.append(json.loads(buffer))
                buffer = ""

    def wait_for(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.events

    def stop(self):
        self.process.kill()
        self.process.wait()


def exercise(hub, client, device_id):
    """D2C, C2D, twin and a direct method, all through the real SDK and `nrfsim az`."""
    c2d, desired, done = [], [], threading.Event()
    client.on_message_received = lambda message: (c2d.append(message), done.set())
    client.on_twin_desired_properties_patch_received = lambda patch: desired.append(patch)

    def method_handler(request):
        client.send_method_response(MethodResponse.create_from_method_request(request, 201, {"got": request.payload, "name": request.name}))

    client.on_method_request_received = method_handler
    client.connect()
    monitor = Monitor(hub)
    try:
        message = Message('{"t":21.5}', content_encoding="utf-8", content_type="application/json")
        message.message_id = "m-1"
        message.custom_properties["sensor"] = "a b/c&d=é"
        client.send_message(message)
        events = monitor.wait_for(1)
    finally:
        monitor.stop()
    assert events, "monitor-events saw nothing"
    event = events[0]["event"]
    assert event["origin"] == device_id and event["payload"] == {"t": 21.5}
    assert event["properties"]["application"] == {"sensor": "a b/c&d=é"}
    assert event["properties"]["system"]["message_id"] == "m-1"
    assert event["properties"]["system"]["content_type"] == "application/json"

    hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", device_id, "--data", "hello device",
           "--props", "color=blüe;flag", "--mid", "c2d-1", "--ct", "text/plain")
    assert done.wait(15), "no C2D message"
    assert c2d[0].data == b"hello device" and c2d[0].message_id == "c2d-1" and c2d[0].content_type == "text/plain"
    assert c2d[0].custom_properties == {"color": "blüe", "flag": None}

    twin = client.get_twin()
    assert twin["desired"]["$version"] >= 1
    client.patch_twin_reported_properties({"fw": "1.0", "nested": {"a": 1}})
    client.patch_twin_reported_properties({"nested": {"a": None, "b": 2}})
    shown = hub.az_json("iot", "hub", "device-twin", "show", "-n", "myhub", "-d", device_id)
    assert shown["properties"]["reported"]["fw"] == "1.0" and shown["properties"]["reported"]["nested"] == {"b": 2}
    assert shown["properties"]["reported"]["$version"] == twin["reported"]["$version"] + 2
    hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", device_id, "--desired", '{"interval": 5}')
    deadline = time.monotonic() + 10
    while not any(p.get("interval") == 5 for p in desired) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(p.get("interval") == 5 and p["$version"] == twin["desired"]["$version"] + 1 for p in desired), desired

    result = hub.az_json("iot", "hub", "invoke-device-method", "-n", "myhub", "-d", device_id, "--method-name", "reboot",
                         "--method-payload", '{"delay": 2}')
    assert result == {"status": 201, "payload": {"got": {"delay": 2}, "name": "reboot"}}
    client.shutdown()


def test_sas_device(hub):
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "dev-sas", "--pk", KEY, "--sk", KEY)
    exercise(hub, sas_client(hub, "dev-sas"), "dev-sas")


def test_x509_self_signed_device(hub, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=dev-self"],
                   cwd=tmp_path, check=True, capture_output=True)
    fingerprint = subprocess.run(["openssl", "x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha256"], cwd=tmp_path,
                                 capture_output=True, text=True, check=True).stdout.split("=")[1].strip().replace(":", "")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "dev-self", "--am", "x509_thumbprint", "--ptp", fingerprint)
    exercise(hub, x509_client(hub, "dev-self", tmp_path / "cert.pem", tmp_path / "key.pem"), "dev-self")


def test_x509_ca_device_with_the_seed_proof_of_possession(hub, tmp_path):
    """The guide's steps, verbatim but for az → nrfsim az and cert_tool.py → nrfsim cert-tool."""
    cert_tool(tmp_path, "root_ca")
    cert_tool(tmp_path, "sub_ca")
    created = hub.az_json("iot", "hub", "certificate", "create", "--hub-name", "myhub", "--name", "root", "--path",
                          "ca/root-ca-cert.pem", cwd=tmp_path)
    assert created["properties"]["isVerified"] is False
    code = hub.az_json("iot", "hub", "certificate", "generate-verification-code", "--hub-name", "myhub", "--name", "root",
                       "--etag", created["etag"])
    cert_tool(tmp_path, "client_key")
    cert_tool(tmp_path, "csr", "--common-name", code["properties"]["verificationCode"])
    cert_tool(tmp_path, "sign_root")
    verified = hub.az_json("iot", "hub", "certificate", "verify", "--hub-name", "myhub", "--name", "root", "--etag",
                           code["etag"], "--path", "certs/client-cert.pem", cwd=tmp_path)
    assert verified["properties"]["isVerified"] is True
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "dev-ca", "--am", "x509_ca")
    cert_tool(tmp_path, "client_key")
    cert_tool(tmp_path, "csr", "--common-name", "dev-ca")
    cert_tool(tmp_path, "sign")
    (tmp_path / "chain.pem").write_text((tmp_path / "certs/client-cert.pem").read_text() + (tmp_path / "ca/sub-ca-cert.pem").read_text())
    exercise(hub, x509_client(hub, "dev-ca", tmp_path / "chain.pem", tmp_path / "certs/private-key.pem"), "dev-ca")


def test_hub_show_query_matches_the_seed(hub):
    assert hub.az("iot", "hub", "show", "--name", "myhub", "--query", "properties.hostName").stdout.strip() == '"myhub.azure-devices.net"'
