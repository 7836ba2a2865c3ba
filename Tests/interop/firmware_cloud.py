"""The cloud side the firmware tests share: an emulator with a hub (and DPS), the seed's PKI, and helpers to provision
and boot a virtual nRF9161 DK the way a user does."""
import pathlib
import shutil

from firmware_device import FirmwareProcess
from firmware_provisioning import HUB_HOST, UUID_DEFINES, make_pki, provision_modem, verify_hub_root
from nrfsim_device import REPO

BOARD = "nrf9161dk/nrf9161/ns"
FAST_TELEMETRY = "CONFIG_SIM_EVENT_INTERVAL_SEC=1"


class Cloud:
    """A running emulator with hub `myhub` (root CA verified), optionally DPS `mydps` with an enrollment group."""

    def __init__(self, start_hub, workdir, dps=False, verify_dps_root=True, extra=("--dps-retry-after", "1")):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.hub = start_hub(extra=extra)
        self.hub.az("iot", "hub", "create", "--name", "myhub", "--resource-group", "rg")
        make_pki(self.workdir)
        verify_hub_root(self.hub, self.workdir)
        self.id_scope = None
        if dps:
            from dps_helpers import create_dps, verify_root
            self.id_scope = create_dps(self.hub)
            if verify_dps_root:
                verify_root(self.hub, self.workdir)
            else:
                self.hub.az("iot", "dps", "certificate", "create", "--dps-name", "mydps", "--resource-group", "rg",
                            "--name", "root", "--path", "ca/root-ca-cert.pem", cwd=self.workdir)
            self.hub.az("iot", "dps", "enrollment-group", "create", "--dps-name", "mydps", "--resource-group", "rg",
                        "--enrollment-id", "group", "--certificate-path", "ca/sub-ca-cert.pem", "--provisioning-status",
                        "enabled", "--iot-hubs", HUB_HOST, "--allocation-policy", "static", cwd=self.workdir)

    @property
    def address(self):
        """The emulator's loopback address: where the devices' resolver must send them."""
        return self.hub.address

    def register(self, device_id):
        self.hub.az("iot", "hub", "device-identity", "create", "--hub-name", "myhub", "--device-id", device_id,
                    "--am", "x509_ca")

    def twin(self, device_id):
        return self.hub.az_json("iot", "hub", "device-twin", "show", "-n", "myhub", "-d", device_id)

    def direct_defines(self):
        return UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_HOSTNAME="%s"' % HUB_HOST, FAST_TELEMETRY)

    def dps_defines(self):
        return UUID_DEFINES + ('CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="%s"' % self.id_scope, FAST_TELEMETRY)


def provisioned_device(cloud, state_dir, defines, conf=(), server_root=None, register=True, provision_more=None, extra=()):
    """Boots the sample, provisions its modem with nrfcredstore while it runs (the first connection attempt fails:
    no credentials yet), registers it, then resets the board (a restart with the same state). Returns the running
    device after the reset. `provision_more(device)`: more credentials, written after the first ones; `extra`: more
    `nrfsim device` arguments."""
    device = FirmwareProcess(state_dir, defines=defines, conf=conf, address=cloud.address, extra=extra)
    device.wait_for("azure_iot_hub_connect failed|Failed to run DPS", 15)
    provision_modem(device, cloud.workdir, server_root if server_root is not None else cloud.hub.root_ca)
    if provision_more is not None:
        provision_more(device)
    uuid = device.device_uuid
    device.stop()
    if register:
        cloud.register(uuid)
    device = FirmwareProcess(state_dir, defines=defines, conf=conf, address=cloud.address, extra=extra)
    device.uuid = uuid
    return device


def copy_app(destination):
    """A copy of the application directory (Kconfig tree, prj.conf, boards/), as a user's own project."""
    destination = pathlib.Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("Kconfig", "prj.conf", "dps.conf", "overlay-dps.conf"):
        shutil.copy(REPO / name, destination / name)
    for name in ("kconfig", "boards"):
        shutil.copytree(REPO / name, destination / name, dirs_exist_ok=True)
    return destination


def events(device):
    """The AZURE_IOT_HUB_EVT_* names the sample logged, in order."""
    return [message.split(",")[0].split(":")[0] for level, module, message in device.messages("azure_iot_hub_sample")
            if message.startswith("AZURE_IOT_HUB_EVT_")]
