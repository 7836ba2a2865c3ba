#!/usr/bin/env python3
"""`make run`: the seed's whole DPS workflow on this machine, through the real interfaces.

It starts nrfsim's local IoT Hub + DPS emulator, makes the test PKI with `nrfsim cert-tool`, sets up DPS with
`nrfsim az` (proof of possession, an enrollment group for the sub-CA), provisions a virtual nRF9161 DK's modem with
the real `nrfcredstore` (key generated in the modem, CN = device UUID), boots the Azure IoT Hub sample with DPS and
watches it get assigned, connect and send telemetry. Then it invokes `led`, changes `telemetryInterval` and sends a
cloud-to-device message, and shows the device's reactions. Each step prints the command a user would type.

A second run reuses the provisioned state and connects without DPS (the device already holds its assignment).
`--until connected,telemetry=3` stops after those milestones (CI); otherwise it streams until Ctrl-C.
"""
import argparse
import json
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
BOARD = "nrf9161dk/nrf9161/ns"
HUB, DPS, GROUP, RG = "myhub", "mydps", "nrfsim-devices", "nrfsim-rg"
HUB_HOST = HUB + ".azure-devices.net"
EVENT_INTERVAL = 5
DEFAULT_ADDRESS = "127.0.0.1"


class Demo:
    def __init__(self, args):
        self.nrfsim = str(pathlib.Path(args.nrfsim).resolve())
        self.state = pathlib.Path(args.state).resolve()
        self.pki = self.state / "pki"
        self.until = parse_until(args.until)
        self.address = args.address
        self.step_number = 0
        self.processes = []
        self.env = dict(os.environ, NRFSIM_HUB_DIR=str(self.state / "hub"), NRFSIM_HUB_HOST=self.address)

    # --- output -----------------------------------------------------------------------------------------------
    def step(self, title, manual=None):
        self.step_number += 1
        print("\n\033[1m[%d] %s\033[0m" % (self.step_number, title), flush=True)
        for line in ([manual] if isinstance(manual, str) else manual or []):
            print("    $ " + line, flush=True)

    def note(self, text):
        print("    " + text, flush=True)

    # --- processes --------------------------------------------------------------------------------------------
    def run(self, *args, cwd=None, tool=None):
        command = [str(VENV_BIN / tool)] + list(args) if tool else [self.nrfsim] + list(args)
        result = subprocess.run(command, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=180)
        if result.returncode != 0:
            raise SystemExit("failed: %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
        return result.stdout

    def az(self, *args, cwd=None):
        out = self.run("az", *args, cwd=cwd)
        return json.loads(out) if out.strip() else None

    def start(self, args, name, env=None):
        process = subprocess.Popen([self.nrfsim] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=env or self.env, text=True, bufsize=1)
        console = Console(process, name)
        self.processes.append(console)
        return console

    def stop_all(self):
        for console in reversed(self.processes):
            console.stop()
        self.processes = []

    # --- the workflow -----------------------------------------------------------------------------------------
    def main(self):
        self.state.mkdir(parents=True, exist_ok=True)
        self.pki.mkdir(exist_ok=True)
        provisioned = (self.state / "demo.json").exists()
        host = [] if self.address == DEFAULT_ADDRESS else ["--host", self.address]
        self.step("Start the local IoT Hub and DPS emulator",
                  " ".join(["nrfsim hub --data-dir %s" % (self.state / "hub")] + host))
        hub = self.start(["hub", "--data-dir", str(self.state / "hub"), "--dps-retry-after", "1"] + host, "hub")
        match = hub.wait_for(r"Server root CA: (\S+)", 30)
        self.server_root = match.group(1)
        self.note("server root CA (provision it to the modem as ROOT_CA_CERT): " + self.server_root)
        if provisioned:
            settings = json.loads((self.state / "demo.json").read_text())
            self.note("state/demo.json exists: the cloud and the device were set up by an earlier run")
        else:
            settings = self.set_up()
            (self.state / "demo.json").write_text(json.dumps(settings, indent=2))
        self.boot(settings, provisioned)

    def set_up(self):
        self.step("Create the IoT hub and the DPS instance, and link them", [
            "nrfsim az iot hub create --resource-group %s --name %s --sku F1 --partition-count 2" % (RG, HUB),
            "nrfsim az iot dps create --name %s --resource-group %s" % (DPS, RG),
            "nrfsim az iot dps linked-hub create --dps-name %s --hub-name %s --resource-group %s" % (DPS, HUB, RG)])
        self.az("iot", "hub", "create", "--resource-group", RG, "--name", HUB, "--sku", "F1", "--partition-count", "2")
        self.az("iot", "dps", "create", "--name", DPS, "--resource-group", RG)
        self.az("iot", "dps", "linked-hub", "create", "--dps-name", DPS, "--hub-name", HUB, "--resource-group", RG)
        scope = self.az("iot", "dps", "show", "--name", DPS, "--query", "properties.idScope")
        self.note("ID scope: " + scope)

        self.step("Make the test root and subordinate CAs", ["nrfsim cert-tool root_ca", "nrfsim cert-tool sub_ca"])
        self.run("cert-tool", "root_ca", cwd=self.pki)
        self.run("cert-tool", "sub_ca", cwd=self.pki)

        self.step("Proof of possession of the root CA in DPS", [
            "nrfsim az iot dps certificate create --dps-name %s --resource-group %s --name root --path ca/root-ca-cert.pem" % (DPS, RG),
            "nrfsim az iot dps certificate generate-verification-code ... --certificate-name root --etag <etag>",
            "nrfsim cert-tool client_key; nrfsim cert-tool csr --common-name <verification code>; nrfsim cert-tool sign_root",
            "nrfsim az iot dps certificate verify ... --certificate-name root --etag <etag> --path certs/client-cert.pem"])
        created = self.az("iot", "dps", "certificate", "create", "--dps-name", DPS, "--resource-group", RG, "--name", "root",
                          "--path", "ca/root-ca-cert.pem", cwd=self.pki)
        code = self.az("iot", "dps", "certificate", "generate-verification-code", "--dps-name", DPS, "--resource-group", RG,
                       "--certificate-name", "root", "--etag", created["etag"])
        self.run("cert-tool", "client_key", cwd=self.pki)
        self.run("cert-tool", "csr", "--common-name", code["properties"]["verificationCode"], cwd=self.pki)
        self.run("cert-tool", "sign_root", cwd=self.pki)
        verified = self.az("iot", "dps", "certificate", "verify", "--dps-name", DPS, "--resource-group", RG,
                           "--certificate-name", "root", "--etag", code["etag"], "--path", "certs/client-cert.pem", cwd=self.pki)
        self.note("verified: %s" % verified["properties"]["isVerified"])

        self.step("Enrollment group for devices signed by the sub-CA",
                  "nrfsim az iot dps enrollment-group create --dps-name %s --resource-group %s --enrollment-id %s "
                  "--certificate-path ca/sub-ca-cert.pem --provisioning-status enabled --iot-hubs %s --allocation-policy static"
                  % (DPS, RG, GROUP, HUB_HOST))
        self.az("iot", "dps", "enrollment-group", "create", "--dps-name", DPS, "--resource-group", RG, "--enrollment-id", GROUP,
                "--certificate-path", "ca/sub-ca-cert.pem", "--provisioning-status", "enabled", "--iot-hubs", HUB_HOST,
                "--allocation-policy", "static", cwd=self.pki)

        device_dir = self.state / "device"
        at_client = self.start(["device", "--board", BOARD, "--app", "at_client", "--state-dir", str(device_dir)], "at_client")
        pty = at_client.wait_for(r"^AT interface: (\S+)", 20).group(1)
        shim = at_client.wait_for(r"export PYTHONPATH=(\S+)", 5).group(1)
        uuid = at_client.wait_for(r"device UUID: ([0-9a-f-]{36})", 5).group(1)
        env = dict(self.env, PYTHONPATH=shim)
        self.step("Generate the device key in the modem (%KEYGEN over AT; the CSR's CN is the device UUID)", [
            "nrfsim device --board %s --app at_client --state-dir %s   # AT interface: %s" % (BOARD, device_dir, pty),
            "export PYTHONPATH=%s" % shim,
            "nrfcredstore %s generate 10 certs/client-csr.der" % pty])
        csr_der = self.pki / "certs" / "client-csr.der"
        tool(env, "nrfcredstore", pty, "generate", "10", str(csr_der))
        subprocess.run(["openssl", "req", "-inform", "DER", "-in", str(csr_der), "-out", str(self.pki / "certs/client-csr.pem")],
                       check=True, capture_output=True)
        self.note("device UUID (= device id and DPS registration id): " + uuid)

        self.step("Sign the device certificate with the sub-CA", [
            "openssl req -inform DER -in certs/client-csr.der -out certs/client-csr.pem", "nrfsim cert-tool sign"])
        self.run("cert-tool", "sign", cwd=self.pki)
        chain = self.pki / "device-chain.pem"
        chain.write_text((self.pki / "certs/client-cert.pem").read_text() + (self.pki / "ca/sub-ca-cert.pem").read_text())

        self.step("Write the certificate chain and the server root to the modem (%CMNG)", [
            "cat certs/client-cert.pem ca/sub-ca-cert.pem > device-chain.pem",
            "nrfcredstore %s write 10 CLIENT_CERT device-chain.pem" % pty,
            "nrfcredstore %s write 10 ROOT_CA_CERT %s" % (pty, self.server_root)])
        tool(env, "nrfcredstore", pty, "write", "10", "CLIENT_CERT", str(chain))
        tool(env, "nrfcredstore", pty, "write", "10", "ROOT_CA_CERT", self.server_root)
        self.note(tool(env, "nrfcredstore", pty, "list", "--tag", "10").strip().replace("\n", "\n    "))
        at_client.stop()
        self.processes.remove(at_client)
        return {"id_scope": scope, "device_uuid": uuid}

    def boot(self, settings, provisioned):
        defines = ['CONFIG_AZURE_IOT_HUB_DPS_ID_SCOPE="%s"' % settings["id_scope"],
                   "CONFIG_AZURE_IOT_HUB_SAMPLE_DEVICE_ID_USE_HW_ID=y", "CONFIG_HW_ID_LIBRARY_SOURCE_UUID=y",
                   "CONFIG_SIM_EVENT_INTERVAL_SEC=%d" % EVENT_INTERVAL]
        if self.address != DEFAULT_ADDRESS:
            defines.append('CONFIG_SIM_LOCAL_ADDRESS="%s"' % self.address)
        args = ["device", "--board", BOARD, "--app-dir", str(REPO), "--state-dir", str(self.state / "device"),
                "--conf", str(REPO / "dps.conf"), "--log-level", "warning"]
        for define in defines:
            args += ["-D", define]
        self.step("Boot the Azure IoT Hub sample with DPS" + (" (already assigned: DPS is skipped)" if provisioned else ""),
                  ["nrfsim device --board %s --conf dps.conf %s" % (BOARD, " ".join("-D " + shlex.quote(d) for d in defines)),
                   "# or put the same CONFIG_ lines in prj.conf"])
        device = self.start(args, "device")
        device.echo = True
        uuid = settings["device_uuid"]
        if provisioned:
            device.wait_for("Already assigned to an IoT hub, skipping DPS", 60)
        else:
            device.wait_for("DPS registration status: AZURE_IOT_HUB_DPS_REG_STATUS_ASSIGNED", 60)
            self.step("Assigned by DPS")
        device.wait_for("AZURE_IOT_HUB_EVT_CONNECTED", 60)
        self.step("Connected to the IoT hub")

        self.step("Telemetry flowing (the cloud's view)",
                  "nrfsim az iot hub monitor-events -n %s -d %s" % (HUB, uuid))
        monitor = self.start(["az", "iot", "hub", "monitor-events", "-n", HUB, "-d", uuid, "--timeout", "0"], "monitor")
        monitor.echo = True
        monitor.wait_for(r'"temperature"', 3 * EVENT_INTERVAL + 10)

        self.step("Invoke the led direct method",
                  "nrfsim az iot hub invoke-device-method -n %s -d %s --method-name led --method-payload 1" % (HUB, uuid))
        mark = device.mark()
        result = self.az("iot", "hub", "invoke-device-method", "-n", HUB, "-d", uuid, "--method-name", "led",
                         "--method-payload", "1")
        self.note("response: " + json.dumps(result))
        device.wait_for("Method name: led", 10, after=mark)

        self.step("Update the desired telemetryInterval",
                  "nrfsim az iot hub device-twin update -n %s -d %s --desired '{\"telemetryInterval\": %d}'" % (HUB, uuid, EVENT_INTERVAL - 2))
        mark = device.mark()
        self.az("iot", "hub", "device-twin", "update", "-n", HUB, "-d", uuid, "--desired",
                json.dumps({"telemetryInterval": EVENT_INTERVAL - 2}))
        device.wait_for("New telemetry interval has been applied: %d" % (EVENT_INTERVAL - 2), 20, after=mark)
        reported = self.az("iot", "hub", "device-twin", "show", "-n", HUB, "-d", uuid)["properties"]["reported"]
        self.note("reported: telemetryInterval = %s" % reported.get("telemetryInterval"))

        self.step("Send a cloud-to-device message with properties",
                  "nrfsim az iot device c2d-message send -n %s -d %s --data 'Hello from the cloud' --props 'color=blue'" % (HUB, uuid))
        mark = device.mark()
        self.az("iot", "device", "c2d-message", "send", "-n", HUB, "-d", uuid, "--data", "Hello from the cloud",
                "--props", "color=blue")
        device.wait_for("Received payload: Hello from the cloud", 20, after=mark)

        telemetry = self.until.get("telemetry", 0)
        if telemetry:
            device.wait_for_count("Event was successfully sent", telemetry, 60)
        if self.until:
            self.step("Done (--until %s)" % ",".join(self.until_text()))
            return
        self.step("Streaming; Ctrl-C stops the device and the emulator")
        while all(console.process.poll() is None for console in self.processes):
            time.sleep(0.5)

    def until_text(self):
        return ["%s=%s" % (k, v) if v is not True else k for k, v in self.until.items()]


class Console:
    """Drains a process's output on a thread; prints it when `echo` is set; lets the demo wait for lines."""

    def __init__(self, process, name):
        self.process = process
        self.name = name
        self.echo = False
        self.lines = []
        self.condition = threading.Condition()
        threading.Thread(target=self.drain, daemon=True).start()

    def drain(self):
        for line in iter(self.process.stdout.readline, ""):
            line = line.rstrip("\n")
            with self.condition:
                self.lines.append(line)
                self.condition.notify_all()
            if self.echo:
                print("    %-7s| %s" % (self.name, line), flush=True)
        with self.condition:
            self.condition.notify_all()

    def mark(self):
        with self.condition:
            return len(self.lines)

    def wait_for(self, pattern, timeout, after=0):
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for line in self.lines[after:]:
                    match = regex.search(line)
                    if match:
                        return match
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("%s: no line matching %r within %d s:\n%s" % (
                        self.name, pattern, timeout, "\n".join(self.lines[-40:])))
                self.condition.wait(0.2)

    def wait_for_count(self, text, count, timeout):
        deadline = time.monotonic() + timeout
        with self.condition:
            while sum(text in line for line in self.lines) < count:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("%s: fewer than %d lines with %r within %d s" % (self.name, count, text, timeout))
                self.condition.wait(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def tool(env, name, *args):
    result = subprocess.run([str(VENV_BIN / name)] + list(args), env=env, capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        raise SystemExit("failed: %s %s\n%s%s" % (name, " ".join(args), result.stdout, result.stderr))
    return result.stdout


def parse_until(text):
    until = {}
    for part in filter(None, (text or "").split(",")):
        name, _, value = part.partition("=")
        if name not in ("connected", "telemetry"):
            raise SystemExit("--until: unknown milestone %r (connected, telemetry=N)" % name)
        until[name] = int(value) if value else True
    return until


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nrfsim", default=str(REPO / ".build" / "debug" / "nrfsim"))
    parser.add_argument("--state", default="state", help="where the emulator, PKI and device keep their state")
    parser.add_argument("--until", help="stop after these milestones, e.g. connected,telemetry=3")
    parser.add_argument("--address", default=DEFAULT_ADDRESS,
                        help="the address the emulator listens on (nrfsim hub --host) and the device's resolver sends "
                             "the hub and DPS to (CONFIG_SIM_LOCAL_ADDRESS); the tests give each run one of its own")
    args = parser.parse_args()
    demo = Demo(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        demo.main()
    except KeyboardInterrupt:
        print()
    finally:
        demo.stop_all()


if __name__ == "__main__":
    main()
