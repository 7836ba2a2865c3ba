"""Bad input to the device command and its store gets a clear error, and nothing stored is lost."""
import subprocess

import pytest

from nrfsim_device import NRFSIM
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
