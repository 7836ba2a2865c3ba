"""A loopback address of its own for each test's servers, so that tests can run in parallel (pytest-xdist) and next to
anything else on this machine that holds 127.0.0.1:8883/8443.

The Azure SDKs always dial 8883 for MQTT, so ports cannot tell the tests' emulators apart; addresses do: Linux routes
all of 127.0.0.0/8 to the loopback interface. Every test gets 127.<100 + worker>.X.Y (worker 0 without xdist, N + 1
for xdist's gwN): the second octet keeps the workers apart, X.Y walks on from a random start so that another run of
the suite on this machine (another checkout) is unlikely to walk the same way, and an address is only handed out
when every port the tests use on it can be bound there (none is held, not even by a socket in TIME_WAIT)."""
import os
import random
import socket

# The ports the emulator listens on at every test's address: HTTPS and MQTT over TLS.
PORTS = (8443, 8883)
_ADDRESSES_PER_WORKER = 254 * 254


def worker_number():
    """0 without xdist, N + 1 on xdist's worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) + 1 if worker.startswith("gw") else 0


def _free(address, port):
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class LoopbackAddresses:
    """Hands out addresses of 127.<100 + worker>.0.0/16, never the same one twice in this process."""

    def __init__(self, worker=None):
        worker = worker_number() if worker is None else worker
        assert 0 <= worker < 155, "xdist worker %d: no second octet left" % worker
        self.second_octet = 100 + worker
        self.next_index = random.SystemRandom().randrange(_ADDRESSES_PER_WORKER)
        self.handed_out = 0

    def allocate(self, ports=PORTS):
        while self.handed_out < _ADDRESSES_PER_WORKER:
            index = self.next_index
            self.next_index = (index + 1) % _ADDRESSES_PER_WORKER
            self.handed_out += 1
            address = "127.%d.%d.%d" % (self.second_octet, index // 254, index % 254 + 1)
            if all(_free(address, port) for port in ports):
                return address
        raise RuntimeError("no loopback address of 127.%d.0.0/16 has the ports %s free (is something listening on "
                           "0.0.0.0 on one of them?)" % (self.second_octet, ", ".join(map(str, ports))))


_addresses = None


def allocate(ports=PORTS):
    """A fresh loopback address, free on `ports`."""
    global _addresses
    if _addresses is None:
        _addresses = LoopbackAddresses()
    return _addresses.allocate(ports)
