"""Persistence: after a restart, graceful or by SIGKILL, the registry, twin versions, verified CAs and queued C2D
messages are intact."""
import signal
import threading
import time

import pytest
from azure.iot.device import IoTHubDeviceClient

from hub_emulator import cert_tool
from test_hub_device_sdk import KEY


def client(hub, device_id):
    return IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=%s;SharedAccessKey=%s;GatewayHostName=%s" % (device_id, KEY, hub.address),
        server_verification_cert=hub.root_ca)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "sigkill"])
def test_state_survives_a_restart(start_hub, tmp_path, how):
    hub = start_hub(tmp_path / "hub")
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    hub.az("iot", "hub", "device-identity", "create", "-n", "myhub", "-d", "keep", "--pk", KEY, "--sk", KEY)
    cert_tool(tmp_path, "root_ca")
    hub.az("iot", "hub", "certificate", "create", "--hub-name", "myhub", "--name", "root", "--path", "ca/root-ca-cert.pem",
           "--verified", "true", cwd=tmp_path)
    device = client(hub, "keep")
    device.connect()
    device.patch_twin_reported_properties({"a": 1})
    device.patch_twin_reported_properties({"b": 2})
    device.shutdown()
    hub.az("iot", "hub", "device-twin", "update", "-n", "myhub", "-d", "keep", "--desired", '{"mode": "eco"}')
    for n in range(3):  # queued while the device is offline
        hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", "keep", "--data", "msg-%d" % n, "--mid", "mid-%d" % n)
    before = hub.az_json("iot", "hub", "device-twin", "show", "-n", "myhub", "-d", "keep")
    if how == signal.SIGKILL:
        hub.process.kill()
        hub.process.wait()
    else:
        assert hub.stop(how) == 0
    root_ca = hub.root_ca

    hub = start_hub(tmp_path / "hub")
    assert hub.root_ca == root_ca  # the same PKI: provisioned devices keep trusting it
    after = hub.az_json("iot", "hub", "device-twin", "show", "-n", "myhub", "-d", "keep")
    assert after["properties"]["reported"]["$version"] == before["properties"]["reported"]["$version"] == 3
    assert after["properties"]["desired"]["$version"] == before["properties"]["desired"]["$version"] == 2
    assert after["properties"]["reported"]["b"] == 2 and after["properties"]["desired"]["mode"] == "eco"
    assert after["etag"] == before["etag"]
    certificates = hub.az_json("iot", "hub", "certificate", "list", "--hub-name", "myhub")["value"]
    assert [(c["name"], c["properties"]["isVerified"]) for c in certificates] == [("root", True)]
    received, done = [], threading.Event()
    device = client(hub, "keep")
    device.on_message_received = lambda m: (received.append(m.message_id), len(received) == 3 and done.set())
    device.connect()
    assert done.wait(15), received
    assert received == ["mid-0", "mid-1", "mid-2"]
    device.shutdown()
    time.sleep(0.5)
    assert hub.az_json("iot", "hub", "device-identity", "show", "-n", "myhub", "-d", "keep")["cloudToDeviceMessageCount"] == 0
