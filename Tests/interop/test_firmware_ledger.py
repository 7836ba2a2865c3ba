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
