"""The modem's store survives restarts and SIGKILL at any moment."""
import hashlib
import random
import signal
import threading
import time

from at_port import ATPort
from test_nrfcredstore import listed, make_files, nrfcredstore


def test_restart_keeps_shas_and_identity(start_device, tmp_path):
    device = start_device(seed=5)
    files = make_files(tmp_path)
    for kind, path in files.items():
        nrfcredstore(device, "write", "16842753", kind, str(path))
    nrfcredstore(device, "generate", "42", str(tmp_path / "csr.der"))
    before = listed(device)
    assert device.stop() == 0

    again = start_device(state_dir=device.state_dir, seed=6)
    assert (again.imei, again.device_uuid) == (device.imei, device.device_uuid)
    assert listed(again) == before


def test_sigkill_during_writes_never_corrupts_the_store(start_device, tmp_path):
    rng = random.Random(1234)
    state = tmp_path / "crash"
    acknowledged = {}  # tag -> SHA of the last write answered OK
    attempted = {}  # tag -> SHAs of every write sent (one may be in flight at the kill)
    for round_number in range(12):
        device = start_device(state_dir=state, seed=1)
        port = ATPort(device.pty)
        stop = threading.Event()

        def writer():
            n = 0
            while not stop.is_set():
                tag = 1000 + rng.randrange(5)
                content = f"round {round_number} write {n} " + "x" * rng.randrange(1500)
                sha = hashlib.sha256(content.encode()).hexdigest().upper()
                attempted.setdefault(tag, set()).add(sha)
                try:
                    reply = port.command(f'AT%CMNG=0,{tag},0,"{content}"', timeout=2)
                except (TimeoutError, OSError):
                    return
                if reply[-1] == "OK":
                    acknowledged[tag] = sha
                n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(rng.uniform(0.05, 0.4))
        device.process.send_signal(signal.SIGKILL)
        device.process.wait()
        stop.set()
        thread.join()
        port.close()

        survivor = start_device(state_dir=state, seed=1)
        rows = listed(survivor)
        for tag, sha in acknowledged.items():
            # Either the last acknowledged write or the one in flight when the process died.
            assert rows[(tag, "ROOT_CA_CERT")] in attempted[tag], (tag, rows)
        for (tag, kind), sha in rows.items():
            if tag < 4294967292:
                assert sha in attempted[tag]
        acknowledged = {tag: rows[(tag, "ROOT_CA_CERT")] for tag in acknowledged}
        survivor.stop()
    assert len(acknowledged) == 5
