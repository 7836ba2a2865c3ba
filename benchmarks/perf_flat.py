#!/usr/bin/env python3
"""A flat profile of a `perf record -g` file, with the callers' inclusive shares: what `perf report --no-children`
and `--children` show, for a binary whose symbols perf cannot read itself (perf 6.1 on this machine prints the
release `nrfsim`'s frames as bare offsets: "with build id ... not found, continuing without symbols").

Frames of `binary` that perf left unresolved are looked up in its symbol table (`nm -n`: its text segment's virtual
addresses equal the file offsets perf prints, `readelf -l`) and demangled with `swift demangle --simplified`; every
other frame keeps perf's name.

Usage: .venv/bin/python benchmarks/perf_flat.py PERF_DATA BINARY [--top N] [--inclusive] [--callers-of NAME]
(e.g. after `benchmarks/hub_vs_mosquitto.py --perf-record /tmp/telemetry.data`, with BINARY the nrfsim it ran.)
"""
import argparse
import bisect
import collections
import subprocess


def symbols(binary):
    """The binary's function symbols by address, demangled."""
    table = []
    listing = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            table.append((int(parts[0], 16), parts[2]))
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(name for _, name in table),
                           capture_output=True, text=True).stdout.splitlines()
    if len(names) != len(table):
        names = [name for _, name in table]
    return [address for address, _ in table], names


def samples(data, binary):
    """Each sample's stack, leaf first, as "symbol [dso]" strings."""
    addresses, names = symbols(binary)
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True,
                            check=True).stdout
    stack = []
    for line in script.splitlines() + [""]:
        line = line.strip()
        if not line:
            if stack:
                yield stack
            stack = []
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        ip, rest = parts
        dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else "?"
        name = rest[:rest.rfind("(")].strip() if "(" in rest else rest
        if dso == binary or dso.endswith("/" + binary.split("/")[-1]):
            if name.startswith("[unknown]") or not name:
                index = bisect.bisect_right(addresses, int(ip, 16)) - 1
                name = names[index] if index >= 0 else ip
        stack.append("%s [%s]" % (name[:150], dso.split("/")[-1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("binary")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--inclusive", action="store_true", help="also each frame's share with its callees")
    parser.add_argument("--callers-of", help="the callers of the leaf frames whose name contains this")
    args = parser.parse_args()
    leaves, inclusive, dsos, callers = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for stack in samples(args.data, args.binary):
        total += 1
        leaves[stack[0]] += 1
        dsos[stack[0].rsplit("[", 1)[-1].rstrip("]")] += 1
        for frame in set(stack):
            inclusive[frame] += 1
        if args.callers_of and args.callers_of in stack[0]:
            caller = next((frame for frame in stack[1:] if "libswiftCore" not in frame), "?")
            callers[caller] += 1
    print("samples: %d" % total)
    for title, counter in [("by dso", dsos), ("self", leaves)] + ([("inclusive", inclusive)] if args.inclusive else []) + (
            [("callers of " + args.callers_of, callers)] if args.callers_of else []):
        print("--- " + title)
        for frame, count in counter.most_common(args.top):
            print("%6.2f%%  %s" % (100.0 * count / max(total, 1), frame))


if __name__ == "__main__":
    main()
