"""Scenario files that change the radio network under the running firmware: a PSM grant that arrives as a TAU accept
would (+CEREG level 5 with the new timers), a coverage gap the modem reports as +CEREG: 2 (searching) and then
registered, and a scenario whose PSM timer no GPRS timer carries, refused before anything starts."""
import os
import subprocess

from at_port import ATPort
from firmware_device import FirmwareProcess, lines_in_order
from test_firmware_radio import wait_for_answer

NRFSIM = os.environ["NRFSIM_BIN"]
NO_HUB = 'CONFIG_AZURE_IOT_HUB_HOSTNAME="hub.invalid"'
LTE_LC_DEBUG = "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y"
DENIED = '+CEREG: 1,"002F","0012BEEF",7,,,"11100000","11100000"'
GRANTED = '+CEREG: 1,"002F","0012BEEF",7,,,"00100001","00100001"'


def test_a_psm_grant_at_five_seconds_reaches_cereg_and_lte_lc(tmp_path):
    scenario = tmp_path / "psm.yaml"
    scenario.write_text('- at: "00:00:00"\n  psm: deny\n- at: "00:00:05"\n  psm: {tau: 3600s, active: 60s}\n')
    device = FirmwareProcess(tmp_path / "dev", defines=[
        "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", LTE_LC_DEBUG, NO_HUB], extra=["--scenario", str(scenario)])
    port = ATPort(device.pty)
    try:
        # Denied from the first attach; granted (1 h, 1 min) by the TAU accept at 00:00:05.
        device.wait_for(r"<dbg> lte_lc: \+CEREG notification: " + DENIED.replace("+", r"\+"), 15)
        device.wait_for(r"<dbg> lte_lc: \+CEREG notification: " + GRANTED.replace("+", r"\+"), 15, after=device.last_index)
        granted_at = device.last_time
        assert granted_at - device.started_at >= 4.5
        answer = wait_for_answer(port, "AT+CEREG?", '+CEREG: 5,1,"002F","0012BEEF",7,,,"00100001","00100001"', 5)
        assert answer[-1] == "OK"
        monitor = port.command("AT%XMONITOR")[0]
        assert monitor.endswith(',"00100001","00100001","11100000"'), monitor
    finally:
        port.close()
        device.stop()


def test_a_coverage_gap_is_a_search_then_registered_again(tmp_path):
    scenario = tmp_path / "gap.yaml"
    scenario.write_text('- at: "00:00:04"\n  coverage_lost: {for: 3s}\n')
    device = FirmwareProcess(tmp_path / "dev", defines=[LTE_LC_DEBUG, NO_HUB], extra=["--scenario", str(scenario)])
    port = ATPort(device.pty)
    try:
        device.wait_for(r"Network connectivity established", 15)
        device.wait_for(r"<dbg> lte_lc: \+CEREG notification: \+CEREG: 2$", 15, after=device.last_index)
        lost_at = device.last_time
        assert port.command("AT+CEREG?") == ["+CEREG: 5,2", "OK"]
        device.wait_for(r"<dbg> lte_lc: \+CEREG notification: \+CEREG: 1,", 15, after=device.last_index)
        assert device.last_time - lost_at >= 2.5
        wait_for_answer(port, "AT+CEREG?", '+CEREG: 5,1,"002F","0012BEEF",7,,,"11100000","11100000"', 5)
        lines_in_order(device, [
            ("inf", "azure_iot_hub_sample", "Network connectivity established and IP address assigned"),
            ("dbg", "lte_lc", "+CEREG notification: +CEREG: 2"),
            ("dbg", "lte_lc", "Network registration status: 2"),
            ("dbg", "lte_lc", "+CEREG notification: " + DENIED),
            ("dbg", "lte_lc", "Network registration status: 1"),
        ])
        # lte_net_if keeps the serving cell while the modem searches (lte_reg_handler(), LTE_LC_NW_REG_SEARCHING):
        # the sample's L4 events do not fire for a gap the modem rides out.
        assert device.count(r"Network connectivity lost") == 0
        assert device.count(r"Network connectivity established") == 1
    finally:
        port.close()
        device.stop()


def test_an_impossible_psm_timer_in_a_scenario_stops_the_device_before_the_modem_starts(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text('- at: "00:00:05"\n  psm: {tau: 3600s, active: 187m}\n')
    state = tmp_path / "dev"
    result = subprocess.run(
        [NRFSIM, "device", "--app-dir", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
         "--state-dir", str(state), "--scenario", str(scenario), "-D", NO_HUB],
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert ("scenario %s:2: psm.active: 11220 s is above GPRS timer 2 (T3324)'s largest, 31 × 6 min = 186 min (11160 s)"
            % scenario) in result.stderr, result.stderr
    # Nothing started: no modem banner, no AT interface, no state written.
    assert "*** nrfsim" not in result.stdout and "AT interface" not in result.stdout and not state.exists()
