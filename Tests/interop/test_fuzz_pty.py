"""100,000 seeded random and mutated AT lines over the real pty.

The in-process Swift fuzz test checks the store after every line; this one checks the live process: no crash or hang,
it still answers AT, and credentials outside the fuzzed tag range are untouched.
"""
import os
import random
import select
import threading
import time

from at_port import ATPort

LINES = int(os.environ.get("NRFSIM_FUZZ_LINES", "100000"))
SEEDS = [
    "AT", "AT+CMEE=1", "AT+CMEE?", "AT+CFUN=4", "AT+CFUN=1", "AT+CFUN?", "AT+CGSN", "AT+CGSN=1", "AT+CGMR",
    "AT%HWVERSION", "AT%XMODEMUUID", "AT+CEREG=5", "AT%CMNG=1", "AT%CMNG=1,12",
    'AT%CMNG=0,12,0,"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"', 'AT%CMNG=0,7,3,"00aa"',
    "AT%CMNG=2,12,0", "AT%CMNG=3,12,0", "AT%CMNG=3,4294967294,6", "AT%KEYGEN=13,2,0", 'AT%KEYGEN=14,2,1,"CN=x"',
    "AT%ATTESTTOKEN", 'AT%ATTESTTOKEN="000102030405060708090a0b0c0d0e0f"', "at AT+CGSN",
]
SENTINEL = 'AT%CMNG=0,1999999999,0,"sentinel certificate"'


def fuzz_lines(seed, count):
    rng = random.Random(seed)
    for _ in range(count):
        kind = rng.randrange(10)
        if kind < 7:
            line = bytearray(rng.choice(SEEDS).encode())
            for _ in range(rng.randrange(4)):
                if not line:
                    break
                i = rng.randrange(len(line))
                op = rng.randrange(3)
                if op == 0:
                    line[i] = rng.randrange(256)
                elif op == 1:
                    del line[i]
                else:
                    line.insert(i, rng.choice(b',"=?0123456789%+\r\n\x08'))
        elif kind == 7:
            line = bytearray(rng.randbytes(rng.randrange(64)))
        elif kind == 8:
            line = bytearray(b"A" * rng.randrange(3000, 6000))
        else:
            line = bytearray(f"AT%CMNG=3,{rng.randrange(40)},{rng.randrange(5)}".encode())
        if b"1999999999" in line:
            continue
        yield bytes(line) + rng.choice([b"\r\n", b"\r", b"\n", b"\0"])


def test_fuzz_over_the_pty(start_device):
    device = start_device(seed=3)
    port = ATPort(device.pty)
    done = threading.Event()
    reader = None
    try:
        port.command("AT+CFUN=4")
        assert port.command(SENTINEL)[-1] == "OK"
        sentinel_row = port.command("AT%CMNG=1,1999999999")[0]
        port.command("AT+CMEE=0")

        received = [0]

        def drain():
            while not done.is_set():
                ready, _, _ = select.select([port.fd], [], [], 0.05)
                if ready:
                    try:
                        received[0] += len(os.read(port.fd, 65536))
                    except BlockingIOError:
                        pass

        reader = threading.Thread(target=drain)
        reader.start()
        started = time.monotonic()
        sent = 0
        for line in fuzz_lines(seed=0xF022, count=LINES):
            port.write(line)
            sent += 1
        done.set()
        reader.join()
        assert sent >= LINES * 0.99
        assert device.process.poll() is None, device.stderr()
        assert received[0] > 0

        # An unbalanced quote may hold a partial command; the modem drops it after 2 s idle.
        time.sleep(2.5)
        port.flush_input()
        assert port.command("AT", timeout=5) == ["OK"]
        port.command("AT+CFUN=4")
        assert port.command("AT%CMNG=1,1999999999")[0] == sentinel_row
        print(f"fuzz: {sent} lines in {time.monotonic() - started:.1f} s, {received[0]} reply bytes")
    finally:
        done.set()
        if reader is not None:
            reader.join()
        port.close()
