"""`make run`, bounded: the seed's whole DPS workflow on a fresh state, then again reusing it."""
import subprocess

import pytest

from binary_lock import building, running_binary
from nrfsim_device import REPO

STEPS = ["Start the local IoT Hub and DPS emulator", "Make the test root and subordinate CAs",
         "Proof of possession of the root CA in DPS", "Enrollment group for devices signed by the sub-CA",
         "Generate the device key in the modem", "Sign the device certificate with the sub-CA",
         "Write the certificate chain and the server root to the modem", "Boot the Azure IoT Hub sample with DPS",
         "Assigned by DPS", "Connected to the IoT hub", "Telemetry flowing", "Invoke the led direct method",
         "Update the desired telemetryInterval", "Send a cloud-to-device message with properties", "Done"]


def make_run(state, address):
    """`make run` with the emulator on `address` (the test's own loopback address, with the standard ports)."""
    return subprocess.run(["make", "-s", "run", "STATE=%s" % state,
                           "RUN_ARGS=--until connected,telemetry=3 --address %s" % address], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.builds_in_checkout
def test_make_run_performs_the_seed_workflow_then_reuses_the_provisioned_state(tmp_path, loopback):
    # `make run` builds first; it does so here while no other test runs the binary, so that its own build is a no-op.
    with building():
        build = subprocess.run(["make", "-s", "build"], cwd=REPO, capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    with running_binary():
        first = make_run(tmp_path / "state", loopback)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
        positions = [first.stdout.find(step) for step in STEPS]
        assert -1 not in positions and positions == sorted(positions), first.stdout
        for reaction in ("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNED", '"temperature"',
                         'response: {"status": 200, "payload": {"it": "worked"}}', "New telemetry interval has been applied",
                         "Received payload: Hello from the cloud"):
            assert reaction in first.stdout, reaction
        assert "Property: " not in first.stdout  # the sample logs no C2D properties (main.c:215-219)
        assert first.stdout.count("Event was successfully sent") >= 3

        second = make_run(tmp_path / "state", loopback)
        assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
        assert "Already assigned to an IoT hub, skipping DPS" in second.stdout
        assert "Generate the device key" not in second.stdout and "REG_STATUS_ASSIGNING" not in second.stdout
        assert "AZURE_IOT_HUB_EVT_CONNECTED" in second.stdout
