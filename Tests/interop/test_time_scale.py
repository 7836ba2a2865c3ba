"""`--time-scale`: hours of simulated time in seconds of real time. The modem's PSM timers, the firmware's uptime (the
console's Zephyr timestamps) and lte_lc's view of the radio all run on the scaled clock."""
import re
import subprocess
import time

from firmware_device import FirmwareProcess
from nrfsim_device import NRFSIM, REPO

CSCON = r"^\[(\d\d):(\d\d):(\d\d)\.(\d{3}),\d{3}\] <dbg> lte_lc: \+CSCON notification$"


def simulated_seconds(match):
    hours, minutes, seconds, milliseconds = (int(group) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds + milliseconds / 1000


def test_psm_with_an_hourly_tau_cycles_for_hours_in_seconds_at_scale_600(tmp_path, loopback):
    """Periodic TAU 1 hour, active time 0, RRC inactivity 60 s: the radio is connected 60 s, then in PSM for an
    hour until the TAU wakes it. At scale 600 a cycle takes about 6 real seconds; four of them (4 h 4 min
    simulated) well within a minute. No hub listens at the test's address: the sample's connection is refused and
    nothing but the radio's own timers moves the radio."""
    started = time.monotonic()
    device = FirmwareProcess(tmp_path / "dev", address=loopback, defines=[
        "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y", 'CONFIG_LTE_PSM_REQ_RPTAU="00100001"',
        'CONFIG_LTE_PSM_REQ_RAT="00000000"', "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y"],
        extra=["--rrc-inactivity", "60", "--time-scale", "600", "--log-level", "debug"])
    try:
        # lte_lc sees +CSCON at the attach (connected), then idle and connected again at each cycle.
        stamps = [simulated_seconds(device.wait_for(CSCON, timeout=30))]
        for _ in range(8):
            stamps.append(simulated_seconds(device.wait_for(CSCON, timeout=30, after=device.last_index)))
        elapsed = time.monotonic() - started
        # Four hours of simulated time passed in well under a minute of real time.
        assert stamps[-1] - stamps[0] > 4 * 3600
        assert elapsed < 60, "4 simulated hours took %.1f real seconds" % elapsed
        # The console's timestamps are simulated time: 60 s connected, then 3600 s in PSM, cycle after cycle (to
        # within 45 simulated seconds, 75 ms of real time: the log line is written on lte_lc's work queue, and the
        # suite runs in parallel on a small machine; the 100 ms poll this replaced was off by up to 60 s each time).
        gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
        for index, gap in enumerate(gaps):
            expected = 60 if index % 2 == 0 else 3600
            assert abs(gap - expected) < 45, "gap %d between +CSCON notifications: %.3f s, not %d s; %r" % (
                index, gap, expected, gaps)
        # The modem's radio log says which transitions these were: into PSM after each release, out at each TAU.
        radio = re.findall(r"\[VirtualModem\] radio (\w+) -> (\w+)", device.stderr())
        assert radio[:2] == [("off", "connected"), ("connected", "psm")], radio
        assert radio[2:8] == [("psm", "connected"), ("connected", "psm")] * 3, radio
    finally:
        device.stop()


def stamp(line):
    """The simulated seconds of a Zephyr console line's `[hh:mm:ss.mmm,uuu]` timestamp."""
    return simulated_seconds(re.match(r"^\[(\d\d):(\d\d):(\d\d)\.(\d{3}),\d{3}\]", line))


def test_a_device_sends_hourly_telemetry_to_a_hub_at_scale_600(start_hub, tmp_path):
    """Device and hub both at scale 600: the sample's hourly telemetry (CONFIG_SIM_EVENT_INTERVAL_SEC=3600) comes
    every 6 real seconds, an hour apart on the console's clock, and the 1767 s MQTT keep-alive goes to libmosquitto
    as its 5 s floor, 3000 simulated seconds between PINGRESPs (README, Time scale)."""
    from firmware_cloud import Cloud, provisioned_device
    from test_firmware_failures import MQTT_HELPER_DEBUG
    cloud = Cloud(start_hub, tmp_path / "work", extra=("--time-scale", "600"))
    defines = tuple(define for define in cloud.direct_defines() if not define.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC"))
    defines += ("CONFIG_SIM_EVENT_INTERVAL_SEC=3600", "CONFIG_MQTT_KEEPALIVE=1767", MQTT_HELPER_DEBUG)
    device = provisioned_device(cloud, tmp_path / "dev", defines, extra=("--time-scale", "600"))
    try:
        sent = []
        for _ in range(3):
            device.wait_for("Event was successfully sent", 30, after=device.last_index if sent else 0)
            sent.append(stamp(device.lines[device.last_index - 1][1]))
        # An hour apart, plus the real time a send takes (the sample reschedules its work after the send), scaled.
        for earlier, later in zip(sent, sent[1:]):
            assert 3600 - 5 <= later - earlier < 3600 + 300, sent
        pings = []
        for _ in range(2):
            device.wait_for(r"<dbg> mqtt_helper: MQTT_EVT_PINGRESP", 30, after=device.last_index)
            pings.append(stamp(device.lines[device.last_index - 1][1]))
        # libmosquitto pings 5 real s after its last packet out or in: 3000 simulated s, or up to a telemetry
        # interval (3600 s) when a publish went out meanwhile; never the unscaled 1767 s, nor 1767 s x 600.
        assert 3000 - 60 <= pings[1] - pings[0] <= 3600 + 300, pings
    finally:
        device.stop()


def test_dps_retry_after_is_simulated_time_on_both_sides_at_scale_60(start_hub, tmp_path):
    """DPS answers `assigning` with retry-after 30 (simulated) seconds on its scaled clock; the firmware sleeps
    them on its own (half a real second at scale 60) and its next poll finds the registration assigned. An unscaled
    side would wait 30 real seconds (the device) or answer `assigning` for 30 real seconds (DPS)."""
    from firmware_cloud import Cloud, provisioned_device
    cloud = Cloud(start_hub, tmp_path / "work", dps=True, extra=("--dps-retry-after", "30", "--time-scale", "60"))
    # DPS's own timeout, 600 simulated s (10 real s), leaves room for the real time of the TLS handshakes.
    defines = cloud.dps_defines() + ("CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC=600",)
    device = provisioned_device(cloud, tmp_path / "dev", defines, conf=(REPO / "overlay-dps.conf",), register=False,
                                extra=("--time-scale", "60"))
    try:
        device.wait_for("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNING", 30)
        assigning, assigning_real = stamp(device.lines[device.last_index - 1][1]), device.last_time
        device.wait_for("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNED", 10, after=device.last_index)
        assigned, assigned_real = stamp(device.lines[device.last_index - 1][1]), device.last_time
        # 30 simulated seconds of retry-after, plus the poll's round trip (real time, scaled).
        assert 30 <= assigned - assigning < 30 + 120, (assigning, assigned)
        assert assigned_real - assigning_real < 5
        device.wait_for("Event was successfully sent", 30)
    finally:
        device.stop()


def test_a_bad_time_scale_is_named_and_nothing_starts(tmp_path):
    for command in ("device", "hub"):
        for value, reason in (("0", "0 is out of range"), ("3601", "3601 is out of range"),
                              ("fast", "'fast' is not an integer"), ("2.5", "'2.5' is not an integer")):
            state = tmp_path / ("%s-%s" % (command, value))
            flag = "--state-dir" if command == "device" else "--data-dir"
            result = subprocess.run([NRFSIM, command, "--time-scale", value, flag, str(state)], capture_output=True,
                                    text=True, timeout=30)
            assert result.returncode != 0
            assert "--time-scale: %s; give simulated seconds per real second, 1...3600" % reason in result.stderr, \
                result.stderr
            assert not state.exists()
