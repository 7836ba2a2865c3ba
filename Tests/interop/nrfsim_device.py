"""A running `nrfsim device`, for tests and benchmarks."""
import os
import pathlib
import re
import select
import signal
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
NRFSIM = os.environ.get("NRFSIM_BIN", str(REPO / ".build" / "debug" / "nrfsim"))


class DeviceProcess:
    """Starts `nrfsim device` and parses what it prints on stdout."""

    def __init__(self, board, state_dir, seed=None, extra=(), startup_timeout=2.0, prefix=()):
        args = [*prefix, NRFSIM, "device", "--board", board, "--app", "at_client", "--state-dir", str(state_dir)]
        if seed is not None:
            args += ["--seed", str(seed)]
        args += list(extra)
        self.state_dir = pathlib.Path(state_dir)
        self.started_at = time.monotonic()
        self.state_dir.parent.mkdir(parents=True, exist_ok=True)
        # The log goes to a file: a pipe nobody drains would block the device once it fills.
        self.log_path = self.state_dir.parent / f"{self.state_dir.name}.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log)
        self.banner = []
        self.pty = None
        deadline = self.started_at + startup_timeout
        buffer = ""
        out = self.process.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([out], [], [], 0.02)
            if ready:
                chunk = os.read(out, 65536)
                buffer += chunk.decode("utf-8", "replace")
            match = re.search(r"^AT interface: (/dev/pts/\d+)$", buffer, re.M)
            if match and "nrfcredstore /dev/pts" in buffer:
                self.pty = match.group(1)
                break
            if self.process.poll() is not None and not ready:
                break
        self.startup_seconds = time.monotonic() - self.started_at
        self.banner = buffer.splitlines()
        if self.pty is None:
            self.kill()
            raise RuntimeError(
                f"device did not print its AT interface within {startup_timeout} s:\n{buffer}\n{self.stderr()}"
            )
        self.imei = re.search(r"IMEI: (\d{15})", buffer).group(1)
        self.device_uuid = re.search(r"device UUID: ([0-9a-f-]{36})", buffer).group(1)
        self.shim_dir = pathlib.Path(re.search(r"export PYTHONPATH=(\S+)", buffer).group(1))

    def stderr(self):
        """The device's log so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig` and returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stdout.close()
        self._log.close()
