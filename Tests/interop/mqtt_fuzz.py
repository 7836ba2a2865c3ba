"""The MQTT fuzzing both live-listener fuzz tests share: packet encoding, byte-level mutation, and the loop that
sends seeded bursts on TLS connections, each burst followed by a PINGREQ, until the server answers or closes."""
import random
import ssl
import time

from test_hub_negative import raw_tls


def encode(first, body):
    length, header = len(body), bytearray([first])
    while True:
        digit = length % 128
        length //= 128
        header.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


def s(text):
    data = text.encode() if isinstance(text, str) else text
    return len(data).to_bytes(2, "big") + data


def mutate(rnd, packet):
    data = bytearray(packet)
    for _ in range(rnd.randint(1, 3)):
        choice = rnd.randrange(3)
        if choice == 0 and data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif choice == 1 and data:
            del data[rnd.randrange(len(data))]
        else:
            data.insert(rnd.randrange(len(data) + 1), rnd.randrange(256))
    return bytes(data)


def wait_for_pingresp(sock, pending):
    """Reads the server's packets until a PINGRESP (the burst before it was processed); False when it closed."""
    while True:
        while len(pending) >= 2:
            length, shift, index = 0, 0, 1
            while index < len(pending) and pending[index] & 0x80:
                length |= (pending[index] & 0x7F) << shift
                shift += 7
                index += 1
            if index >= len(pending):
                break
            length |= pending[index] << shift
            end = index + 1 + length
            if len(pending) < end:
                break
            kind = pending[0] >> 4
            del pending[:end]
            if kind == 13:
                return True
        try:
            chunk = sock.recv(65536)
        except (ConnectionError, ssl.SSLError, OSError):
            return False
        if not chunk:
            return False
        pending.extend(chunk)


def fuzz_listener(hub, connect, valid_packet, seed, mutation_rate, packets):
    """Opens connections (each starting with `connect`) and sends `packets` seeded packets in bursts of 50, a
    `mutation_rate` share of them mutated. Returns (packets sent, connections, connections the server closed)."""
    rnd = random.Random(seed)
    sent = connections = closed_by_server = 0
    while sent < packets:
        sock = raw_tls(hub)
        connections += 1
        pending = bytearray()
        sock.sendall(connect)
        alive = True
        while alive and sent < packets:
            burst = []
            for _ in range(50):
                packet = valid_packet(rnd, rnd.randrange(1, 65536))
                burst.append(mutate(rnd, packet) if rnd.random() < mutation_rate else packet)
            try:
                sock.sendall(b"".join(burst) + encode(0xC0, b""))
            except (ConnectionError, ssl.SSLError, OSError):
                alive = False
            sent += len(burst)
            alive = alive and wait_for_pingresp(sock, pending)
        closed_by_server += not alive
        sock.close()
    return sent, connections, closed_by_server


def assert_no_descriptor_leak(hub, baseline):
    """The emulator's open descriptors return to `baseline` (+2) within 15 s, and it is still running."""
    deadline = time.monotonic() + 15
    while hub.open_fds() > baseline + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hub.open_fds() <= baseline + 2, (baseline, hub.open_fds())
    assert hub.process.poll() is None
