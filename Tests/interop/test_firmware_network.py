"""The simulated network between the device and the emulator (nrfsim's NetworkModel relay): the carrier NAT's idle
timeout and a coverage gap, as the firmware's console reports them."""
import time

from firmware_cloud import Cloud, events, provisioned_device
from firmware_device import LOG_LINE, FirmwareProcess, lines_in_order


def uptime_seconds(line):
    match = LOG_LINE.match(line)
    hours, minutes, seconds, millis = (int(match.group(i)) for i in range(1, 5))
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def test_nat_timeout_shorter_than_the_send_interval_resets_the_next_send(start_hub, tmp_path):
    """The NAT forgets the idle flow after 2 s; the event 6 s later is written (the send succeeds, as the modem
    queues it), the hub's stack answers the unknown flow with RST, and mqtt_input() fails with -ECONNRESET."""
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + ("CONFIG_SIM_EVENT_INTERVAL_SEC=6", "CONFIG_SIM_NET=y", "CONFIG_SIM_NET_NAT_TIMEOUT_S=2")
    device = provisioned_device(cloud, tmp_path / "device", defines)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_TWIN_RESULT_SUCCESS", 20)
        mark = len(device.lines)
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 20, after=mark)
        device.wait_for("Cloud MQTT input error", 5, after=mark)
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "Event was successfully sent"),
            ("wrn", "azure_iot_hub", "DISCONNECT, result: -104"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_DISCONNECTED"),
            ("err", "mqtt_helper", "Cloud MQTT input error: -104"),
        ], after=mark)
        # The event at boot passes (the flow is busy with the twin); the next, 6 s later, meets the forgotten flow.
        assert device.count("Event was successfully sent") == 2, device.text()
        assert events(device)[-1] == "AZURE_IOT_HUB_EVT_DISCONNECTED"
        device.wait_for("Failed to send event", 10, after=mark)
        assert device.process.poll() is None
    finally:
        device.stop()


def test_without_the_nat_timeout_the_same_flow_stays_up(start_hub, tmp_path):
    """The control: the same device and interval through the relay, no NAT timeout."""
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + ("CONFIG_SIM_EVENT_INTERVAL_SEC=3", "CONFIG_SIM_NET=y")
    device = provisioned_device(cloud, tmp_path / "device", defines)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
        for _ in range(3):
            device.wait_for("Event was successfully sent", 10, after=device.last_index)
        assert "AZURE_IOT_HUB_EVT_DISCONNECTED" not in events(device)
    finally:
        device.stop()


def test_a_connection_attempt_without_coverage_waits_for_the_coverage(start_hub, tmp_path):
    """Coverage is lost for the first 6 s of each boot (a scenario through CONFIG_SIM_NET_SCENARIO): the TCP
    connection reaches the relay but no byte of the TLS handshake passes until coverage returns; then the connection
    completes as usual."""
    scenario = tmp_path / "coverage.yaml"
    scenario.write_text('- at: "00:00:00"\n  coverage_lost: {for: 6s}\n')
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + ("CONFIG_SIM_EVENT_INTERVAL_SEC=3", "CONFIG_SIM_NET=y",
                                        'CONFIG_SIM_NET_SCENARIO="%s"' % scenario)
    device = provisioned_device(cloud, tmp_path / "device", defines)
    try:
        device.wait_for("AZURE_IOT_HUB_EVT_CONNECTED", 30)
        connected = device.lines[device.last_index - 1][1]
        assert uptime_seconds(connected) >= 5.5, connected
        device.wait_for("Event was successfully sent", 10, after=device.last_index)
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTING"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTED"),
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_READY"),
        ])
        assert "AZURE_IOT_HUB_EVT_DISCONNECTED" not in events(device)
    finally:
        device.stop()


def test_a_dns_failure_fails_the_connect_at_getaddrinfo(start_hub, tmp_path):
    """DNS fails for the first hour of the boot (a scenario span): mqtt_helper's getaddrinfo() fails with EAI_AGAIN
    and returns it negated, positive (mqtt_helper.c:404-408); azure_iot_hub_connect() passes that on
    (azure_iot_hub.c:908-918) and the sample, which checks only for a negative error (main.c:643-649), says the
    request was sent. Nothing else happens: no connection, no event after CONNECTING."""
    scenario = tmp_path / "dns.yaml"
    scenario.write_text('- at: "00:00:00"\n  dns_failure: {for: 1h}\n')
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + ("CONFIG_SIM_NET=y",)
    device = provisioned_device(cloud, tmp_path / "device", defines)
    device.wait_for("AZURE_IOT_HUB_EVT_READY", 20)
    device.stop()
    device = FirmwareProcess(tmp_path / "device", defines=defines + ('CONFIG_SIM_NET_SCENARIO="%s"' % scenario,),
                             address=cloud.address)
    try:
        device.wait_for("Connection request sent to IoT Hub", 20)
        time.sleep(1)
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "AZURE_IOT_HUB_EVT_CONNECTING"),
            ("err", "mqtt_helper", "getaddrinfo() failed, error -3"),
            ("err", "azure_iot_hub", "mqtt_helper_connect failed, error: 3"),
            ("inf", "azure_iot_hub_sample", "Connection request sent to IoT Hub"),
        ])
        assert events(device) == ["AZURE_IOT_HUB_EVT_CONNECTING"]
        assert device.process.poll() is None
    finally:
        device.stop()


def test_a_cloud_to_device_message_waits_while_the_radio_sleeps_in_psm(start_hub, tmp_path):
    """PSM with an active time of 0 s: the radio sleeps as soon as the network releases the connection (the RRC
    inactivity timer, 5 s). A C2D message the hub sends then is held at the network (the relay's downlink goes
    through Modem.downlink) and reaches the device only when its next event wakes the radio."""
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = cloud.direct_defines() + (
        "CONFIG_SIM_EVENT_INTERVAL_SEC=15", "CONFIG_SIM_NET=y", "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y",
        'CONFIG_LTE_PSM_REQ_RAT="00000000"', "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y")
    device = provisioned_device(cloud, tmp_path / "device", defines)
    try:
        device.wait_for("Event was successfully sent", 20)
        # lte_lc sees the release to idle; with a 0 s active time the radio is asleep from then on.
        device.wait_for(r"<dbg> lte_lc: \+CSCON notification$", 15, after=device.last_index)
        mark = len(device.lines)
        cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", device.uuid, "--data", "held")
        received = device.wait_for("AZURE_IOT_HUB_EVT_DATA_RECEIVED", 25, after=mark)
        assert received
        logged = [line for _, line in device.lines[mark:]]
        sending = next(i for i, line in enumerate(logged) if "Sending event" in line)
        data = next(i for i, line in enumerate(logged) if "AZURE_IOT_HUB_EVT_DATA_RECEIVED" in line)
        assert sending < data, "\n".join(logged)
        assert uptime_seconds(logged[data]) >= 14.5, logged[data]
        device.wait_for("Received payload: held$", 5, after=mark)
    finally:
        device.stop()
