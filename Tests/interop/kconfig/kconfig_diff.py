"""Differential comparison of `nrfsim config --format json` against the kconfiglib oracle."""
import json
import os
import subprocess
import tempfile

from kconfig_oracle import evaluate

SYMBOL_FIELDS = ("name", "type", "value", "user_value", "visibility", "choice", "written")


def base_environment(extra=None):
    """A controlled environment: no srctree, CONFIG_ or KCONFIG_* variables, which kconfiglib 14.1.0 reads
    (`Kconfig.__init__`, kconfiglib.py:964-986, 1033, 1109)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    env.update(extra or {})
    return env


def run_nrfsim(nrfsim, tree, board=None, extra=(), defines=(), env=None):
    command = [nrfsim, "config", "--format", "json", "--app-dir", str(tree)]
    if board:
        command += ["--board", board]
    for fragment in extra:
        command += ["--conf", str(fragment)]
    for define in defines:
        command += ["-D", define]
    result = subprocess.run(command, capture_output=True, env=base_environment(env), timeout=120)
    if result.returncode not in (0, 1):
        raise AssertionError("nrfsim config crashed (rc %d):\n%s" % (result.returncode, result.stderr.decode()))
    document = json.loads(result.stdout.decode())
    document["returncode"] = result.returncode
    document["stderr"] = result.stderr.decode()
    return document


def run_oracle(tree, fragments, env=None, defines=()):
    """Runs kconfiglib in-process on the same fragments (and the -D lines as a last fragment file)."""
    fragments = list(fragments)
    with tempfile.TemporaryDirectory() as scratch:
        if defines:
            path = os.path.join(scratch, "cmdline.conf")
            with open(path, "w") as f:
                f.write("\n".join(defines) + "\n")
            fragments.append(path)
        out = evaluate(str(tree), fragments, base_environment(env))
        if defines:
            text = json.dumps(out).replace(json.dumps(path)[1:-1], "<command line>")
            out = json.loads(text)
    return out


def differences(ours, oracle):
    """The list of human-readable differences (empty when identical)."""
    diffs = []
    if oracle["error"] or ours["error"]:
        a, b = ours["error"] or "", oracle["error"] or ""
        if "Dependency loop" in b:  # kconfiglib walks a Python set: only the header is deterministic
            a, b = a.split("\n")[:2], b.split("\n")[:2]
        if a != b:
            diffs.append("error:\n  nrfsim: %r\n  kconfiglib: %r" % (a, b))
        return diffs
    ours_symbols = [{k: s[k] for k in SYMBOL_FIELDS} for s in ours["symbols"]]
    for mine, theirs in zip(ours_symbols, oracle["symbols"]):
        if mine != theirs:
            diffs.append("symbol %s:\n  nrfsim:     %s\n  kconfiglib: %s" % (theirs["name"], mine, theirs))
    if len(ours_symbols) != len(oracle["symbols"]):
        diffs.append("symbol count %d vs %d" % (len(ours_symbols), len(oracle["symbols"])))
    if ours["choices"] != oracle["choices"]:
        diffs.append("choices:\n  nrfsim:     %s\n  kconfiglib: %s" % (ours["choices"], oracle["choices"]))
    for key in ("dotconfig", "autoconf"):
        if ours[key] != oracle[key]:
            diffs.append("%s differs:\n--- nrfsim\n%s--- kconfiglib\n%s" % (key, ours[key], oracle[key]))
    for phase in ("parse", "load", "eval"):
        if ours["warnings"][phase] != oracle["warnings"][phase]:
            diffs.append("%s warnings:\n  nrfsim:     %s\n  kconfiglib: %s"
                         % (phase, ours["warnings"][phase], oracle["warnings"][phase]))
    mine = [(c["kind"], c["sym"], c["fatal"]) for c in ours["zephyr_checks"]]
    theirs = [(c["kind"], c["sym"], c["fatal"]) for c in oracle["zephyr_checks"]]
    if mine != theirs:
        diffs.append("zephyr checks:\n  nrfsim:     %s\n  kconfiglib: %s" % (mine, theirs))
    if ours["fatal"] != oracle["zephyr_fatal"]:
        diffs.append("fatal: nrfsim %s, kconfiglib %s" % (ours["fatal"], oracle["zephyr_fatal"]))
    if ours["returncode"] != (1 if oracle["zephyr_fatal"] else 0):
        diffs.append("exit status %d but the build would %s" % (ours["returncode"], "abort" if oracle["zephyr_fatal"] else "pass"))
    return diffs


def compare(nrfsim, tree, board=None, extra=(), defines=(), env=None):
    """Runs both and returns (differences, nrfsim document)."""
    ours = run_nrfsim(nrfsim, tree, board, extra, defines, env)
    environment = dict(env or {})
    environment.update(ours.get("board_environment") or {})
    oracle = run_oracle(tree, ours["fragments"], environment, defines)
    return differences(ours, oracle), ours


def reproduction(tree, ours, diffs):
    """A minimal reproduction: the tree's files and the command."""
    parts = ["reproduce with: nrfsim config --app-dir %s %s" % (tree, " ".join("--conf " + f for f in ours["fragments"]))]
    for root, _, files in os.walk(tree):
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, errors="replace") as f:
                parts.append("==> %s <==\n%s" % (os.path.relpath(path, tree), f.read()))
    return "\n".join(diffs) + "\n\n" + "\n".join(parts)
