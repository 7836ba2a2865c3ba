"""`nrfsim device --app azure_iot_hub` for tests: its console is drained into a list of lines by a thread, and
tests wait for Zephyr log lines."""
import pathlib
import re
import signal
import subprocess
import threading
import time

from nrfsim_device import NRFSIM, REPO

LOG_LINE = re.compile(r"^\[(\d\d):(\d\d):(\d\d)\.(\d{3}),(\d{3})\] <(dbg|inf|wrn|err)> ([a-z0-9_]+): (.*)$")


class FirmwareProcess:
    """A booted virtual board running the Azure IoT Hub sample. `address` is where its resolver sends the hub, DPS
    and storage hostnames (CONFIG_SIM_LOCAL_ADDRESS; the Kconfig default, 127.0.0.1, when None)."""

    def __init__(self, state_dir, board="nrf9161dk/nrf9161/ns", app_dir=REPO, conf=(), defines=(), extra=(), seed=None,
                 address=None):
        self.state_dir = pathlib.Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        args = [NRFSIM, "device", "--board", board, "--app", "azure_iot_hub", "--state-dir", str(self.state_dir),
                "--app-dir", str(app_dir)]
        for fragment in conf:
            args += ["--conf", str(fragment)]
        if address is not None:
            args += ["-D", 'CONFIG_SIM_LOCAL_ADDRESS="%s"' % address]
        for define in defines:
            args += ["-D", define]
        if seed is not None:
            args += ["--seed", str(seed)]
        args += list(extra)
        self.args = args
        self.stderr_path = self.state_dir.parent / (self.state_dir.name + ".stderr")
        self._stderr = open(self.stderr_path, "ab")
        self.lines = []
        self._condition = threading.Condition()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.pty = None
        self.shim_dir = None
        if board.startswith("nrf91") or board.startswith("thingy91"):
            self.pty = self.wait_for(r"^AT interface: (/dev/pts/\d+)$", timeout=10).group(1)
            self.shim_dir = pathlib.Path(self.wait_for(r"export PYTHONPATH=(\S+)", timeout=5).group(1))
            self.device_uuid = self.wait_for(r"device UUID: ([0-9a-f-]{36})", timeout=5).group(1)
            self.imei = self.wait_for(r"IMEI: (\d{15})", timeout=5).group(1)

    def _drain(self):
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._condition:
                self.lines.append((time.monotonic(), line))
                self._condition.notify_all()
        with self._condition:
            self._condition.notify_all()

    def text(self):
        with self._condition:
            return "\n".join(line for _, line in self.lines)

    def wait_for(self, pattern, timeout=30, after=0):
        """Waits for a console line (from index `after`) matching `pattern`; returns the match. The index of the
        line is stored in `self.last_index`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._condition:
            index = after
            while True:
                while index < len(self.lines):
                    match = regex.search(self.lines[index][1])
                    index += 1
                    if match:
                        self.last_index = index
                        self.last_time = self.lines[index - 1][0]
                        return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and index >= len(self.lines)):
                    raise AssertionError("no line matching %r within %s s; console:\n%s\nstderr:\n%s" % (
                        pattern, timeout, "\n".join(l for _, l in self.lines), self.stderr()))
                self._condition.wait(min(remaining, 0.2))

    def count(self, pattern):
        regex = re.compile(pattern)
        with self._condition:
            return sum(1 for _, line in self.lines if regex.search(line))

    def messages(self, module=None, after=0):
        """(level, module, message) of every Zephyr log line so far (from console line `after` on)."""
        result = []
        with self._condition:
            for _, line in self.lines[after:]:
                match = LOG_LINE.match(line)
                if match and (module is None or match.group(7) == module):
                    result.append((match.group(6), match.group(7), match.group(8)))
        return result

    def stderr(self):
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        if not self._stderr.closed:
            self._stderr.close()
        return self.process.returncode

    def kill(self):
        return self.stop(sig=signal.SIGKILL)


def lines_in_order(device, expected, after=0):
    """Asserts that `expected` (level, module, message) lines appear in this order among the device's log lines
    from console line `after` on."""
    logged = device.messages(after=after)
    position = 0
    for line in expected:
        while position < len(logged) and logged[position] != line:
            position += 1
        assert position < len(logged), "missing %r (after the earlier ones) in:\n%s" % (
            line, "\n".join(map(repr, logged)))
        position += 1
