"""The real azure-iot-hub 2.7.0 service SDK against the emulator: registry CRUD with etags, twins, a direct method on a
connected azure-iot-device client, and a query."""
import os
import time

import pytest
from azure.iot.device import IoTHubDeviceClient, MethodResponse
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import CloudToDeviceMethod, QuerySpecification, Twin, TwinProperties
from msrest.exceptions import HttpOperationError

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"


@pytest.fixture
def registry(hub, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hub.root_ca_path)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,%s" % hub.address)
    return IoTHubRegistryManager.from_connection_string(hub.owner_connection_string())


def test_registry_crud_with_etags(registry):
    created = registry.create_device_with_sas("svc-1", KEY, KEY, "enabled")
    assert created.device_id == "svc-1" and created.status == "enabled" and created.authentication.type == "sas"
    with pytest.raises(HttpOperationError) as conflict:
        registry.create_device_with_sas("svc-1", KEY, KEY, "enabled")
    assert conflict.value.response.status_code == 409
    fetched = registry.get_device("svc-1")
    assert fetched.etag == created.etag and fetched.generation_id == created.generation_id
    updated = registry.update_device_with_sas("svc-1", fetched.etag, KEY, KEY, "disabled")
    assert updated.status == "disabled" and updated.etag != fetched.etag
    with pytest.raises(HttpOperationError) as stale:
        registry.update_device_with_sas("svc-1", fetched.etag, KEY, KEY, "enabled")
    assert stale.value.response.status_code == 412
    assert [d.device_id for d in registry.get_devices()] == ["svc-1"]
    registry.delete_device("svc-1")
    with pytest.raises(HttpOperationError) as missing:
        registry.get_device("svc-1")
    assert missing.value.response.status_code == 404
    assert missing.value.response.headers["iothub-errorcode"] == "DeviceNotFound"


def test_twin_method_and_query(registry, hub):
    registry.create_device_with_sas("svc-2", KEY, KEY, "enabled")
    client = IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=svc-2;SharedAccessKey=%s;GatewayHostName=%s" % (KEY, hub.address),
        server_verification_cert=hub.root_ca)
    patches = []
    client.on_twin_desired_properties_patch_received = patches.append
    client.on_method_request_received = lambda request: client.send_method_response(
        MethodResponse.create_from_method_request(request, 200, {"echo": request.payload}))
    client.connect()
    try:
        with pytest.raises(HttpOperationError) as offline:
            registry.invoke_device_method("nobody", CloudToDeviceMethod(method_name="x", payload={}))
        assert offline.value.response.status_code == 404
        twin = registry.get_twin("svc-2")
        assert twin.device_id == "svc-2" and twin.properties.desired["$version"] == 1
        updated = registry.update_twin("svc-2", Twin(tags={"site": "lab"}, properties=TwinProperties(desired={"rate": 10})), twin.etag)
        assert updated.tags == {"site": "lab"} and updated.properties.desired["rate"] == 10
        assert updated.properties.desired["$version"] == 2
        deadline = time.monotonic() + 10
        while not any(p.get("rate") == 10 for p in patches) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(p.get("rate") == 10 and p["$version"] == 2 for p in patches)
        client.patch_twin_reported_properties({"battery": 55})
        assert registry.get_twin("svc-2").properties.reported["battery"] == 55
        result = registry.invoke_device_method("svc-2", CloudToDeviceMethod(method_name="ping", payload={"n": 1}, response_timeout_in_seconds=10))
        assert result.status == 200 and result.payload == {"echo": {"n": 1}}
        registry.create_device_with_sas("svc-3", KEY, KEY, "enabled")
        found = registry.query_iot_hub(QuerySpecification(query="SELECT * FROM devices WHERE tags.site = 'lab'"))
        assert [t.device_id for t in found.items] == ["svc-2"]
        everyone = registry.query_iot_hub(QuerySpecification(query="SELECT * FROM devices"))
        assert sorted(t.device_id for t in everyone.items) == ["svc-2", "svc-3"]
    finally:
        client.shutdown()


def test_method_timeout_is_504(registry, hub):
    registry.create_device_with_sas("svc-4", KEY, KEY, "enabled")
    client = IoTHubDeviceClient.create_from_connection_string(
        "HostName=myhub.azure-devices.net;DeviceId=svc-4;SharedAccessKey=%s;GatewayHostName=%s" % (KEY, hub.address),
        server_verification_cert=hub.root_ca)
    client.on_method_request_received = lambda request: None  # never answers
    client.connect()
    try:
        with pytest.raises(HttpOperationError) as timeout:
            registry.invoke_device_method("svc-4", CloudToDeviceMethod(method_name="slow", payload={}, response_timeout_in_seconds=5))
        assert timeout.value.response.status_code == 504
    finally:
        client.shutdown()
