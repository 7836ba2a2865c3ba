#!/usr/bin/env python3
"""Benchmark: the virtual modem's AT latency over the pty, and a real nrfcredstore session against its own sleeps.

Prints:
  * round-trip latency p50/p99 of `AT` and of a 2 KB `%CMNG` write, measured over the pseudo-terminal;
  * wall time of `nrfcredstore generate` + two `write`s, next to the time the tool itself spends in time.sleep()
    (counted by wrapping time.sleep in the tool's process) and its interpreter start-up.
The goal is that the modem adds under 1 ms per command at p99.

Usage: NRFSIM_BIN=.build/release/nrfsim .venv/bin/python benchmarks/modem_at_latency.py [--iterations N]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop"))
from at_port import ATPort  # noqa: E402
from nrfsim_device import DeviceProcess  # noqa: E402

VENV_BIN = REPO / ".venv" / "bin"

SLEEP_COUNTER = """
import atexit, sys, time
exec(open({shim!r}).read())
_slept = [0.0]
_real_sleep = time.sleep
def _counting_sleep(seconds):
    _slept[0] += seconds
    _real_sleep(seconds)
time.sleep = _counting_sleep
atexit.register(lambda: sys.stderr.write("NRFSIM_SLEPT %.6f\\n" % _slept[0]))
"""


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def round_trips(port, line, count):
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        reply = port.command(line)
        samples.append((time.perf_counter() - start) * 1000)
        assert reply[-1] == "OK", reply
    return samples


def replay_dialogue(port, certificate):
    """Seconds the modem needs for the AT lines that `generate` + two `write`s send (nrfcredstore 2.1.0's prelude in
    `nrfcredstore/command_interface.py`: the `at AT+CGSN` shell probe, `AT+CGSN`, `AT+CMEE=1`, `AT+CFUN=4`)."""
    prelude = ["at AT+CGSN"] * 3 + ["AT+CGSN", "AT+CMEE=1", "AT+CFUN=4"]
    commands = (prelude + ["AT%CMNG=3,77,2", "AT%KEYGEN=77,2,0"] + prelude + [f'AT%CMNG=0,77,0,"{certificate}"']
                + prelude + [f'AT%CMNG=0,77,1,"{certificate}"'])
    start = time.perf_counter()
    for line in commands:
        port.command(line)
    return time.perf_counter() - start


def timed_tool(args, env):
    start = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    slept = float(next(l.split()[1] for l in result.stderr.splitlines() if l.startswith("NRFSIM_SLEPT")))
    return wall, slept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=2000)
    options = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="nrfsim-bench-"))
    peer = subprocess.Popen([sys.executable, str(REPO / "benchmarks" / "null_modem.py")], stdout=subprocess.PIPE,
                            text=True)
    try:
        peer_port = ATPort(peer.stdout.readline().strip())
        floor_at = round_trips(peer_port, "AT", options.iterations)
        floor_cmng = round_trips(peer_port, 'AT%CMNG=0,1000,0,"' + "A" * 2040 + '"', max(100, options.iterations // 4))
        peer_port.close()
    finally:
        peer.kill()
        peer.wait()
    device = DeviceProcess(board="nrf9161dk/nrf9161/ns", state_dir=work / "device", seed=1)
    try:
        port = ATPort(device.pty)
        port.command("AT+CFUN=4")
        at = round_trips(port, "AT", options.iterations)
        certificate = "-----BEGIN CERTIFICATE-----\n" + ("A" * 63 + "\n") * 31 + "-----END CERTIFICATE-----"
        assert 2000 <= len(certificate) <= 2100
        cmng = round_trips(port, f'AT%CMNG=0,1000,0,"{certificate}"', max(100, options.iterations // 4))
        dialogue = replay_dialogue(port, certificate)
        port.close()

        counter_dir = work / "counter"
        counter_dir.mkdir()
        (counter_dir / "sitecustomize.py").write_text(SLEEP_COUNTER.format(shim=str(device.shim_dir / "sitecustomize.py")))
        env = dict(os.environ, PYTHONPATH=str(counter_dir))
        ca = work / "ca.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", str(work / "ca.key"), "-subj", "/CN=bench", "-days", "1", "-out", str(ca)],
                       check=True, capture_output=True)
        tool = str(VENV_BIN / "nrfcredstore")
        startup, _ = timed_tool([tool, "--help"], env)
        steps = [
            [tool, device.pty, "generate", "16842753", str(work / "csr.der")],
            [tool, device.pty, "write", "16842753", "ROOT_CA_CERT", str(ca)],
            [tool, device.pty, "write", "16842753", "CLIENT_CERT", str(ca)],
        ]
        wall = slept = 0.0
        for step in steps:
            w, s = timed_tool(step, env)
            wall += w
            slept += s
    finally:
        device.stop()

    print("nrfsim VirtualModem AT benchmark (pty round trips, release build recommended)")
    print(f"  AT                     n={len(at):5d}  p50 {percentile(at, 50):.3f} ms  p99 {percentile(at, 99):.3f} ms  "
          f"mean {statistics.mean(at):.3f} ms")
    print(f"  %CMNG write (2 KB)     n={len(cmng):5d}  p50 {percentile(cmng, 50):.3f} ms  "
          f"p99 {percentile(cmng, 99):.3f} ms  mean {statistics.mean(cmng):.3f} ms")
    print(f"  peer (null modem: a pty answering OK, same client) AT p50 {percentile(floor_at, 50):.3f} ms  "
          f"p99 {percentile(floor_at, 99):.3f} ms; 2 KB line p50 {percentile(floor_cmng, 50):.3f} ms  "
          f"p99 {percentile(floor_cmng, 99):.3f} ms")
    added_at = percentile(at, 99) - percentile(floor_at, 99)
    added_cmng = percentile(cmng, 99) - percentile(floor_cmng, 99)
    print(f"  modem's added latency at p99: AT {added_at:.3f} ms, %CMNG write {added_cmng:.3f} ms "
          f"(goal < 1 ms; ratio modem/peer p99: AT {percentile(at, 99) / percentile(floor_at, 99):.2f}x, "
          f"%CMNG {percentile(cmng, 99) / percentile(floor_cmng, 99):.2f}x)")
    print(f"  nrfcredstore generate + 2 writes: wall {wall:.3f} s; the tool's own time.sleep() {slept:.3f} s "
          f"({slept / wall:.0%} of wall); interpreter start-up and imports 3 x {startup:.3f} s")
    print(f"  the same AT dialogue replayed straight to the modem: {dialogue * 1000:.1f} ms "
          f"({dialogue / wall:.2%} of the tool's wall time)")


if __name__ == "__main__":
    main()
