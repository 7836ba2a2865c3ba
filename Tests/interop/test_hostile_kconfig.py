"""Hostile Kconfig inputs run through the real `nrfsim` binary: each one must end in a clean error (exit status 1,
no signal, no "Fatal error" or crash report) that names the file, and the line where there is one, within
TIME_BOUND seconds. kconfiglib itself raises RecursionError, hangs or runs out of memory on most of them.

Every input is generated in tmp_path; the FIFO is made with os.mkfifo and /dev/zero is linked as prj.conf.
"""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "kconfig"))
from nrfsim_device import NRFSIM, REPO  # noqa: E402
import kconfig_diff  # noqa: E402

# A generous bound for "does not hang": the slowest case takes a few seconds in a debug build on a loaded machine.
TIME_BOUND = 20

FLAG = 'config A\n\tbool "a"\n'


def nested(opening, closing, depth):
    return FLAG + opening * depth + 'config B\n\tbool "b"\n' + closing * depth


def exponential_macros(levels):
    text = "L0 = x\n" + "".join("L%d = $(L%d)$(L%d)\n" % (n, n - 1, n - 1) for n in range(1, levels + 1))
    return text + 'config A\n\tstring "a"\n\tdefault "$(L%d)"\n' % levels


def variable_chain(length):
    text = "".join("V%d = $(V%d)\n" % (n, n + 1) for n in range(length))
    return text + 'config A\n\tstring "a"\n\tdefault "$(V0)"\n'


def implicit_submenus(length):
    return FLAG + "".join('config S%d\n\tbool "s"\n\tdepends on %s\n' % (n, "S%d" % (n - 1) if n else "A")
                          for n in range(length))


def dependency_chain(length):
    return "".join('config S%d\n\tint "s"\n\t%s\n' % (n, "default S%d" % (n - 1) if n else "default 1")
                   for n in range(length))


def evaluation_chain(length):
    # Each symbol defaults to the next: evaluating S0 first recurses down the whole chain.
    return "".join('config S%d\n\tint "s"\n\t%s\n' % (n, "default S%d" % (n + 1) if n + 1 < length else "default 1")
                   for n in range(length))


def selectors(count):
    return 'config T\n\tbool\n' + "".join('config S%d\n\tbool "s"\n\tselect T\n' % n for n in range(count))


# name: (Kconfig text, text the error must contain, extra arguments)
KCONFIG_CASES = {
    "30k-nested-ifs": (nested("if A\n", "endif\n", 30_000),
                       "Kconfig:1003: error: couldn't parse 'if A': maximum recursion depth exceeded"),
    "30k-nested-menus": (nested('menu "m"\n', "endmenu\n", 30_000),
                         "Kconfig:1004: error: couldn't parse 'menu \"m\"': maximum recursion depth exceeded"),
    "30k-nested-parentheses": (FLAG + 'config B\n\tbool "b"\n\tdepends on ' + "(" * 30_000 + "A" + ")" * 30_000 + "\n",
                               "Kconfig:5: error: couldn't parse 'depends on ((((("),
    "100k-negations": (FLAG + 'config B\n\tbool "b"\n\tdepends on ' + "!" * 100_000 + "A\n",
                       "Kconfig:5: error: couldn't parse 'depends on !!!!!"),
    "200k-term-and": (FLAG + 'config B\n\tbool "b"\n\tdepends on ' + " && ".join(["A"] * 200_000) + "\n",
                      "Kconfig:5: error: couldn't parse 'depends on A && A"),
    "200k-term-or": (FLAG + 'config B\n\tbool "b"\n\tdepends on ' + " || ".join(["A"] * 200_000) + "\n",
                     "Kconfig:5: error: couldn't parse 'depends on A || A"),
    "3k-depends-on-lines": (FLAG + 'config B\n\tbool "b"\n' + "\tdepends on A\n" * 3_000,
                             "Kconfig:2506: error: maximum recursion depth exceeded: an expression nests deeper"),
    "3k-selectors": (selectors(3_000), "error: maximum recursion depth exceeded: an expression nests deeper"),
    "1200-implicit-submenus": (implicit_submenus(1_200),
                              "Kconfig:3003: error: maximum recursion depth exceeded: the menu tree nests deeper"),
    "6k-dependency-chain": (dependency_chain(6_000),
                             "error: maximum recursion depth exceeded: a chain of more than 5000 symbols depend on "
                             "each other, down to S5000 (defined at Kconfig:15001)"),
    "2k-evaluation-chain": (evaluation_chain(2_000), "error: maximum recursion depth exceeded: evaluating "),
    "39-level-macro-doubling": (exponential_macros(39),
                                "Kconfig:43: error: couldn't parse 'default \"$(L39)\"': expanding $(L"),
    "2k-variable-chain": (variable_chain(2_000),
                           "Kconfig:2003: error: couldn't parse 'default \"$(V0)\"': maximum recursion depth exceeded"),
    "doubling-immediate-variable": ("X := x\n" + "X := $(X)$(X)\n" * 30 + FLAG,
                                    "error: couldn't parse 'X := $(X)$(X)': expanding $(X) goes over"),
}


