"""The seed's DPS set-up through `nrfsim az` and `nrfsim cert-tool`, and a raw paho DPS client (the way the nRF
Connect SDK's library talks to DPS: an empty register payload, polling after `retry-after`)."""
import json
import queue
import shutil
import time

import paho.mqtt.client as mqtt

from hub_emulator import MQTT_PORT, cert_tool

HUB_HOST = "myhub.azure-devices.net"
DPS_HOST = "global.azure-devices-provisioning.net"


def create_dps(hub):
    """`az iot dps create` and `az iot dps linked-hub create`, as in the seed; returns the ID scope."""
    hub.az("iot", "dps", "create", "--name", "mydps", "--resource-group", "rg")
    hub.az("iot", "dps", "linked-hub", "create", "--dps-name", "mydps", "--hub-name", "myhub", "--resource-group", "rg")
    return json.loads(hub.az("iot", "dps", "show", "--name", "mydps", "--query", "properties.idScope").stdout)


def verify_root(hub, cwd, name="root"):
    """The seed's DPS proof of possession: upload the root CA, get a code, sign a certificate for it, verify."""
    created = hub.az_json("iot", "dps", "certificate", "create", "--dps-name", "mydps", "--resource-group", "rg", "--name", name,
                          "--path", "ca/root-ca-cert.pem", cwd=cwd)
    code = hub.az_json("iot", "dps", "certificate", "generate-verification-code", "--dps-name", "mydps", "--resource-group", "rg",
                       "--certificate-name", name, "--etag", created["etag"])
    cert_tool(cwd, "client_key")
    cert_tool(cwd, "csr", "--common-name", code["properties"]["verificationCode"])
    cert_tool(cwd, "sign_root")
    return hub.az_json("iot", "dps", "certificate", "verify", "--dps-name", "mydps", "--resource-group", "rg", "--certificate-name",
                       name, "--etag", code["etag"], "--path", "certs/client-cert.pem", cwd=cwd)


def device_certificate(cwd, registration_id, sign="sign", chain=True):
    """A device key and certificate (CN = registration id) from `nrfsim cert-tool`; returns (chain file, key file).
    The chain file holds the leaf and, unless `chain` is false, the sub-CA."""
    cert_tool(cwd, "client_key")
    cert_tool(cwd, "csr", "--common-name", registration_id)
    cert_tool(cwd, sign)
    cert = cwd / ("%s-chain.pem" % registration_id)
    key = cwd / ("%s-key.pem" % registration_id)
    text = (cwd / "certs/client-cert.pem").read_text()
    if chain:
        text += (cwd / "ca/sub-ca-cert.pem").read_text()
    cert.write_text(text)
    shutil.copy(cwd / "certs/private-key.pem", key)
    return cert, key


class RawDPSClient:
    """A paho DPS client: `{scope}/registrations/{id}/api-version=…` with no `?`, responses on
    `$dps/registrations/res/#`."""

    def __init__(self, hub, scope, registration_id, cert=None, key=None, password=None, client_id=None, connack=0):
        self.responses = queue.Queue()
        self.disconnected = False
        self.connack = queue.Queue()
        self.client = mqtt.Client(client_id=client_id or registration_id, protocol=mqtt.MQTTv311, clean_session=True)
        self.client.username_pw_set("%s/registrations/%s/api-version=2019-03-31" % (scope, registration_id), password)
        self.client.tls_set(ca_certs=hub.root_ca_path, certfile=cert and str(cert), keyfile=key and str(key))
        self.client.on_connect = lambda client, userdata, flags, rc: self.connack.put(rc)
        self.client.on_message = lambda client, userdata, message: self.responses.put((message.topic, message.payload))
        self.client.on_disconnect = lambda *args: setattr(self, "disconnected", True)
        self.client.connect(hub.address, MQTT_PORT)
        self.client.loop_start()
        assert self.connack.get(timeout=10) == connack
        if connack:
            return
        self.client.subscribe("$dps/registrations/res/#", qos=1)
        time.sleep(0.2)

    def request(self, topic, payload=b""):
        """Publishes a request and returns (status, query, body) of the response."""
        self.client.publish(topic, payload, qos=1)
        topic, payload = self.responses.get(timeout=10)
        assert topic.count("$") == 2, topic
        head, _, query = topic.partition("/?")
        status = int(head.rsplit("/", 1)[1])
        pairs = dict(pair.split("=", 1) for pair in query.split("&"))
        return status, pairs, json.loads(payload) if payload else None

    def register(self, rid="1", payload=b""):
        return self.request("$dps/registrations/PUT/iotdps-register/?$rid=%s" % rid, payload)

    def poll(self, operation_id, rid="2"):
        return self.request("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=%s&operationId=%s" % (rid, operation_id))

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()
