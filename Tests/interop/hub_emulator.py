"""Starting `nrfsim hub` for tests, and running `nrfsim az` / `nrfsim cert-tool` against it."""
import json
import os
import pathlib
import re
import signal
import subprocess
import time

from nrfsim_device import NRFSIM

MQTT_PORT = 8883  # the Azure SDKs cannot dial another port
HTTPS_PORT = 8443


class HubProcess:
    """`nrfsim hub` listening on `address` (tests give each its own, see loopback.py) on the standard ports."""

    def __init__(self, data_dir, address, extra=(), prefix=(), private_mounts=False, mqtt_port=MQTT_PORT):
        """`private_mounts`: `prefix` runs the hub in a mount namespace of its own (see small_disk.py), so the
        paths it prints and its data directory are read through its /proc/<pid>/root. `mqtt_port` 0: a free port
        (in `self.mqtt_port`), for a relay in front of it on 8883."""
        self.data_dir = pathlib.Path(data_dir)
        self.private_mounts = private_mounts
        self.address = address
        self.log_path = self.data_dir.parent / (self.data_dir.name + ".log")
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [*prefix, NRFSIM, "hub", "--data-dir", str(self.data_dir), "--host", address, "--mqtt-port", str(mqtt_port),
             "--https-port", str(HTTPS_PORT), "--log-level", "info", *extra],
            stdout=subprocess.PIPE, stderr=self._log)
        banner = b""
        deadline = time.monotonic() + 15
        while b"Server root CA:" not in banner:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.kill()
                raise RuntimeError("hub did not start:\n%s\n%s" % (banner.decode(), self.log()))
            line = self.process.stdout.readline()
            banner += line
        self.banner = banner.decode()
        listening = re.search(r"mqtts://%s:(\d+) https://%s:%d" % (re.escape(address), re.escape(address), HTTPS_PORT), self.banner)
        assert listening and (mqtt_port == 0 or int(listening.group(1)) == mqtt_port), self.banner
        self.mqtt_port = int(listening.group(1))
        self.root_ca_path = self.seen(re.search(r"Server root CA: (\S+)", self.banner).group(1))
        self.root_ca = open(self.root_ca_path).read()

    def seen(self, path):
        """`path`, which the hub names, as this process reaches it."""
        if not self.private_mounts:
            return str(path)
        return "/proc/%d/root%s" % (self.process.pid, os.path.abspath(str(path)))

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        self._log.close()
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
        if not self._log.closed:
            self._log.close()

    def open_fds(self):
        return len(os.listdir("/proc/%d/fd" % self.process.pid))

    def az_env(self):
        """The environment `nrfsim az` finds this emulator by."""
        return dict(os.environ, NRFSIM_HUB_DIR=self.seen(self.data_dir), NRFSIM_HUB_HOST=self.address,
                    NRFSIM_HUB_PORT=str(HTTPS_PORT))

    def az(self, *args, check=True, cwd=None):
        result = subprocess.run([NRFSIM, "az", *args], capture_output=True, text=True, env=self.az_env(), cwd=cwd,
                                timeout=120)
        if check:
            assert result.returncode == 0, "nrfsim az %s failed:\n%s%s" % (" ".join(args), result.stdout, result.stderr)
        return result

    def az_json(self, *args, cwd=None):
        out = self.az(*args, cwd=cwd).stdout
        return json.loads(out) if out.strip() else None

    def owner_connection_string(self, hub="myhub"):
        """The iothubowner connection string with the emulator's HTTPS address as the host (azure-iot-hub's option A)."""
        cs = self.az_json("iot", "hub", "connection-string", "show", "-n", hub)["connectionString"]
        return re.sub(r"HostName=[^;]+", "HostName=%s:%d" % (self.address, HTTPS_PORT), cs)


def cert_tool(cwd, *args):
    result = subprocess.run([NRFSIM, "cert-tool", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout
