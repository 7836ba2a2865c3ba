"""A minimal AT client on a pty, for tests that need raw bytes rather than a tool's dialogue."""
import os
import select
import termios
import time
import tty


class ATPort:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def close(self):
        os.close(self.fd)

    def flush_input(self):
        termios.tcflush(self.fd, termios.TCIFLUSH)

    def write(self, data: bytes):
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
                view = view[n:]
            except BlockingIOError:
                select.select([], [self.fd], [], 1.0)

    def read_until_final(self, timeout=5.0):
        """Reads lines until OK, ERROR or +CME ERROR; returns all lines (without CRLF)."""
        deadline = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    buffer += os.read(self.fd, 65536)
                except BlockingIOError:
                    pass
                lines = buffer.split(b"\r\n")
                for i, line in enumerate(lines[:-1]):
                    if line in (b"OK", b"ERROR") or line.startswith(b"+CME ERROR"):
                        return [l.decode("utf-8", "replace") for l in lines[: i + 1]]
        raise TimeoutError(f"no final result code within {timeout} s; got {buffer!r}")

    def command(self, line, timeout=5.0):
        self.write(line.encode() + b"\r\n")
        return self.read_until_final(timeout)