def write_tree(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())


def run(args, cwd=None):
    """Runs nrfsim; returns (exit status, stderr). A hang fails the test through the timeout."""
    result = subprocess.run([NRFSIM, *args], cwd=cwd, capture_output=True, timeout=TIME_BOUND,
                            env=kconfig_diff.base_environment(), stdin=subprocess.DEVNULL)
    return result.returncode, result.stderr.decode("utf-8", "replace")


def assert_clean_error(status, stderr, expected):
    # A negative status is a signal (SIGSEGV, SIGABRT, SIGKILL from the OOM killer).
    assert status == 1, "exit status %d (negative: killed by a signal)\n%s" % (status, stderr[-2000:])
    assert "Fatal error" not in stderr and "Stack dump" not in stderr and "Traceback" not in stderr, stderr[-2000:]
    assert expected in stderr, "expected %r in:\n%s" % (expected, stderr[-2000:])
    assert len(stderr) < 20_000, "the error should be short, not echo the hostile input: %d bytes" % len(stderr)


@pytest.mark.parametrize("name", sorted(KCONFIG_CASES))
def test_hostile_kconfig_file(name, tmp_path):
    text, expected = KCONFIG_CASES[name]
    write_tree(tmp_path, {"Kconfig": text, "prj.conf": ""})
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]), expected)


def test_fifo_as_prj_conf(tmp_path):
    write_tree(tmp_path, {"Kconfig": FLAG})
    os.mkfifo(tmp_path / "prj.conf")
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "error: Could not open 'prj.conf' (not a regular file: a FIFO).")


def test_dev_zero_as_prj_conf(tmp_path):
    write_tree(tmp_path, {"Kconfig": FLAG})
    os.symlink("/dev/zero", tmp_path / "prj.conf")
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "error: Could not open 'prj.conf' (not a regular file: a character device).")


def test_fifo_as_conf_fragment(tmp_path):
    write_tree(tmp_path, {"Kconfig": FLAG, "prj.conf": ""})
    os.mkfifo(tmp_path / "extra.conf")
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path), "--conf", str(tmp_path / "extra.conf")]),
                       "error: Could not open 'extra.conf' (not a regular file: a FIFO).")


def test_fifo_as_kconfig(tmp_path):
    write_tree(tmp_path, {"prj.conf": ""})
    os.mkfifo(tmp_path / "Kconfig")
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "error: Could not open 'Kconfig' (not a regular file: a FIFO)")


def test_sourced_fifo(tmp_path):
    write_tree(tmp_path, {"Kconfig": FLAG + 'source "pipe"\n', "prj.conf": ""})
    os.mkfifo(tmp_path / "pipe")
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "Kconfig:3: Could not open '%s/pipe' (in 'source \"pipe\"') (not a regular file: a FIFO)"
                       % os.path.realpath(tmp_path))


def test_oversized_fragment(tmp_path):
    write_tree(tmp_path, {"Kconfig": FLAG})
    with open(tmp_path / "prj.conf", "wb") as fragment:
        fragment.truncate(17 << 20)  # sparse: 17 MiB of NULs without writing them
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "error: Could not open 'prj.conf' (EFBIG: File too large: 17825792 bytes, over the limit of "
                       "16777216 bytes).")


def test_many_continuation_lines_and_escapes_are_linear(tmp_path):
    """kconfiglib joins continuation lines and drops backslashes by rebuilding the line each time (quadratic)."""
    text = FLAG + 'config B\n\tstring "b"\n\tdefault "' + "\\x" * 500_000 + '"' + " \\\n" * 200_000 + "\n"
    write_tree(tmp_path, {"Kconfig": text, "prj.conf": "CONFIG_NOPE=y\n"})
    # The tree is fine; the undefined symbol makes the run fail after evaluating it.
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "prj.conf:1: warning: attempt to assign the value 'y' to the undefined symbol NOPE")


def test_glob_with_many_stars(tmp_path):
    write_tree(tmp_path, {"Kconfig": 'osource "' + "a*" * 60 + 'b"\n' + FLAG, "a" * 200: FLAG,
                          "prj.conf": "CONFIG_NOPE=y\n"})
    assert_clean_error(*run(["config", "--app-dir", str(tmp_path)]),
                       "prj.conf:1: warning: attempt to assign the value 'y' to the undefined symbol NOPE")


def test_device_refuses_a_fifo_fragment(tmp_path):
    os.mkfifo(tmp_path / "extra.conf")
    status, stderr = run(["device", "--app-dir", str(REPO), "--board", "nrf9161dk/nrf9161/ns", "--state-dir",
                          str(tmp_path / "state"), "--conf", str(tmp_path / "extra.conf")])
    assert_clean_error(status, stderr, "Could not open '%s' (not a regular file: a FIFO)." % (tmp_path / "extra.conf"))
