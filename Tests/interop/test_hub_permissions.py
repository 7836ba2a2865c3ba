"""Azure's permission checks, with the real azure-iot-hub 2.7.0 service SDK: each default shared access policy can call
what its rights allow ("Control access to IoT Hub with shared access signatures": registryRead reads the registry,
registryReadWrite also changes it, service reaches twins and methods, device none of the service API) and nothing
else, which is refused with 401 IotHubUnauthorizedAccess."""
import re

import pytest
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import Twin, TwinProperties
from msrest.exceptions import HttpOperationError

from hub_emulator import HTTPS_PORT

KEY = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3Bk"


@pytest.fixture
def registry_for(hub, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hub.root_ca_path)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,%s" % hub.address)

    def make(policy):
        cs = hub.az_json("iot", "hub", "connection-string", "show", "-n", "myhub", "--policy-name", policy)["connectionString"]
        return IoTHubRegistryManager.from_connection_string(re.sub(r"HostName=[^;]+", "HostName=%s:%d" % (hub.address, HTTPS_PORT), cs))
    return make


def refused(call):
    with pytest.raises(HttpOperationError) as error:
        call()
    assert error.value.response.status_code == 401, error.value.response.text
    assert error.value.response.headers["iothub-errorcode"] == "IotHubUnauthorizedAccess"
    return error.value.response.text


def test_each_default_policy_gets_exactly_its_rights(registry_for):
    owner = registry_for("iothubowner")
    owner.create_device_with_sas("perm-1", KEY, KEY, "enabled")

    reader = registry_for("registryRead")
    assert reader.get_device("perm-1").device_id == "perm-1"
    assert reader.get_twin("perm-1").device_id == "perm-1"
    text = refused(lambda: reader.create_device_with_sas("perm-2", KEY, KEY, "enabled"))
    assert "registryRead" in text and "RegistryWrite" in text
    refused(lambda: reader.delete_device("perm-1"))
    refused(lambda: reader.update_twin("perm-1", Twin(properties=TwinProperties(desired={"a": 1})), "*"))

    writer = registry_for("registryReadWrite")
    writer.create_device_with_sas("perm-2", KEY, KEY, "enabled")
    writer.delete_device("perm-2")
    refused(lambda: writer.update_twin("perm-1", Twin(properties=TwinProperties(desired={"a": 1})), "*"))

    service = registry_for("service")
    assert service.get_twin("perm-1").device_id == "perm-1"
    assert service.update_twin("perm-1", Twin(properties=TwinProperties(desired={"a": 1})), "*").properties.desired["a"] == 1
    refused(lambda: service.get_device("perm-1"))
    refused(lambda: service.create_device_with_sas("perm-3", KEY, KEY, "enabled"))

    device = registry_for("device")
    refused(lambda: device.get_device("perm-1"))
    refused(lambda: device.get_twin("perm-1"))

    assert [d.device_id for d in owner.get_devices()] == ["perm-1"]
