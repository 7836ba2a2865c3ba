"""The real nrfcloud-utils 3.3.1 scripts against `nrfsim device`."""
import csv
import hashlib
import subprocess

from cryptography import x509

from conftest import run_tool
from test_nrfcredstore import listed


def make_ca(tmp_path):
    key, cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-subj", "/CN=nrfsim installer CA", "-days", "2", "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


def test_device_credentials_installer_with_keygen_and_verify(start_device, tmp_path):
    device = start_device(board="nrf9161dk/nrf9161/ns")
    ca, ca_key = make_ca(tmp_path)
    result = run_tool(
        "device_credentials_installer", "--port", device.pty, "-d", "--ca", str(ca), "--ca-key", str(ca_key),
        "--verify", "--coap", "--csv", str(tmp_path / "onboard.csv"), "-s", "-f", str(tmp_path) + "/",
        device=device, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Credential verification: PASS" in output
    assert "COSE digest matches payload" in output
    rows = list(csv.reader(open(tmp_path / "onboard.csv")))
    assert rows[0][0] == device.device_uuid
    stored = listed(device)
    assert {kind for (tag, kind) in stored if tag == 16842753} == {"ROOT_CA_CERT", "CLIENT_CERT", "CLIENT_KEY"}
    # The device certificate the installer signed is what the modem holds, byte for byte (CRLF and all).
    cert_files = list(tmp_path.glob(f"*{device.device_uuid}*_crt.pem"))
    assert cert_files, list(tmp_path.iterdir())
    pem = cert_files[0].read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    assert cert.subject.rfc4514_string() == f"CN={device.device_uuid}"


def test_device_credentials_installer_with_imei_id(start_device, tmp_path):
    device = start_device(board="thingy91x/nrf9151/ns")
    ca, ca_key = make_ca(tmp_path)
    result = run_tool(
        "device_credentials_installer", "--port", device.pty, "-d", "--ca", str(ca), "--ca-key", str(ca_key),
        "--id-str", "nrf-", "--id-imei", "--verify", "--term", "CR", "--csv", str(tmp_path / "onboard.csv"),
        device=device, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = list(csv.reader(open(tmp_path / "onboard.csv")))
    assert rows[0][0] == f"nrf-{device.imei}"


def test_gather_attestation_tokens_on_9151(start_device, tmp_path):
    device = start_device(board="nrf9151dk/nrf9151/ns")
    out = tmp_path / "tokens.csv"
    result = run_tool("gather_attestation_tokens", "--port", device.pty, "--csv", str(out), device=device,
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    imei, uuid, token, _timestamp = next(csv.reader(open(out)))
    assert imei == device.imei and uuid == device.device_uuid
    assert token.startswith("2dn3hQFQ")


def test_gather_attestation_tokens_refuses_9160_like_the_real_tool(start_device, tmp_path):
    device = start_device(board="nrf9160dk/nrf9160/ns")
    result = run_tool("gather_attestation_tokens", "--port", device.pty, "--csv", str(tmp_path / "t.csv"),
                      device=device, cwd=tmp_path)
    assert not (tmp_path / "t.csv").exists()
    assert "nRF9160" in result.stdout + result.stderr


def test_modem_credentials_parser_accepts_keygen_output(start_device):
    device = start_device()
    from at_port import ATPort
    port = ATPort(device.pty)
    try:
        reply = port.command("AT%KEYGEN=17,2,0", timeout=10)
    finally:
        port.close()
    keygen = reply[0].split('"')[1]
    result = subprocess.run([str(__import__("conftest").VENV_BIN / "modem_credentials_parser"), "-k", keygen],
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert device.device_uuid in output
    assert "COSE digest matches payload" in output
