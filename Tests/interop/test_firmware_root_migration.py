"""IoT Hub's server root migration (Baltimore CyberTrust Root to DigiCert Global Root G2, "IoT Hub TLS certificate
migration", learn.microsoft.com/azure/iot-hub/migrate-tls-certificate), run backwards on the emulator: the hub
switches the chain it presents while two firmware devices run. The one provisioned with the DigiCert-style root
alone (sec tag 10) fails its next connection's handshake with the library's exact lines; the one that also holds
the Baltimore-style root in CONFIG_MQTT_HELPER_SECONDARY_SEC_TAG (11, prj.conf) keeps connecting: the MQTT helper
passes both tags to the socket (mqtt_helper.c's sec_tag_list) and the modem trusts a root of either."""
import pathlib

from firmware_cloud import Cloud, events, provisioned_device
from firmware_device import FirmwareProcess, lines_in_order
from firmware_provisioning import HUB_HOST, nrfcredstore
from test_firmware_failures import MQTT_HELPER_DEBUG, assert_handshake_refused

SECONDARY_SEC_TAG = 11


def restarted(device, cloud, defines):
    """A board reset: the same state, booted again."""
    device.stop()
    again = FirmwareProcess(device.state_dir, defines=defines, address=cloud.address)
    again.uuid = device.uuid
    return again


def test_a_live_root_switch_fails_the_device_without_the_second_root_only(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    data = pathlib.Path(cloud.hub.data_dir)
    digicert = (data / "server-root-ca.pem").read_text()
    baltimore = (data / "server-root-baltimore.pem").read_text()
    assert cloud.hub.root_ca == digicert  # the root presented at start

    def add_baltimore(device):
        path = cloud.workdir / "baltimore-root.pem"
        path.write_text(baltimore)
        nrfcredstore(device, "write", str(SECONDARY_SEC_TAG), "ROOT_CA_CERT", str(path))

    defines = cloud.direct_defines() + (MQTT_HELPER_DEBUG,)
    single = provisioned_device(cloud, tmp_path / "single", defines, server_root=digicert)
    both = provisioned_device(cloud, tmp_path / "both", defines, server_root=digicert, provision_more=add_baltimore)
    try:
        for device in (single, both):
            device.wait_for("Event was successfully sent", 30)
        switched = cloud.hub.az_json("iot", "hub", "emulator", "server-root", "set", "--root", "baltimore")
        assert switched["serverRoot"] == "baltimore"
        # The connections made before the switch keep their chain: both devices go on sending.
        for device in (single, both):
            mark = len(device.lines)
            device.wait_for("Event was successfully sent", 15, after=mark)
        single = restarted(single, cloud, defines)
        both = restarted(both, cloud, defines)
        # The next connection of the single-root device fails the handshake, as on a board.
        assert_handshake_refused(single, HUB_HOST, "unable to get local issuer certificate")
        # The device with both roots connects and is served.
        both.wait_for("AZURE_IOT_HUB_EVT_READY", 30)
        both.wait_for("Event was successfully sent", 30)
        lines_in_order(both, [
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTING"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTED"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_READY"),
        ])
        assert "azure_iot_hub_connect failed" not in both.text()
        assert events(both)[:3] == ["AZURE_IOT_HUB_EVT_CONNECTING", "AZURE_IOT_HUB_EVT_CONNECTED", "AZURE_IOT_HUB_EVT_READY"]
    finally:
        single.stop()
        both.stop()
