"""The real nrfcredstore 2.1.0 against `nrfsim device`."""
import hashlib
import json
import re
import signal
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import run_tool, VENV_BIN

FACTORY = {(4294967294, "DEV_ID_PUB_KEY"), (4294967293, "NORDIC_ID_ROOT_CA"), (4294967292, "NORDIC_PUB_KEY")}


def nrfcredstore(device, *args):
    result = run_tool("nrfcredstore", device.pty, *args, device=device)
    assert result.returncode == 0, f"nrfcredstore {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def listed(device):
    """{(tag, type name): SHA} from `nrfcredstore list`."""
    rows = {}
    for line in nrfcredstore(device, "list").splitlines()[1:]:
        tag, kind, sha = line.split()
        rows[(int(tag), kind)] = sha
    return rows


def nrfcredstore_sha(path):
    """What nrfcredstore sends for a file (universal newlines, trailing whitespace stripped), hashed as the modem does."""
    with open(path) as f:
        text = f.read().rstrip()
    return hashlib.sha256(text.encode()).hexdigest().upper()


def make_files(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "ROOT_CA_CERT": tmp_path / "ca.pem",
        "CLIENT_CERT": tmp_path / "client.pem",
        "CLIENT_KEY": tmp_path / "key.pem",
        "PSK": tmp_path / "psk.txt",
    }
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp_path / "ca.key"), "-subj", "/CN=nrfsim test root", "-days", "2",
         "-out", str(files["ROOT_CA_CERT"])],
        check=True, capture_output=True)
    files["CLIENT_CERT"].write_text(files["ROOT_CA_CERT"].read_text().replace("\n", "\r\n"))
    files["CLIENT_KEY"].write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    files["PSK"].write_text("000102030405060708090a0b0c0d0e0f\n")
    return files


def test_startup_banner_and_clean_shutdown(start_device):
    device = start_device()
    assert device.startup_seconds < 2.0
    assert re.fullmatch(r"/dev/pts/\d+", device.pty)
    assert any(line == f"AT interface: {device.pty}" for line in device.banner)
    assert device.stop(signal.SIGINT) == 0
    device2 = start_device(state_dir=device.state_dir)
    assert device2.stop(signal.SIGTERM) == 0


def test_raw_pty_is_refused_without_the_shim_and_accepted_with_it(start_device):
    device = start_device()
    bare = subprocess.run([str(VENV_BIN / "nrfcredstore"), device.pty, "imei"], capture_output=True, text=True,
                          timeout=60)
    assert bare.returncode != 0 and "No device found" in bare.stderr + bare.stdout
    assert nrfcredstore(device, "imei").strip() == f"IMEI: {device.imei}"


def test_link_path_works(start_device, tmp_path):
    link = tmp_path / "ttyNRF"
    device = start_device(extra=["--link", str(link)])
    assert link.is_symlink() and str(link.resolve()) == device.pty
    result = run_tool("nrfcredstore", str(link), "imei", device=device)
    assert result.returncode == 0, result.stderr
    assert device.imei in result.stdout
    device.stop()
    assert not link.exists()


def test_imei_is_15_digits_with_luhn(start_device):
    device = start_device(seed=11)
    imei = nrfcredstore(device, "imei").split()[-1]
    assert imei == device.imei and re.fullmatch(r"\d{15}", imei)
    digits = [int(c) for c in imei]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    assert total % 10 == 0


def test_list_write_delete_deleteall(start_device, tmp_path):
    device = start_device()
    assert set(listed(device)) == FACTORY
    files = make_files(tmp_path)
    for kind, path in files.items():
        nrfcredstore(device, "write", "16842753", kind, str(path))
    rows = listed(device)
    for kind, path in files.items():
        assert rows[(16842753, kind)] == nrfcredstore_sha(path), kind
    nrfcredstore(device, "delete", "16842753", "PSK")
    assert (16842753, "PSK") not in listed(device)
    nrfcredstore(device, "write", "123", "ROOT_CA_CERT", str(files["ROOT_CA_CERT"]))
    nrfcredstore(device, "deleteall")
    assert set(listed(device)) == FACTORY


def test_delete_missing_fails_like_the_real_modem(start_device):
    device = start_device()
    result = run_tool("nrfcredstore", device.pty, "delete", "77", "CLIENT_CERT", device=device)
    assert result.returncode != 0
    assert "Failed to delete" in result.stderr + result.stdout


def test_attoken_parses_with_nrfcloud_utils(start_device):
    device = start_device(board="nrf9151dk/nrf9151/ns")
    token = nrfcredstore(device, "attoken").split()[-1]
    parsed = subprocess.run([str(VENV_BIN / "modem_credentials_parser"), "-a", token], capture_output=True,
                            text=True, timeout=60)
    assert parsed.returncode == 0, parsed.stderr
    assert device.device_uuid in parsed.stdout + parsed.stderr


def stored_private_key(device, tag):
    """The key the modem generated, read from its store file as only a test may, to compare public halves."""
    nvm = json.loads((device.state_dir / "modem-nvm.json").read_text())
    entry = next(e for e in nvm["credentials"]["entries"] if e["tag"] == tag and e["type"] == 2)
    import base64
    scalar = int.from_bytes(base64.b64decode(entry["content"]), "big")
    return ec.derive_private_key(scalar, ec.SECP256R1())


@pytest.mark.parametrize("attributes", [None, "CN=nrf-test-device,O=Nordic Semiconductor,C=NO"])
def test_generate_csr(start_device, tmp_path, attributes):
    device = start_device()
    csr_path = tmp_path / "csr.der"
    args = ["generate", "16842753", str(csr_path)]
    if attributes:
        args += ["--attributes", attributes]
    nrfcredstore(device, *args)
    verify = subprocess.run(["openssl", "req", "-inform", "DER", "-in", str(csr_path), "-verify", "-noout"],
                            capture_output=True, text=True)
    assert verify.returncode == 0 and "verify OK" in verify.stdout + verify.stderr
    csr = x509.load_der_x509_csr(csr_path.read_bytes())
    expected_cn = "nrf-test-device" if attributes else device.device_uuid
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == expected_cn
    if attributes:
        assert csr.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == "Nordic Semiconductor"
    assert (16842753, "CLIENT_KEY") in listed(device)
    key = stored_private_key(device, 16842753)
    assert key.public_key().public_numbers() == csr.public_key().public_numbers()
    # The key never leaves the modem over AT.
    from at_port import ATPort
    port = ATPort(device.pty)
    try:
        port.command("AT+CMEE=1")
        assert port.command("AT%CMNG=2,16842753,2")[-1] == "+CME ERROR: 514"
    finally:
        port.close()


def test_generate_on_existing_key_is_refused(start_device, tmp_path):
    device = start_device()
    nrfcredstore(device, "generate", "5", str(tmp_path / "a.der"))
    again = run_tool("nrfcredstore", device.pty, "generate", "5", str(tmp_path / "b.der"), device=device)
    assert again.returncode != 0
    nrfcredstore(device, "delete", "5", "CLIENT_KEY")
    nrfcredstore(device, "generate", "5", str(tmp_path / "b.der"))
