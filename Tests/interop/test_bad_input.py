"""Bad input to the device command and its store gets a clear error, and nothing stored is lost."""
import subprocess

from nrfsim_device import NRFSIM, REPO
from at_port import ATPort


def run(*args):
    return subprocess.run([NRFSIM, *args], capture_output=True, text=True, timeout=30)


def test_unknown_board_is_named():
    result = run("device", "--board", "nrf52840dk/nrf52840", "--state-dir", "/tmp/unused-nrfsim")
    assert result.returncode != 0
    assert 'unknown board "nrf52840dk/nrf52840"' in result.stderr


def test_board_without_modem_refuses_at_client(tmp_path):
    result = run("device", "--app", "at_client", "--board", "nrf7002dk/nrf5340/cpuapp/ns", "--state-dir", str(tmp_path))
    assert result.returncode != 0
    assert "has none" in result.stderr


def test_corrupt_store_refuses_to_boot_and_is_kept(tmp_path):
    store = tmp_path / "modem-nvm.json"
    store.write_text('{"version": 1, "identity": ')
    result = run("device", "--app", "at_client", "--state-dir", str(tmp_path))
    assert result.returncode != 0
    assert "modem-nvm.json is not a valid modem store" in result.stderr
    assert store.read_text() == '{"version": 1, "identity": '


def test_malformed_lines_get_error_and_the_modem_keeps_serving(start_device):
    device = start_device()
    port = ATPort(device.pty)
    try:
        assert port.command("AT+CMEE=1") == ["OK"]
        for bad in ["at AT+CGSN", "AT%CMNG=0,1,0,\"x\"y", "AT+", "hello", "AT%CMNG=0,1,0,unquoted"]:
            assert port.command(bad) == ["ERROR"], bad
        port.write(b"AT%CMNG=0,1,0,\"" + b"A" * 5000 + b"\"\r\n")
        assert port.read_until_final() == ["ERROR"]
        assert port.command("AT") == ["OK"]
    finally:
        port.close()
    device.stop()
    log = device.stderr()
    assert "malformed AT command" in log and "column" in log
    assert "exceeds the line buffer" in log


def test_unknown_hub_and_app_arguments_are_named(tmp_path):
    result = run("device", "--hub", "nowhere", "--state-dir", str(tmp_path))
    assert result.returncode != 0 and '--hub: "nowhere" is neither local nor azure' in result.stderr
    result = run("device", "--app", "blinky", "--state-dir", str(tmp_path))
    assert result.returncode != 0 and '--app: unknown application "blinky"; available: azure_iot_hub, at_client' in result.stderr


def test_bad_network_policies_are_named(tmp_path):
    result = run("device", "--network-psm", "00000011", "--state-dir", str(tmp_path))
    assert result.returncode != 0 and '--network-psm: "00000011" is not a PSM policy' in result.stderr
    result = run("device", "--network-edrx", "1001,2", "--state-dir", str(tmp_path))
    assert result.returncode != 0 and '"2" is not half a byte: 1 characters, 4 required' in result.stderr
    result = run("device", "--rrc-inactivity=-3", "--state-dir", str(tmp_path))
    assert result.returncode != 0 and "--rrc-inactivity: -3 is not 1-86400 seconds" in result.stderr


def test_an_unreadable_image_signing_key_stops_the_boot(tmp_path):
    bad = tmp_path / "key.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    missing = tmp_path / "missing.pem"
    for path, message in ((missing, "cannot read %s" % missing), (bad, "%s is not a PEM ECDSA P-256 key" % bad)):
        result = run("device", "--app-dir", str(REPO), "--state-dir", str(tmp_path / "s"),
                     "-D", 'CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE="%s"' % path)
        assert result.returncode == 1
        assert "the firmware cannot start: CONFIG_SIM_MCUBOOT_SIGNATURE_KEY_FILE: " + message in result.stderr, result.stderr


def test_a_damaged_settings_partition_stops_the_boot_and_is_kept(tmp_path):
    (tmp_path / "s").mkdir()
    settings = tmp_path / "s" / "settings.json"
    settings.write_text('{"azure_iot_hub/hostname": ')
    result = run("device", "--app-dir", str(REPO), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 1
    assert "settings.json is not a settings file (a JSON object of strings); it is left as it is" in result.stderr
    assert settings.read_text() == '{"azure_iot_hub/hostname": '


def test_blob_uploads_with_bad_names_or_files_are_refused(hub, tmp_path):
    image = tmp_path / "app.bin"
    image.write_bytes(b"\x00" * 10)
    refused = hub.az("storage", "blob", "upload", "--account-name", "acct", "--container-name", "fw", "--name", "../x",
                     "--file", str(image), check=False)
    assert refused.returncode == 1 and "(400)" in refused.stderr and "the blob name '../x' is not valid" in refused.stderr
    missing = hub.az("storage", "blob", "upload", "--account-name", "acct", "--container-name", "fw", "--name", "x",
                     "--file", str(tmp_path / "nope.bin"), check=False)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    hub.az("storage", "blob", "upload", "--account-name", "acct", "--container-name", "fw", "--name", "x", "--file", str(image))
    again = hub.az("storage", "blob", "upload", "--account-name", "acct", "--container-name", "fw", "--name", "x",
                   "--file", str(image), check=False)
    assert again.returncode == 1 and "(409) ErrorCode:BlobAlreadyExists;The specified blob already exists." in again.stderr


def test_bad_network_model_flags_and_scenarios_are_named_and_nothing_starts(tmp_path):
    result = run("device", "--latency=-120ms", "--state-dir", str(tmp_path / "a"))
    assert result.returncode != 0 and '--latency: "-120ms" is negative' in result.stderr
    result = run("device", "--loss", "150%", "--state-dir", str(tmp_path / "a"))
    assert result.returncode != 0 and '--loss: "150%" is not between 0% and 100%' in result.stderr
    scenario = tmp_path / "bad.yaml"
    scenario.write_text('- at: "00:05:00"\n  coverage_lost: {for: 120s}\n- at: "00:10:00"\n  tsunami: 300s\n')
    result = run("device", "--app-dir", str(REPO), "--scenario", str(scenario), "--state-dir", str(tmp_path / "b"))
    assert result.returncode != 0
    assert "scenario %s:4: tsunami: unknown event" % scenario in result.stderr
    # Nothing started: no AT interface, no state written.
    assert "AT interface" not in result.stdout and not (tmp_path / "b").exists()
    scenario.write_text('- at: "5 minutes"\n  nat_timeout: 300s\n')
    result = run("device", "--app-dir", str(REPO), "--scenario", str(scenario), "--state-dir", str(tmp_path / "b"))
    assert result.returncode != 0 and 'scenario %s:1: at: "5 minutes" is not a time HH:MM:SS' % scenario in result.stderr
