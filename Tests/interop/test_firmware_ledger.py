"""The device's ledger (`nrfsim device --ledger FILE`): what each connection carried, by purpose, with the TLS
handshakes and the radio's time. Checked against an independent TCP relay between the device and the hub (the
test's own, tcp_relay.py), which sorts the same bytes by TLS record type."""
import json
import re
import signal

from firmware_cloud import Cloud, provisioned_device
from tcp_relay import TCPRelay


def within(value, reference, fraction=0.01):
    return abs(value - reference) <= fraction * reference


def test_the_ledger_agrees_with_an_independent_relay(start_hub, tmp_path):
    cloud = Cloud(start_hub, tmp_path / "work")
    relay = TCPRelay(0, 8883, address=cloud.address)
    ledger_file = tmp_path / "ledger.json"
    defines = cloud.direct_defines() + ("CONFIG_SIM_LOCAL_HUB_PORT=%d" % relay.port,)
    device = provisioned_device(cloud, tmp_path / "device", defines, extra=("--ledger", str(ledger_file)))
    try:
        for _ in range(3):
            device.wait_for("Event was successfully sent", 30, after=getattr(device, "last_index", 0))
        # On demand: SIGUSR1 prints the summary and writes the file; the device keeps running.
        mark = len(device.lines)
        device.process.send_signal(signal.SIGUSR1)
        device.wait_for(r"^--- nrfsim ledger: \d+:\d\d:\d\d simulated, 1 connection, 1 TLS handshake ---$", 10, after=mark)
        on_demand = json.loads(ledger_file.read_text())
        assert on_demand["connections"][0].get("ended") is None  # open
        device.wait_for("Event was successfully sent", 30, after=device.last_index)
    finally:
        code = device.stop()
    assert code == 0, device.stderr()
    # At exit: the summary once more, and the file.
    text = device.text()
    assert text.count("--- nrfsim ledger:") == 2
    summary = text[text.rindex("--- nrfsim ledger:"):].splitlines()
    assert summary[1].split() == ["bytes", "up", "down"]
    assert [line.split()[0] for line in summary[2:9]] == ["TLS", "TLS", "MQTT", "MQTT", "keep-alive", "total", "IP/TCP"]
    ledger = json.loads(ledger_file.read_text())
    relayed = relay.take()
    relay.close()

    hub = [c for c in ledger["connections"] if c["target"].endswith(":%d" % relay.port)]
    assert len(hub) == 1 and hub[0]["ended"] == "closed" and hub[0]["handshake"], ledger["connections"]
    # The relay saw the first boot's attempts too: the ledger's connection is its last.
    theirs = relayed[-1]
    for direction in ("up", "down"):
        ours = hub[0][direction]
        assert within(ours["total"], sum(theirs[direction].values())), (direction, ours, theirs)
        assert within(ours["tlsHandshake"], theirs[direction].get("handshake", 0)), (direction, ours, theirs)
        parts = ours["tlsHandshake"] + ours["tlsRecords"] + ours["mqttControl"] + ours["mqttPayload"] + ours["keepAlive"]
        assert parts == ours["total"]
    # Four telemetry messages at least went up, each with its JSON payload; the twin came down as payload.
    assert hub[0]["up"]["mqttPayload"] >= 4 * len('{"temperature":25.0,"timestamp":1}')
    assert hub[0]["down"]["mqttPayload"] > 0
    assert hub[0]["up"]["mqttControl"] > 0 and hub[0]["up"]["tlsRecords"] > 0
    assert ledger["handshakes"] == 1
    assert ledger["up"]["total"] == hub[0]["up"]["total"]
    assert ledger["ipOverheadUp"] > 0 and ledger["ipOverheadDown"] > 0
    radio = ledger["radio"]
    assert radio["connectedSeconds"] > 0 and radio["rrcConnections"] >= 1
    assert ledger["energyJoules"] > 0 and ledger["profile"]["psmNanoamps"] == 2700
    assert re.search(r"^energy: \d+\.\d{3} J, \d+\.\d J/day$", "\n".join(summary), re.M)


PSM = ("CONFIG_SIM_EVENT_INTERVAL_SEC=15", "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y",
       'CONFIG_LTE_PSM_REQ_RAT="00000000"', "CONFIG_LTE_LINK_CONTROL_LOG_LEVEL_DBG=y")


