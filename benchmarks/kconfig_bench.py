#!/usr/bin/env python3
"""Benchmark: nrfsim's Kconfig engine against kconfiglib 14.1.0 on the same input, in the same run.

Trees: the project tree (nrf9161dk/nrf9161/ns, its defconfig, prj.conf and board overlay) and the deterministic
synthetic trees of `Tests/interop/kconfig/kconfig_gen.py` `synthetic_tree()` (seed 1: n=5000 → 5,789 defined
symbols, n=15000 → 17,289). For each it prints the phases
(parse, load, evaluate, write) in-process — nrfsim's `kconfig-bench` and kconfiglib in a fresh interpreter, each
repeated — and the end-to-end wall time of `nrfsim config` against the kconfiglib oracle script; then the ratios.
The goal is at least 20x kconfiglib on the large tree.

Usage: .venv/bin/python benchmarks/kconfig_bench.py [--reps N] [--sizes 5000,15000]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop" / "kconfig"))
import kconfig_gen  # noqa: E402

BENCH = os.environ.get("KCONFIG_BENCH_BIN", str(REPO / ".build" / "release" / "kconfig-bench"))
NRFSIM = os.environ.get("NRFSIM_BIN", str(REPO / ".build" / "release" / "nrfsim"))
PYTHON = str(REPO / ".venv" / "bin" / "python")
ORACLE = str(REPO / "Tests" / "interop" / "kconfig" / "kconfig_oracle.py")

KCONFIGLIB_PHASES = r"""
import json, os, statistics, sys, tempfile, time
import kconfiglib as K
d, reps, frags = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
os.chdir(d)
res = {k: [] for k in ("parse", "load", "eval", "write", "total")}
for _ in range(reps):
    t0 = time.perf_counter()
    kc = K.Kconfig("Kconfig", warn_to_stderr=False)
    t1 = time.perf_counter()
    kc.warn_assign_undef = True; kc.warn_assign_override = kc.warn_assign_redun = False
    for i, f in enumerate(frags): kc.load_config(f, replace=(i == 0))
    t2 = time.perf_counter()
    for s in kc.unique_defined_syms: s.str_value; s.config_string
    for c in kc.unique_choices: c.selection
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as td:
        kc.write_config(os.path.join(td, ".config"), save_old=False); kc.write_autoconf(os.path.join(td, "autoconf.h"))
    t4 = time.perf_counter()
    for k, v in zip(res, (t1-t0, t2-t1, t3-t2, t4-t3, t4-t0)): res[k].append(v * 1000)
out = {k: {"median": statistics.median(v), "min": min(v)} for k, v in res.items()}
out.update(syms=len(kc.syms), defined=len(kc.unique_defined_syms), warnings=len(kc.warnings))
print(json.dumps(out))
"""


def phases_nrfsim(tree, fragments, reps, env):
    out = subprocess.run([BENCH, str(tree), str(reps), *fragments], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def phases_kconfiglib(tree, fragments, reps, env):
    out = subprocess.run([PYTHON, "-c", KCONFIGLIB_PHASES, str(tree), str(reps), *fragments], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def wall(command, env, reps, cwd=None):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def report(name, tree, fragments, reps, env, nrfsim_command):
    ours = phases_nrfsim(tree, fragments, reps, env)
    theirs = phases_kconfiglib(tree, fragments, reps, env)
    assert ours["defined"] == theirs["defined"] and ours["warnings"] == theirs["warnings"], (ours, theirs)
    print("\n%s: %d defined symbols (%d in syms), %d warnings" % (name, ours["defined"], ours["syms"], ours["warnings"]))
    print("  %-8s %22s %22s %8s" % ("phase", "nrfsim median/min ms", "kconfiglib median/min", "ratio"))
    for phase in ("parse", "load", "eval", "write", "total"):
        a, b = ours[phase], theirs[phase]
        print("  %-8s %10.1f / %8.1f   %10.1f / %8.1f   %6.1fx"
              % (phase, a["median"], a["min"], b["median"], b["min"], b["median"] / a["median"]))
    ours_wall = wall(nrfsim_command, env, reps)
    theirs_wall = wall([PYTHON, ORACLE, str(tree), *fragments], env, reps)
    print("  %-8s %10.1f / %8.1f   %10.1f / %8.1f   %6.1fx   (nrfsim config vs kconfig_oracle.py, process wall time)"
          % ("e2e", ours_wall[0], ours_wall[1], theirs_wall[0], theirs_wall[1], theirs_wall[0] / ours_wall[0]))
    return theirs["total"]["median"] / ours["total"]["median"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", default="5000,15000")
    args = parser.parse_args()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SYNTH_NAME": "bench"}
    board = {"BOARD": "nrf9161dk", "BOARD_TARGET": "nrf9161dk/nrf9161/ns", "BOARD_QUALIFIERS": "/nrf9161/ns",
             "NORMALIZED_BOARD_TARGET": "nrf9161dk_nrf9161_ns", "BOARD_DIR": "boards/nordic/nrf9161dk"}
    fragments = ["boards/nordic/nrf9161dk/nrf9161dk_nrf9161_ns_defconfig", "prj.conf", "boards/nrf9161dk_nrf9161_ns.conf"]
    report("project tree (nrf9161dk/nrf9161/ns)", REPO, fragments, args.reps, dict(env, **board),
           [NRFSIM, "config", "--app-dir", str(REPO), "--board", "nrf9161dk/nrf9161/ns"])
    with tempfile.TemporaryDirectory() as scratch:
        ratio = None
        for size in [int(s) for s in args.sizes.split(",")]:
            tree = pathlib.Path(scratch) / ("t%d" % size)
            kconfig_gen.synthetic_tree(str(tree), size, 1)
            ratio = report("synthetic tree n=%d (kconfig_gen, seed 1)" % size, tree, ["board_defconfig", "prj.conf"],
                           args.reps, env, [NRFSIM, "config", "--app-dir", str(tree), "--conf", str(tree / "board_defconfig")])
        print("\nlarge tree: nrfsim is %.1fx kconfiglib in-process (goal: 20x)" % ratio)


if __name__ == "__main__":
    main()
