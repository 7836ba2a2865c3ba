"""The seed's DPS walkthrough, verbatim: the command lines below are copied from the nRF Connect SDK's Azure IoT Hub
library guide (nrfconnect/sdk-nrf v2.9.0 `doc/nrf/libraries/networking/azure_iot_hub.rst`: "Create an IoT Hub",
"Device Provisioning Service (optional)", "Generating certificates", "Proof of possession / With DPS", "Register a
device in Azure IoT Hub / With DPS" and "Configuring the library / Using DPS"), run with `az` → `nrfsim az` and
`cert_tool.py` → `nrfsim cert-tool`, the <placeholders> filled in from earlier output as a user would."""
import json
import shlex
import subprocess

from azure.iot.device import IoTHubDeviceClient, Message, ProvisioningDeviceClient, X509

from dps_helpers import DPS_HOST, device_certificate
from nrfsim_device import NRFSIM

SEED = """
az group create --name <resource_name> --location westus
az iot hub create --resource-group <resource_name> --name <hub_name> --sku F1 --partition-count 2
az iot dps create --name <dps_name> --resource-group <resource_name>
az iot dps linked-hub create --dps-name <dps_name> --hub-name <hub_name> --resource-group <resource_name>
cert_tool.py root_ca
cert_tool.py sub_ca
az iot dps certificate create --dps-name <dps_name> --resource-group <resource_name> --name <cert_name> --path ca/root-ca-cert.pem
az iot dps certificate generate-verification-code --dps-name <dps_name> --resource-group <resource_name> --certificate-name <cert_name> --etag "<etag_from_prev_command>"
cert_tool.py client_key
cert_tool.py csr --common-name <verification_code>
cert_tool.py sign_root
az iot dps certificate verify --dps-name <dps_name> --resource-group <resource_name> --certificate-name <cert_name> --etag "<etag_from_generate_verification_code>" --path certs/client-cert.pem
az iot dps enrollment-group create --dps-name <dps_name> --resource-group <resource_name> --enrollment-id <enrollment_name> --certificate-path ca/sub-ca-cert.pem --provisioning-status enabled --iot-hubs <iothub_url> --allocation-policy static
az iot dps show --name <dps_name> --query "properties.idScope"
"""


def test_the_seed_dps_walkthrough_verbatim(start_hub, tmp_path):
    hub = start_hub(extra=("--dps-retry-after", "1"))
    values = {"<resource_name>": "nrfsim-rg", "<hub_name>": "seedhub", "<dps_name>": "seeddps", "<cert_name>": "seed-root",
              "<enrollment_name>": "seed-group", "<iothub_url>": "seedhub.azure-devices.net"}
    env = hub.az_env()
    output = None
    for line in SEED.strip().splitlines():
        for placeholder, value in values.items():
            line = line.replace(placeholder, value)
        assert "<" not in line, "unfilled placeholder in: " + line
        words = shlex.split(line)
        command = [NRFSIM, "az", *words[1:]] if words[0] == "az" else [NRFSIM, "cert-tool", *words[1:]]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, "%s\n%s%s" % (line, result.stdout, result.stderr)
        output = json.loads(result.stdout) if words[0] == "az" else None
        if "certificate create" in line:
            values["<etag_from_prev_command>"] = output["etag"]
        elif "generate-verification-code" in line:
            values["<verification_code>"] = output["properties"]["verificationCode"]
            values["<etag_from_generate_verification_code>"] = output["etag"]
        elif "certificate verify" in line:
            assert output["properties"]["isVerified"] is True
        elif "enrollment-group create" in line:
            assert output["allocationPolicy"] == "static" and output["iotHubs"] == ["seedhub.azure-devices.net"]
            assert output["attestation"]["x509"]["signingCertificates"]["primary"]["info"]["subjectName"]
    id_scope = output
    assert id_scope.startswith("0ne") and len(id_scope) == 11 and int(id_scope[3:], 16) >= 0

    # The device: a certificate signed by the sub-CA, registered through DPS, then connected to its hub.
    cert, key = device_certificate(tmp_path, "seed-device")
    x509 = X509(str(cert), str(key))
    provisioning = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host=DPS_HOST, registration_id="seed-device", id_scope=id_scope, x509=x509,
        gateway_hostname=hub.address, server_verification_cert=hub.root_ca)
    result = provisioning.register()
    assert result.status == "assigned" and result.registration_state.assigned_hub == "seedhub.azure-devices.net"
    device = IoTHubDeviceClient.create_from_x509_certificate(
        x509, result.registration_state.assigned_hub, result.registration_state.device_id, gateway_hostname=hub.address,
        server_verification_cert=hub.root_ca)
    device.connect()
    device.send_message(Message("hello from the seed"))
    device.shutdown()
    assert "device connected" in hub.log()