def test_a_cloud_to_device_message_during_psm_costs_a_handshake(start_hub, tmp_path):
    """The guide's warning, in numbers. Two devices in PSM (active time 0 s, so the radio sleeps once the network
    releases the connection after 1 s), both with the documented reconnect option. The hub sends one of them a C2D
    message while it sleeps; with no PUBACK within the lock timeout (2 s here) it closes the connection. The device
    learns of it when its next event wakes the radio: the held PUBLISH and the FIN arrive together, the library
    reports DISCONNECTED, the sample reconnects and pays a second TLS handshake. The other device, left alone, has
    one handshake in its ledger."""
    from test_firmware_reconnect import RECONNECT
    cloud = Cloud(start_hub, tmp_path / "work", extra=("--dps-retry-after", "1", "--c2d-lock-timeout", "2"))
    defines = tuple(d for d in cloud.direct_defines() if not d.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC")) + PSM + RECONNECT
    ledgers = {name: tmp_path / (name + ".json") for name in ("c2d", "quiet")}
    devices = {name: provisioned_device(cloud, tmp_path / name, defines,
                                        extra=("--ledger", str(ledgers[name]), "--rrc-inactivity", "1"))
               for name in ledgers}
    c2d, quiet = devices["c2d"], devices["quiet"]
    try:
        for device in devices.values():
            device.wait_for("Event was successfully sent", 30)
        # Released to idle, and asleep: the active time is 0 s.
        c2d.wait_for(r"<dbg> lte_lc: \+CSCON notification$", 15, after=c2d.last_index)
        mark = len(c2d.lines)
        cloud.hub.az("iot", "device", "c2d-message", "send", "-n", "myhub", "-d", c2d.uuid, "--data", "held")
        c2d.wait_for("AZURE_IOT_HUB_EVT_READY", 40, after=mark)
        c2d.wait_for("Event was successfully sent", 20, after=c2d.last_index)
        lines = [m for level, module, m in c2d.messages(after=mark)
                 if m.startswith(("AZURE_IOT_HUB_EVT_", "Reconnecting", "Received payload", "DISCONNECT, result"))]
        # Woken by its next event: the held message, then the hub's FIN. The message comes again on the new
        # connection (the session is persistent: right after CONNACK).
        assert lines[:9] == [
            "AZURE_IOT_HUB_EVT_DATA_RECEIVED", "Received payload: held", "DISCONNECT, result: -113",
            "AZURE_IOT_HUB_EVT_DISCONNECTED", "Reconnecting to IoT Hub in 1000 ms (attempt 1)",
            "AZURE_IOT_HUB_EVT_CONNECTING", "AZURE_IOT_HUB_EVT_CONNECTED", "AZURE_IOT_HUB_EVT_DATA_RECEIVED",
            "Received payload: held"], lines
        # The quiet device has run as long, and sent its events all along on its one connection.
        quiet.wait_for("Event was successfully sent", 20, after=quiet.last_index)
    finally:
        codes = {name: device.stop() for name, device in devices.items()}
    assert codes == {"c2d": 0, "quiet": 0}, (c2d.stderr(), quiet.stderr())
    spent = {name: json.loads(path.read_text()) for name, path in ledgers.items()}
    assert spent["quiet"]["handshakes"] == 1
    assert spent["c2d"]["handshakes"] == 2
    first, second = [c for c in spent["c2d"]["connections"] if c["handshake"]]
    assert first["ended"] == "closed" and first["down"]["mqttPayload"] >= len("held")
    # The second handshake costs about what the first did, each way.
    for direction in ("up", "down"):
        assert within(second[direction]["tlsHandshake"], first[direction]["tlsHandshake"], 0.05)
        handshakes = {name: ledger[direction]["tlsHandshake"] for name, ledger in spent.items()}
        assert within(handshakes["c2d"], 2 * handshakes["quiet"], 0.05), handshakes
    summary = c2d.text()[c2d.text().rindex("--- nrfsim ledger:"):].splitlines()[0]
    assert re.match(r"--- nrfsim ledger: \d:\d\d:\d\d simulated, 2 connections, 2 TLS handshakes ---$", summary), summary


def test_a_nat_that_forgets_idle_flows_shows_in_the_ledger(start_hub, tmp_path):
    """A carrier NAT with a 3 s idle timeout and the sample's 1767 s keep-alive: each event, 5 s after the last
    traffic, meets a forgotten flow. The library reports the reset (-104, ECONNRESET), the documented reconnect
    option connects again, and the ledger lists each forgotten connection as nat-expired, with a handshake for
    every connection."""
    from test_firmware_reconnect import RECONNECT
    cloud = Cloud(start_hub, tmp_path / "work")
    defines = tuple(d for d in cloud.direct_defines() if not d.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC")) + (
        "CONFIG_SIM_EVENT_INTERVAL_SEC=5",) + RECONNECT
    ledger_file = tmp_path / "ledger.json"
    device = provisioned_device(cloud, tmp_path / "device", defines,
                                extra=("--ledger", str(ledger_file), "--nat-timeout", "3s"))
    try:
        device.wait_for("Event was successfully sent", 30)
        mark = device.last_index
        for _ in range(2):
            device.wait_for(r"DISCONNECT, result: -104$", 30, after=device.last_index)
            device.wait_for("AZURE_IOT_HUB_EVT_READY", 30, after=device.last_index)
        lines = [m for level, module, m in device.messages(after=mark)
                 if m.startswith(("AZURE_IOT_HUB_EVT_DISCONNECTED", "DISCONNECT, result", "Reconnecting"))]
        assert lines[:3] == ["DISCONNECT, result: -104", "AZURE_IOT_HUB_EVT_DISCONNECTED",
                             "Reconnecting to IoT Hub in 1000 ms (attempt 1)"], lines
    finally:
        code = device.stop()
    assert code == 0, device.stderr()
    ledger = json.loads(ledger_file.read_text())
    hub = [c for c in ledger["connections"] if c["handshake"]]
    assert len(hub) >= 3 and ledger["handshakes"] == len(hub)
    assert [c.get("ended") for c in hub[:2]] == ["nat-expired", "nat-expired"], hub
    # Each connection carried the event sent on READY before the NAT forgot it; the one that met the reset did not
    # pass, so the bytes up are those the hub could have received.
    assert all(c["up"]["mqttPayload"] > 0 for c in hub[:2])


def test_hours_of_psm_at_a_time_scale_are_in_the_ledger_as_simulated_time(start_hub, tmp_path):
    """At --time-scale 600 a device in PSM (the network grants a 1 h periodic TAU and no active time) sends hourly
    telemetry for about three simulated hours in seconds of real time. The ledger counts simulated time: the span,
    the radio's time asleep (nearly all of it), its periodic TAUs, and a day's figures from them; the one
    connection's handshake is one per span, scaled to a day."""
    cloud = Cloud(start_hub, tmp_path / "work", extra=("--dps-retry-after", "1", "--time-scale", "600"))
    defines = tuple(d for d in cloud.direct_defines() if not d.startswith("CONFIG_SIM_EVENT_INTERVAL_SEC")) + (
        "CONFIG_SIM_EVENT_INTERVAL_SEC=3600", "CONFIG_LTE_LC_PSM_MODULE=y", "CONFIG_LTE_PSM_REQ=y")
    ledger_file = tmp_path / "ledger.json"
    device = provisioned_device(cloud, tmp_path / "device", defines, extra=(
        "--time-scale", "600", "--ledger", str(ledger_file), "--network-psm", "00100001,00000000",
        "--rrc-inactivity", "10"))
    try:
        for _ in range(4):  # at boot, then after 1, 2 and 3 simulated hours
            device.wait_for("Event was successfully sent", 30, after=getattr(device, "last_index", 0))
    finally:
        code = device.stop()
    assert code == 0, device.stderr()
    ledger = json.loads(ledger_file.read_text())
    span = ledger["simulatedSeconds"]
    assert 3 * 3600 <= span < 4 * 3600, span
    radio = ledger["radio"]
    assert radio["psmSeconds"] > 0.9 * span, radio
    # Every event (and every keep-alive, 3000 simulated seconds apart at this scale) woke it before the hour's TAU.
    assert radio["rrcConnections"] >= 4, radio
    assert ledger["handshakes"] == 1
    assert within(ledger["perDay"]["handshakes"], 86400 / span, 0.001)
    assert ledger["up"]["mqttPayload"] >= 4 * len('{"temperature":25.0,"timestamp":1}')
    # Mostly asleep: far below a day at the idle current alone.
    assert ledger["perDay"]["energyJoules"] < 0.6e-3 * 3.7 * 86400


def test_a_hub_initiated_disconnect_costs_the_reconnecting_device_a_handshake(start_hub, tmp_path):
    """`nrfsim az iot hub emulator disconnect`: with the documented reconnect option the device is back after 1 s,
    and its ledger has the second connection and handshake that cost."""
    from test_firmware_reconnect import RECONNECT
    cloud = Cloud(start_hub, tmp_path / "work")
    ledger_file = tmp_path / "ledger.json"
    device = provisioned_device(cloud, tmp_path / "device", cloud.direct_defines() + RECONNECT,
                                extra=("--ledger", str(ledger_file)))
    try:
        device.wait_for("Event was successfully sent", 30)
        mark = len(device.lines)
        assert cloud.hub.az_json("iot", "hub", "emulator", "disconnect", "-n", "myhub", "-d", device.uuid) == {
            "disconnected": [device.uuid]}
        device.wait_for("AZURE_IOT_HUB_EVT_DISCONNECTED", 15, after=mark)
        device.wait_for("AZURE_IOT_HUB_EVT_READY", 15, after=device.last_index)
        device.wait_for("Event was successfully sent", 15, after=device.last_index)
    finally:
        code = device.stop()
    assert code == 0, device.stderr()
    ledger = json.loads(ledger_file.read_text())
    first, second = ledger["connections"]
    assert ledger["handshakes"] == 2 and first["handshake"] and second["handshake"]
    assert first["ended"] == "closed" and second["ended"] == "closed"
    assert within(second["up"]["tlsHandshake"], first["up"]["tlsHandshake"], 0.05)
