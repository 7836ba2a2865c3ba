#!/usr/bin/env python3
"""The benchmark's peer: a pseudo-terminal that answers every line with OK and does nothing else.

Measuring the same client against it gives the round-trip floor of the pty and the Python client, so the modem's
own share can be told apart. Prints the replica path, then serves until killed.
"""
import os
import select
import sys
import tty

primary, replica = os.openpty()
tty.setraw(replica)
print(os.ttyname(replica), flush=True)
buffer = b""
while True:
    select.select([primary], [], [])
    buffer += os.read(primary, 65536)
    *lines, buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    for line in lines:
        if line.strip():
            os.write(primary, b"OK\r\n")
