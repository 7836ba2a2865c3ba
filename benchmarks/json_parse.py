#!/usr/bin/env python3
"""Benchmark: JSONValue.parse against Python's json module, on one object of N members.

For each N (default 1k, 8k, 32k, 64k) it builds {"key000000": 0, "key000001": 1, ...} (about 16 bytes a member,
as a twin patch or a register request carries them), and prints the median and minimum parse time of nrfsim's
parser (the `json-bench` driver, parsing in-process) and of `json.loads` in this interpreter, each repeated, and
their ratio. A parser whose time grows faster than N (the old linear member scan was O(N²)) shows up as a ratio
that grows with N.

Usage: .venv/bin/python benchmarks/json_parse.py [--reps N] [--sizes 1000,8000,32000,64000]
       (build first: swift build -c release --product json-bench; JSON_BENCH_BIN overrides the binary)
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
BENCH = os.environ.get("JSON_BENCH_BIN", str(REPO / ".build" / "release" / "json-bench"))


def document(count):
    """The same text json-bench builds."""
    return ("{" + ", ".join('"key%06d": %d' % (index, index) for index in range(count)) + "}").encode()


def python_times(count, reps):
    text = document(count)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        parsed = json.loads(text)
        times.append((time.perf_counter() - start) * 1000)
        assert len(parsed) == count
    return statistics.median(times), min(times), len(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--sizes", default="1000,8000,32000,64000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    out = subprocess.run([BENCH, str(args.reps), *map(str, sizes)], capture_output=True, text=True, check=True)
    ours = {row["keys"]: row for row in map(json.loads, out.stdout.splitlines())}
    print("%8s %10s %24s %24s %8s" % ("members", "bytes", "nrfsim median/min ms", "python json median/min", "ratio"))
    for size in sizes:
        median, minimum, length = python_times(size, args.reps)
        row = ours[size]
        assert row["bytes"] == length, (row, length)
        print("%8d %10d %12.2f / %9.2f %12.2f / %9.2f %7.1fx"
              % (size, length, row["median_ms"], row["min_ms"], median, minimum, row["median_ms"] / median))


if __name__ == "__main__":
    main()
