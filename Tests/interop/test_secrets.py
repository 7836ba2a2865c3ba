"""Secrets: keys nobody can recompute from public values, reproducible --seed devices that say so,
and private, durable secret files — with the real nrfcredstore and openssl."""
import base64
import os
import re
import shutil
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from at_port import ATPort
from conftest import run_tool
from hub_emulator import HubProcess
from nrfsim_device import DeviceProcess
from readonly_dir import read_only_error, readonly_prefix, restore

KEY_TAG = 16842753
MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
M1, M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def mix(state):
    """SplitMix64's output function."""
    z = state
    z = ((z ^ (z >> 30)) * M1) & MASK64
    z = ((z ^ (z >> 27)) * M2) & MASK64
    return z ^ (z >> 31)


def unmix(output):
    """The state whose SplitMix64 output is `output`: every step of `mix` is invertible."""
    def unshift(value, shift):
        x = value
        for _ in range(64 // shift + 1):
            x = value ^ (x >> shift)
        return x
    z = unshift(output, 31)
    z = unshift((z * pow(M2, -1, 1 << 64)) & MASK64, 27)
    return unshift((z * pow(M1, -1, 1 << 64)) & MASK64, 30)


def candidate_keys(device_uuid):
    """What an attacker who sees only the certificate's CN computes, if the UUID and the keys share a SplitMix64
    stream: the UUID's second half is one output (less the two variant bits); the keys drawn after it follow."""
    uuid = bytes.fromhex(device_uuid.replace("-", ""))
    keys = []
    for lost in range(4):
        output = int.from_bytes(uuid[8:16], "little")
        output = (output & ~0xC0) | (lost << 6)
        state = unmix(output)
        for _ in range(2):  # the identity key, then the first %KEYGEN key
            scalar = b""
            for _ in range(4):
                state = (state + GAMMA) & MASK64
                scalar += mix(state).to_bytes(8, "little")
            value = int.from_bytes(scalar, "big")
            if 0 < value < P256_ORDER:
                keys.append(ec.derive_private_key(value, ec.SECP256R1()).public_key().public_numbers())
    return keys


def generate(device, tmp_path, name):
    """`nrfcredstore … generate`: %KEYGEN in the modem; returns the CSR."""
    path = tmp_path / name
    result = run_tool("nrfcredstore", device.pty, "generate", str(KEY_TAG), str(path), device=device)
    assert result.returncode == 0, result.stdout + result.stderr
    return x509.load_der_x509_csr(path.read_bytes())


def identity_public_key(device):
    """The device identity public key, as `AT%CMNG=2,4294967294,6` gives it to anyone on the AT interface."""
    port = ATPort(device.pty)
    try:
        text = "\n".join(port.command("AT%CMNG=2,4294967294,6"))
    finally:
        port.close()
    pem = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", text, re.S).group(0)
    return serialization.load_pem_public_key(pem.encode()).public_numbers()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_keys_cannot_be_recomputed_from_the_device_uuid(start_device, tmp_path):
    first = start_device(state_dir=tmp_path / "a" / "device")
    second = start_device(state_dir=tmp_path / "b" / "device")
    csr = generate(first, tmp_path, "a.der")
    cn = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == first.device_uuid
    candidates = candidate_keys(cn)
    assert len(candidates) >= 4
    assert csr.public_key().public_numbers() not in candidates, "the %KEYGEN key follows from the certificate's CN"
    assert identity_public_key(first) not in candidates, "the identity key follows from the device UUID"
    # Two devices started alike (no --seed) share no key.
    other = generate(second, tmp_path, "b.der")
    assert other.public_key().public_numbers() != csr.public_key().public_numbers()
    assert identity_public_key(second) != identity_public_key(first)
    assert "--seed" not in "\n".join(first.banner) + first.stderr()


def test_seeded_devices_are_reproducible_and_warn(start_device, tmp_path):
    devices = [start_device(state_dir=tmp_path / name / "device", seed=4242) for name in ("a", "b")]
    csrs = [generate(device, tmp_path, "%d.der" % i) for i, device in enumerate(devices)]
    assert devices[0].device_uuid == devices[1].device_uuid and devices[0].imei == devices[1].imei
    assert csrs[0].public_key().public_numbers() == csrs[1].public_key().public_numbers()
    assert identity_public_key(devices[0]) == identity_public_key(devices[1])
    assert csrs[0].public_key().public_numbers() not in candidate_keys(devices[0].device_uuid)
    for device in devices:
        warning = "--seed given: this device's keys are derived from the seed and reproducible; for test use only"
        assert "WARNING: " + warning in device.banner
        assert warning in device.stderr()
        assert "4242" not in "\n".join(device.banner) + device.stderr()
    other = start_device(state_dir=tmp_path / "c" / "device", seed=4243)
    assert other.device_uuid != devices[0].device_uuid
    assert generate(other, tmp_path, "c.der").public_key().public_numbers() != csrs[0].public_key().public_numbers()


def test_device_secret_files_are_private_and_loose_ones_are_named(start_device, tmp_path):
    state = tmp_path / "new" / "device"
    device = start_device(state_dir=state)
    generate(device, tmp_path, "k.der")
    assert mode(state) == 0o700
    assert mode(state / "modem-nvm.json") == 0o600
    device.stop()
    os.chmod(state / "modem-nvm.json", 0o644)
    again = start_device(state_dir=state)
    assert re.search(r"%s holds secrets but has mode 0644: readable by others; run chmod 600" % re.escape(
        str(state / "modem-nvm.json")), again.stderr())


def test_modem_store_write_failure_names_the_file_and_keeps_the_old_store(start_device, tmp_path):
    state = tmp_path / "ro" / "device"
    device = start_device(state_dir=state)
    port = ATPort(device.pty)
    try:
        assert port.command('AT%CMNG=0,7,0,"kept"')[-1] == "OK"
    finally:
        port.close()
    device.stop()
    before = (state / "modem-nvm.json").read_bytes()
    try:
        prefix = readonly_prefix(state, writable=[state / "pyserial-shim"])
        locked = DeviceProcess("nrf9161dk/nrf9161/ns", state, prefix=prefix, startup_timeout=5.0)
        try:
            port = ATPort(locked.pty)
            try:
                port.command("AT+CMEE=1")
                assert port.command('AT%CMNG=0,8,0,"lost"')[-1] == "ERROR"
                assert port.command("AT%CMNG=1,8") == ["OK"]
                assert port.command("AT%CMNG=1,7")[0].startswith("%CMNG: 7,0,")
            finally:
                port.close()
            log = locked.stderr()
            store = str(state / "modem-nvm.json")
            line = next(l for l in log.splitlines() if "modem store not written" in l)
            assert "cannot write %s: open %s.tmp: " % (store, store) in line and read_only_error(line), line
        finally:
            locked.kill()
    finally:
        restore(state)
    assert (state / "modem-nvm.json").read_bytes() == before


def test_hub_secret_files_are_private_and_loose_ones_are_named(start_hub, tmp_path):
    data = tmp_path / "fresh" / "hub"
    hub = start_hub(data_dir=data)
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    assert mode(data) == 0o700
    for name in ("server-root-ca-key.pem", "server-key.pem", "admin-token", "hub.sqlite"):
        assert mode(data / name) == 0o600, name
    for name in ("hub.sqlite-wal", "hub.sqlite-shm"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, name
    assert mode(data / "server-root-ca.pem") == 0o644  # what clients must trust: public
    assert hub.stop() == 0
    for name in ("admin-token", "server-key.pem"):
        os.chmod(data / name, 0o640)
    again = start_hub(data_dir=data)
    for name in ("admin-token", "server-key.pem"):
        assert "%s holds secrets but has mode 0640" % (data / name) in again.log()


def test_hub_show_has_no_keys_and_connection_string_show_does(hub):
    shown = hub.az_json("iot", "hub", "show", "-n", "myhub")
    assert shown["properties"]["authorizationPolicies"] is None
    assert "SharedAccessKey=" in hub.owner_connection_string()


def test_hub_on_a_read_only_data_dir_names_the_file_and_changes_nothing(start_hub, tmp_path, loopback):
    data = tmp_path / "ro" / "hub"
    hub = start_hub(data_dir=data)
    hub.az("iot", "hub", "create", "--resource-group", "rg", "--name", "myhub")
    assert hub.stop() == 0
    os.remove(data / "admin-token")
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    try:
        with pytest.raises(RuntimeError) as failure:
            HubProcess(data, loopback, prefix=readonly_prefix(data))
    finally:
        restore(data)
    line = next(l for l in str(failure.value).splitlines() if "cannot start the emulator" in l)
    assert str(data / "hub.sqlite") in line and read_only_error(line), line
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
    # Writable again, it starts, makes a new admin token, and keeps its hub.
    again = HubProcess(data, loopback)
    try:
        assert again.az_json("iot", "hub", "show", "-n", "myhub")["name"] == "myhub"
        assert mode(data / "admin-token") == 0o600
    finally:
        again.kill()
