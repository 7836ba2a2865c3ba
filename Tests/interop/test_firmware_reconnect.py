"""CONFIG_SIM_AZURE_IOT_HUB_RECONNECT: the sample and the library never reconnect (main.c only logs
AZURE_IOT_HUB_EVT_DISCONNECTED), and nrfsim keeps that by default; with the option the sample connects again after
a delay that doubles after each failed attempt. Two devices lose their connection to a hub-initiated disconnect: the
one with the option is back (CONNECTING, CONNECTED, READY, telemetry), the one without stays offline. Then the hub
presents a root the reconnecting device does not hold: each attempt fails its handshake and the delays double up to
the longest."""
import re

from firmware_cloud import Cloud, provisioned_device
from firmware_device import lines_in_order

RECONNECT = ("CONFIG_SIM_AZURE_IOT_HUB_RECONNECT=y", "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_DELAY_SEC=1",
             "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_MAX_DELAY_SEC=2", "CONFIG_SIM_AZURE_IOT_HUB_RECONNECT_JITTER_PERCENT=0")
SAMPLE = "azure_iot_hub_sample"


def sample_after(device, mark):
    """The sample's (level, message) lines logged after line `mark`."""
    return [(level, message) for level, module, message in device.messages(SAMPLE, after=mark)]


def test_reconnect_after_a_hub_initiated_disconnect_only_with_the_option(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    plain = provisioned_device(cloud, tmp_path / "plain", cloud.direct_defines())
    again = provisioned_device(cloud, tmp_path / "again", cloud.direct_defines() + RECONNECT)
    try:
        for device in (plain, again):
            device.wait_for("Event was successfully sent", 30)
        marks = {device.uuid: len(device.lines) for device in (plain, again)}
        for device in (plain, again):
            assert cloud.hub.az_json("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", device.uuid) == {
                "disconnected": [device.uuid]}

        again.wait_for("AZURE_IOT_HUB_EVT_READY", 30, after=marks[again.uuid])
        again.wait_for("Event was successfully sent", 30, after=marks[again.uuid])
        lines = sample_after(again, marks[again.uuid])
        # The events and the reconnect's own line (the telemetry's lines come between them).
        connection = [message for level, message in lines if message.startswith("Reconnecting") or message in (
            "AZURE_IOT_HUB_EVT_DISCONNECTED", "AZURE_IOT_HUB_EVT_CONNECTING", "AZURE_IOT_HUB_EVT_CONNECTED",
            "AZURE_IOT_HUB_EVT_READY")]
        assert connection[:5] == [
            "AZURE_IOT_HUB_EVT_DISCONNECTED",
            "Reconnecting to IoT Hub in 1000 ms (attempt 1)",
            "AZURE_IOT_HUB_EVT_CONNECTING",
            "AZURE_IOT_HUB_EVT_CONNECTED",
            "AZURE_IOT_HUB_EVT_READY",
        ], lines
        assert ("inf", "Connection request sent to IoT Hub") in lines
        # By now (a second and a reconnection later) the device without the option has lost its connection and
        # done nothing more: upstream's behaviour.
        plain.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 15, after=marks[plain.uuid])
        assert [message for level, message in sample_after(plain, marks[plain.uuid])
                if message.startswith(("AZURE_IOT_HUB_EVT_", "Reconnecting"))] == ["AZURE_IOT_HUB_EVT_DISCONNECTED"]

        # The hub now presents the other root: every attempt fails its handshake, 1 s, 2 s, then 2 s (the longest).
        cloud.hub.az_json("iot", "hub", "emulator", "server-root", "set", "--root", "baltimore")
        mark = len(again.lines)
        cloud.hub.az_json("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", again.uuid)
        again.wait_for(re.escape("Reconnecting to IoT Hub in 2000 ms (attempt 3)"), 30, after=mark)
        lines_in_order(again, [
            ("inf", SAMPLE, "AZURE_IOT_HUB_EVT_DISCONNECTED"),
            ("inf", SAMPLE, "Reconnecting to IoT Hub in 1000 ms (attempt 1)"),
            ("err", SAMPLE, "azure_iot_hub_connect failed: -111"),
            ("inf", SAMPLE, "Reconnecting to IoT Hub in 2000 ms (attempt 2)"),
            ("err", SAMPLE, "azure_iot_hub_connect failed: -111"),
            ("inf", SAMPLE, "Reconnecting to IoT Hub in 2000 ms (attempt 3)"),
        ], after=mark)
    finally:
        plain.stop()
        again.stop()
