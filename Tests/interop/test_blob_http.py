"""The emulator's blob storage over plain HTTP (`nrfsim hub --blob-http-port`), read with Python's own HTTP client:
what a device reads when its firmware URL says http://. Only anonymous blob reads are served there."""
import http.client
import re

from hub_emulator import HubProcess


def http_get(address, port, host, path, headers=None):
    connection = http.client.HTTPConnection(address, port, timeout=10)
    connection.request("GET", path, headers=dict({"Host": host}, **(headers or {})))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_blob_reads_over_http_with_ranges_and_nothing_else(tmp_path, loopback):
    hub = HubProcess(tmp_path / "hub", loopback, extra=["--blob-http-port", "0"])
    try:
        port = int(re.search(r"Blob storage over HTTP: http://[0-9.]+:(\d+)", hub.banner).group(1))
        image = tmp_path / "app_update.bin"
        image.write_bytes(bytes(range(256)) * 16)
        hub.az("storage", "blob", "upload", "--account-name", "fwstore", "--container-name", "fw", "--name",
               "app_update.bin", "--file", str(image))
        host = "fwstore.blob.core.windows.net"
        response, body = http_get(hub.address, port, host, "/fw/app_update.bin")
        assert response.status == 200 and body == image.read_bytes()
        response, body = http_get(hub.address, port, host, "/fw/app_update.bin", {"Range": "bytes=16-31"})
        assert response.status == 206 and body == image.read_bytes()[16:32]
        assert response.getheader("Content-Range") == "bytes 16-31/4096"
        response, _ = http_get(hub.address, port, host, "/fw/missing.bin")
        assert response.status == 404
        # The service and admin APIs are not on this port: refused on the head, whatever the credentials.
        response, body = http_get(hub.address, port, "myhub.azure-devices.net", "/devices?api-version=2021-04-12")
        assert response.status == 404 and b"blob reads only" in body
    finally:
        hub.stop()


def test_a_blob_http_port_in_use_stops_the_start_with_a_clear_error(tmp_path, loopback):
    import socket
    blocker = socket.create_server((loopback, 0))
    try:
        port = blocker.getsockname()[1]
        try:
            HubProcess(tmp_path / "hub", loopback, extra=["--blob-http-port", str(port)])
            raise AssertionError("the hub started on a port in use")
        except RuntimeError as error:
            assert "cannot serve blob storage over HTTP on %s:%d" % (loopback, port) in str(error), str(error)
            assert "--blob-http-port 0" in str(error)
    finally:
        blocker.close()
