"""Shared fixtures for the interop suite: real outside tools against `nrfsim` processes."""
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import binary_lock  # noqa: E402
from nrfsim_device import DeviceProcess, REPO  # noqa: E402

VENV_BIN = REPO / ".venv" / "bin"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "builds_in_checkout: the test builds nrfsim in this checkout; it takes binary_lock's locks itself")


@pytest.fixture(autouse=True)
def nrfsim_not_relinked(request):
    """Every test runs the nrfsim binary under binary_lock's shared lock, so that no parallel build relinks it."""
    if request.node.get_closest_marker("builds_in_checkout"):
        yield
        return
    with binary_lock.running_binary():
        yield


@pytest.fixture
def start_device(tmp_path):
    """Starts `nrfsim device` processes; every one is stopped (and checked) at teardown."""
    started = []

    def start(board="nrf9161dk/nrf9161/ns", state_dir=None, seed=None, extra=()):
        state = pathlib.Path(state_dir) if state_dir else tmp_path / f"device{len(started)}"
        device = DeviceProcess(board=board, state_dir=state, seed=seed, extra=extra)
        started.append(device)
        return device

    yield start
    for device in started:
        device.kill()


def run_tool(name, *args, device, timeout=120, cwd=None):
    """Runs a console script from .venv against `device`, with the device's pyserial shim on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(device.shim_dir)
    return subprocess.run(
        [str(VENV_BIN / name), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def loopback():
    """A loopback address of this test's own (127.1xx.X.Y), free on the ports the tests use (see loopback.py): its
    servers listen there, on the standard ports, so tests run in parallel and whatever holds 127.0.0.1:8883."""
    import loopback as addresses
    return addresses.allocate()


@pytest.fixture
def start_hub(tmp_path, loopback):
    """Starts `nrfsim hub` on the test's loopback address, ports 8883/8443 (one at a time); every one is stopped at
    teardown."""
    from hub_emulator import HubProcess
    started = []

    def start(data_dir=None, extra=(), prefix=(), private_mounts=False, mqtt_port=8883):
        hub = HubProcess(data_dir or tmp_path / ("hub%d" % len(started)), loopback, extra=extra, prefix=prefix,
                         private_mounts=private_mounts, mqtt_port=mqtt_port)
        started.append(hub)
        return hub

    yield start
    for hub in started:
        hub.kill()


@pytest.fixture
def hub(start_hub):
    """A running emulator with the hub `myhub`."""
    hub = start_hub()
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub", "--sku", "F1", "--partition-count", "2")
    return hub
