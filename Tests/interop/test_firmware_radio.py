"""The firmware's lte_lc and the virtual modem's radio through the real binary: what the sample's Kconfig asks for
reaches the modem over AT, and the modem's timers run by themselves (the RRC inactivity timer, 5 s)."""
import time

from at_port import ATPort
from firmware_device import FirmwareProcess


def wait_for_answer(port, command, expected, timeout):
    """Asks `command` until its first line is `expected` (the modem's timers run in real time here)."""
    deadline = time.monotonic() + timeout
    answer = None
    while time.monotonic() < deadline:
        answer = port.command(command)
        if answer[0] == expected:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{command} answered {answer}, never {expected!r} within {timeout} s")


def test_psm_requested_through_kconfig_is_granted_and_the_connection_released(tmp_path):
    device = FirmwareProcess(tmp_path / "dev", defines=[
        "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", 'CONFIG_LTE_PSM_REQ_RAT="00000101"',
        "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y", 'CONFIG_AZURE_IOT_HUB_HOSTNAME="hub.invalid"'])
    # The release to idle comes from the modem's own timer, with no AT command to run it: lte_lc's AT monitor
    # sees +CSCON twice (connected at the attach, idle after the inactivity timer).
    device.wait_for(r"<dbg> lte_lc: \+CSCON notification$", timeout=15)
    device.wait_for(r"<dbg> lte_lc: \+CSCON notification$", timeout=20, after=device.last_index)
    port = ATPort(device.pty)
    try:
        cereg = wait_for_answer(port, "AT+CEREG?", '+CEREG: 5,1,"002F","0012BEEF",7,,,"00000101","00000011"', 15)
        assert cereg[-1] == "OK"
        assert port.command("AT+CPSMS?") == ['+CPSMS: 1,,,"00000011","00000101"', "OK"]
        monitor = port.command("AT%XMONITOR")[0]
        assert monitor.endswith(',"00000101","00000011","11100000"'), monitor
        assert port.command("AT+CSCON?") == ["+CSCON: 1,0", "OK"]
    finally:
        port.close()
        device.stop()


def test_the_sample_as_shipped_requests_neither_psm_nor_edrx(tmp_path):
    device = FirmwareProcess(tmp_path / "dev", defines=['CONFIG_AZURE_IOT_HUB_HOSTNAME="hub.invalid"'])
    port = ATPort(device.pty)
    try:
        # lte_lc subscribes +CEREG level 5 at connect as upstream; PSM is not granted, so the timers are deactivated.
        wait_for_answer(port, "AT+CEREG?", '+CEREG: 5,1,"002F","0012BEEF",7,,,"11100000","11100000"', 15)
        assert port.command("AT+CPSMS?") == ['+CPSMS: 0,,,"00000011","00100001"', "OK"]
        assert port.command("AT+CEDRXS?") == ["OK"]
        assert port.command("AT+CFUN?") == ["+CFUN: 21", "OK"]
    finally:
        port.close()
        device.stop()


def test_a_network_that_denies_psm_grants_nothing(tmp_path):
    device = FirmwareProcess(tmp_path / "dev", defines=[
        "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", 'CONFIG_AZURE_IOT_HUB_HOSTNAME="hub.invalid"'],
        extra=["--network-psm", "deny", "--rrc-inactivity", "60"])
    port = ATPort(device.pty)
    try:
        wait_for_answer(port, "AT+CEREG?", '+CEREG: 5,1,"002F","0012BEEF",7,,,"11100000","11100000"', 15)
        assert port.command("AT+CPSMS?") == ['+CPSMS: 1,,,"00000011","00100001"', "OK"]
        assert port.command("AT+CSCON?") == ["+CSCON: 1,1", "OK"]
    finally:
        port.close()
        device.stop()


def test_the_keep_alive_wakes_the_radio_as_a_publish_does(start_hub, tmp_path):
    """The MQTT keep-alive (CONFIG_MQTT_KEEPALIVE) is uplink data: with nothing else to send (telemetry once an hour)
    and the RRC inactivity timer at 1 s, each PINGREQ connects the radio again and the timer releases it: two +CSCON
    notifications per keep-alive, where a radio that the keep-alive did not wake would stay idle and silent."""
    from firmware_cloud import Cloud, provisioned_device
    from test_firmware_failures import MQTT_HELPER_DEBUG
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = tuple(define for define in cloud.direct_defines() if not define.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC"))
    defines += ("CONFIG_SIM_EVENT_INTERVAL_SEC=3600", "CONFIG_MQTT_KEEPALIVE=5", MQTT_HELPER_DEBUG,
                "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y")
    device = provisioned_device(cloud, tmp_path / "dev", defines, extra=("--rrc-inactivity", "1"))
    try:
        device.wait_for("Event was successfully sent", 30)
        device.wait_for(r"<dbg> mqtt_helper: MQTT_EVT_PINGRESP", 15, after=device.last_index)
        for _ in range(4):  # two keep-alives: connected, idle, connected, idle
            device.wait_for(r"<dbg> lte_lc: \+CSCON notification$", 10, after=device.last_index + 1)
        device.wait_for(r"<dbg> mqtt_helper: MQTT_EVT_PINGRESP", 15, after=device.last_index)
    finally:
        device.stop()
