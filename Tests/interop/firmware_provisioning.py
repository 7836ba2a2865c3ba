"""The seed's device set-up for the firmware tests: PKI with `nrfsim cert-tool`, the hub or DPS side with
`nrfsim az`, and the modem provisioned with the real `nrfcredstore` (key generated in the modem)."""
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conftest import run_tool
from hub_emulator import cert_tool

SEC_TAG = 10
HUB_HOST = "myhub.azure-devices.net"
UUID_DEFINES = ("CONFIG_AZURE_IOT_HUB_SAMPLE_DEVICE_ID_USE_HW_ID=y", "CONFIG_HW_ID_LIBRARY_SOURCE_UUID=y")


def nrfcredstore(device, *args):
    result = run_tool("nrfcredstore", device.pty, *args, device=device)
    assert result.returncode == 0, "nrfcredstore %s failed:\n%s%s" % (" ".join(args), result.stdout, result.stderr)
    return result.stdout


def make_pki(cwd):
    """`cert_tool.py root_ca` and `sub_ca` in `cwd`."""
    cert_tool(cwd, "root_ca")
    cert_tool(cwd, "sub_ca")


def verify_hub_root(hub, cwd, hub_name="myhub"):
    """The seed's proof of possession for the root CA on the hub."""
    created = hub.az_json("iot", "hub", "certificate", "create", "--hub-name", hub_name, "--name", "root",
                          "--path", "ca/root-ca-cert.pem", cwd=cwd)
    code = hub.az_json("iot", "hub", "certificate", "generate-verification-code", "--hub-name", hub_name,
                       "--name", "root", "--etag", created["etag"])
    cert_tool(cwd, "client_key")
    cert_tool(cwd, "csr", "--common-name", code["properties"]["verificationCode"])
    cert_tool(cwd, "sign_root")
    hub.az("iot", "hub", "certificate", "verify", "--hub-name", hub_name, "--name", "root", "--etag", code["etag"],
           "--path", "certs/client-cert.pem", cwd=cwd)


def provision_modem(device, cwd, server_root_pem, sign="sign", chain=True, sec_tag=SEC_TAG):
    """`nrfcredstore generate` (CSR with CN = the device UUID), `cert_tool.py sign`, then `nrfcredstore write` of the
    chain and the server root. Returns the leaf certificate's PEM."""
    cwd = pathlib.Path(cwd)
    (cwd / "certs").mkdir(exist_ok=True)
    der = cwd / "certs/client-csr.der"
    nrfcredstore(device, "generate", str(sec_tag), str(der))
    csr = x509.load_der_x509_csr(der.read_bytes())
    der.unlink()
    (cwd / "certs/client-csr.pem").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    cert_tool(cwd, sign)
    leaf = (cwd / "certs/client-cert.pem").read_text()
    chain_path = cwd / "device-chain.pem"
    chain_path.write_text(leaf + ((cwd / "ca/sub-ca-cert.pem").read_text() if chain else ""))
    root_path = cwd / "server-root.pem"
    root_path.write_text(server_root_pem)
    nrfcredstore(device, "write", str(sec_tag), "CLIENT_CERT", str(chain_path))
    nrfcredstore(device, "write", str(sec_tag), "ROOT_CA_CERT", str(root_path))
    return leaf
