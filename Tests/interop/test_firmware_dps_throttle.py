"""DPS's rate limit (`nrfsim hub --dps-registrations-per-minute`) seen by the firmware: the second device to register
within the minute is answered 429 with retry-after. Upstream's handle_reg_update() (azure_iot_hub_dps.c) would sleep
through retry-after and poll, but the Azure SDK's parser marks an error body's operation failed (it has no
operationId and no status), so the registration ends FAILED at that answer, as with `--dps-fault reply:429`."""
from firmware_cloud import Cloud, provisioned_device
from firmware_device import lines_in_order
from nrfsim_device import REPO


def test_the_second_registration_within_the_minute_is_throttled(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, extra=("--dps-retry-after", "1", "--dps-registrations-per-minute", "1"))
    conf = (REPO / "overlay-dps.conf",)
    first = provisioned_device(cloud, tmp_path / "first", cloud.dps_defines(), conf=conf, register=False)
    try:
        first.wait_for("AZURE_IOT_HUB_EVT_READY", 30)
    finally:
        first.stop()
    second = provisioned_device(cloud, tmp_path / "second", cloud.dps_defines(), conf=conf, register=False)
    try:
        second.wait_for("Failed to run DPS", 30)
        lines_in_order(second, [
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING"),
            ("err", "azure_iot_hub_dps", "The device was not assigned to hub"),
            ("err", "azure_iot_hub_dps", "The registration was not successful, no IoT Hub was assigned"),
            ("inf", "azure_iot_hub_sample", "DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_FAILED"),
            ("err", "azure_iot_hub_sample", "Failed to run DPS, error: -14, terminating connection attempt"),
        ])
        log = cloud.hub.log()
        assert log.count("DPS request throttled") == 1 and "1 device registrations/min" in log
        assert second.process.poll() is None
    finally:
        second.stop()
