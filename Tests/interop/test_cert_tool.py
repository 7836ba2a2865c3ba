"""`nrfsim cert-tool` against the real outside tools: openssl verifies what it writes, Python's cryptography reads
the same names and extensions cert_tool.py writes, and it signs a CSR made by the virtual modem with nrfcredstore."""
import datetime
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import run_tool
from nrfsim_device import NRFSIM

SUBJECT = [(NameOID.COUNTRY_NAME, "US"), (NameOID.STATE_OR_PROVINCE_NAME, "Test"), (NameOID.LOCALITY_NAME, "Test"),
           (NameOID.ORGANIZATION_NAME, "Test Organization")]


def cert_tool(cwd, *args, check=True):
    result = subprocess.run([NRFSIM, "cert-tool", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def openssl(*args, cwd):
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)


def load(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def subject(name, cn):
    return [(a.oid, a.value) for a in name] == SUBJECT + [(NameOID.COMMON_NAME, cn)]


def test_seed_workflow_chain_verifies_with_openssl(tmp_path):
    """The guide's device-certificate steps with default paths: root_ca, sub_ca, client_key, csr, sign."""
    out = cert_tool(tmp_path, "root_ca").stdout
    assert "ca/root-ca-key.pem generated successfully!" in out and "Certificate saved as ca/root-ca-cert.pem" in out
    assert "WARNING: This certificate is for testing purposes only and should not be used in production." in out
    cert_tool(tmp_path, "sub_ca")
    cert_tool(tmp_path, "client_key")
    cert_tool(tmp_path, "csr", "--common-name", "my-device")
    out = cert_tool(tmp_path, "sign").stdout
    assert out == "Signing certificate with CN: my-device\nSigned client certificate saved as certs/client-cert.pem\n"
    verify = openssl("verify", "-CAfile", "ca/root-ca-cert.pem", "-untrusted", "ca/sub-ca-cert.pem",
                     "certs/client-cert.pem", cwd=tmp_path)
    assert verify.returncode == 0 and "certs/client-cert.pem: OK" in verify.stdout, verify.stdout + verify.stderr
    req = openssl("req", "-verify", "-in", "certs/client-csr.pem", "-noout", cwd=tmp_path)
    assert req.returncode == 0 and "verify OK" in req.stdout + req.stderr
    key = openssl("pkey", "-in", "certs/private-key.pem", "-noout", "-text", cwd=tmp_path)
    assert key.returncode == 0 and "prime256v1" in key.stdout

    root, sub, leaf = (load(tmp_path / p) for p in ("ca/root-ca-cert.pem", "ca/sub-ca-cert.pem", "certs/client-cert.pem"))
    assert subject(root.subject, "Test Root CA") and subject(sub.subject, "Subordinate CA") and subject(leaf.subject, "my-device")
    for cert in (root, sub, leaf):
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and cert.public_key().curve.name == "secp256r1"
        life = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert life == datetime.timedelta(days=365)
        assert abs((cert.not_valid_before_utc - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60
    for ca in (root, sub):
        assert [(e.oid, e.critical) for e in ca.extensions] == [(x509.oid.ExtensionOID.BASIC_CONSTRAINTS, True)]
        assert ca.extensions[0].value == x509.BasicConstraints(ca=True, path_length=None)
    ext = leaf.extensions
    assert ext.get_extension_for_class(x509.BasicConstraints).critical and not ext.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ext.get_extension_for_class(x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(leaf.public_key())
    assert ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value == \
        x509.AuthorityKeyIdentifier.from_issuer_public_key(sub.public_key())
    assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.key_encipherment
    assert not usage.value.content_commitment and not usage.value.key_cert_sign


def test_proof_of_possession_steps(tmp_path):
    """The guide's verification certificate: client_key, csr with the verification code, sign_root."""
    cert_tool(tmp_path, "root_ca", "--common-name", "My Root")
    cert_tool(tmp_path, "client_key")
    cert_tool(tmp_path, "csr", "--common-name", "0A1B2C3D4E5F")
    cert_tool(tmp_path, "sign_root")
    verify = openssl("verify", "-CAfile", "ca/root-ca-cert.pem", "certs/client-cert.pem", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert subject(load(tmp_path / "certs/client-cert.pem").subject, "0A1B2C3D4E5F")


def test_signs_a_csr_generated_in_the_virtual_modem(start_device, tmp_path):
    """nRF91 flow: the key is born in the modem (nrfcredstore generate), the CSR is converted to PEM and signed."""
    device = start_device()
    result = run_tool("nrfcredstore", device.pty, "generate", "10", str(tmp_path / "client-csr.der"), device=device)
    assert result.returncode == 0, result.stderr
    (tmp_path / "certs").mkdir()
    convert = openssl("req", "-inform", "DER", "-in", "client-csr.der", "-out", "certs/client-csr.pem", cwd=tmp_path)
    assert convert.returncode == 0, convert.stderr
    cert_tool(tmp_path, "root_ca")
    cert_tool(tmp_path, "sub_ca")
    out = cert_tool(tmp_path, "sign").stdout
    assert "Signing certificate with CN: %s" % device.device_uuid in out
    verify = openssl("verify", "-CAfile", "ca/root-ca-cert.pem", "-untrusted", "ca/sub-ca-cert.pem",
                     "certs/client-cert.pem", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize("args,message", [
    (["sign"], "cannot read ca/sub-ca-cert.pem: No such file or directory"),
    (["csr", "--common-name", "x"], "cannot read certs/private-key.pem: No such file or directory"),
    (["csr"], "Missing expected argument '--common-name <common-name>'"),
    (["sub_ca", "--root-key", "garbage.pem"], "garbage.pem is not a PEM EC P-256 private key"),
])
def test_bad_input_is_named(tmp_path, args, message):
    (tmp_path / "garbage.pem").write_bytes(b"\x00\x01not a key")
    result = cert_tool(tmp_path, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Fatal error" not in result.stderr
