"""A TCP relay on a loopback address in front of an emulator port on the same address, for tests and benchmarks: it
sorts each direction's bytes by TLS record type (handshake vs application data) and can cut its first connection
after a number of bytes."""
import socket
import threading

RECORD_KINDS = {20: "handshake", 21: "alert", 22: "handshake", 23: "application"}


class TCPRelay:
    def __init__(self, port, upstream_port, cut_first_after=None, address="127.0.0.1", cut_every_after=None):
        """Listens on `address`:`port` (0: a free port, then in `self.port`); relays to `address`:`upstream_port`.
        `cut_first_after` cuts the first connection after that many bytes towards the client, `cut_every_after`
        every connection."""
        self.address = address
        self.upstream_port = upstream_port
        self.cut_first_after = cut_first_after
        self.cut_every_after = cut_every_after
        self.connections = []
        self.lock = threading.Lock()
        self.server = socket.create_server((address, port), reuse_port=True)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection((self.address, self.upstream_port))
            stats = {"up": {}, "down": {}}
            with self.lock:
                self.connections.append(stats)
                first = len(self.connections) == 1
            limit = self.cut_every_after if self.cut_every_after is not None else (
                self.cut_first_after if first else None)
            threading.Thread(target=self.pump, args=(client, upstream, stats["up"], None), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, stats["down"], limit), daemon=True).start()

    @staticmethod
    def pump(source, sink, counts, limit):
        buffer, sent = b"", 0
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data or (limit is not None and sent + len(data) > limit):
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            sent += len(data)
            buffer += data
            while len(buffer) >= 5:
                length = int.from_bytes(buffer[3:5], "big")
                if len(buffer) < 5 + length:
                    break
                kind = RECORD_KINDS.get(buffer[0], "other")
                counts[kind] = counts.get(kind, 0) + 5 + length
                buffer = buffer[5 + length:]
            try:
                sink.sendall(data)
            except OSError:
                return

    def take(self):
        """The byte counts of the connections since the last call: [{"up": {kind: n}, "down": {…}}]."""
        with self.lock:
            taken, self.connections = self.connections, []
        return taken

    @property
    def connection_count(self):
        with self.lock:
            return len(self.connections)

    def close(self):
        self.server.close()
