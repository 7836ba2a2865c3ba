"""Differential tests of nrfsim's Kconfig engine against kconfiglib 14.1.0 (the real Zephyr evaluator):
every symbol's value, the .config and autoconf.h text, the warnings and kconfig.py's checks must be identical.
A difference fails the test and prints a reproduction (the tree's files and the command)."""
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "kconfig"))
from nrfsim_device import NRFSIM, REPO  # noqa: E402
import hand_trees  # noqa: E402
import kconfig_diff  # noqa: E402
import kconfig_gen  # noqa: E402
from kconfig_oracle import evaluate  # noqa: E402

BOARDS = ["nrf9160dk/nrf9160/ns", "nrf9161dk/nrf9161/ns", "nrf9151dk/nrf9151/ns", "thingy91/nrf9160/ns",
          "thingy91x/nrf9151/ns", "nrf7002dk/nrf5340/cpuapp/ns"]
OVERLAYS = [None, "overlay-dps.conf", "dps.conf"]
RANDOM_CASES = int(os.environ.get("KCONFIG_RANDOM_CASES", "500"))
CHUNK = 50


def check(tree, **kwargs):
    diffs, ours = kconfig_diff.compare(NRFSIM, tree, **kwargs)
    assert not diffs, kconfig_diff.reproduction(tree, ours, diffs)
    return ours


@pytest.mark.parametrize("overlay", OVERLAYS, ids=["prj", "overlay-dps", "dps"])
@pytest.mark.parametrize("board", BOARDS)
def test_project_tree(board, overlay):
    ours = check(REPO, board=board, extra=[REPO / overlay] if overlay else [])
    assert not ours["fatal"], ours["stderr"]
    assert ours["fragments"][:2] == ["boards/nordic/%s/%s_defconfig" % (board.split("/")[0], board.replace("/", "_")), "prj.conf"]


def test_project_tree_with_command_line_assignments():
    ours = check(REPO, board="nrf9161dk/nrf9161/ns",
                 defines=["CONFIG_AZURE_IOT_HUB_LOG_LEVEL_DBG=y", "CONFIG_MQTT_KEEPALIVE=0x10", "CONFIG_NO_SUCH=y"])
    assert ours["fatal"]


def test_nrfsim_config_prints_the_config_kconfiglib_writes():
    """Acceptance: `nrfsim config --board nrf9161dk/nrf9161/ns` prints kconfiglib's .config for that board."""
    result = subprocess.run([NRFSIM, "config", "--board", "nrf9161dk/nrf9161/ns"], cwd=REPO, capture_output=True,
                            text=True, env=kconfig_diff.base_environment(), timeout=120)
    assert result.returncode == 0, result.stderr
    board_env = {"BOARD": "nrf9161dk", "BOARD_TARGET": "nrf9161dk/nrf9161/ns", "BOARD_QUALIFIERS": "/nrf9161/ns",
                 "NORMALIZED_BOARD_TARGET": "nrf9161dk_nrf9161_ns", "BOARD_DIR": "boards/nordic/nrf9161dk"}
    oracle = evaluate(str(REPO), ["boards/nordic/nrf9161dk/nrf9161dk_nrf9161_ns_defconfig", "prj.conf",
                                  "boards/nrf9161dk_nrf9161_ns.conf"], kconfig_diff.base_environment(board_env))
    assert oracle["error"] is None and not oracle["zephyr_fatal"]
    assert result.stdout == oracle["dotconfig"]
    assert "CONFIG_AZURE_IOT_HUB_DEVICE_ID=\"my-device\"" in result.stdout


@pytest.mark.parametrize("name", sorted(hand_trees.CORPUS))
def test_hand_written_tree(name, tmp_path):
    case = hand_trees.CORPUS[name]
    files = dict(case["files"])
    files.setdefault("prj.conf", "")
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    check(tmp_path, extra=[tmp_path / e for e in case.get("extra", [])], env=case.get("env"))


def test_corpus_is_large_enough():
    assert len(hand_trees.CORPUS) >= 40


@pytest.mark.parametrize("start", range(0, RANDOM_CASES, CHUNK))
def test_random_trees(start, tmp_path):
    """Seeded random trees and fragments (malformed lines included); KCONFIG_RANDOM_CASES sets the count."""
    for seed in range(start, min(start + CHUNK, RANDOM_CASES)):
        tree = tmp_path / ("seed%d" % seed)
        tree.mkdir()
        extra = kconfig_gen.random_tree(str(tree), seed)
        diffs, ours = kconfig_diff.compare(NRFSIM, tree, extra=extra, env={"VAR": "v"})
        assert not diffs, "seed %d\n%s" % (seed, kconfig_diff.reproduction(tree, ours, diffs))


BAD_INPUTS = {
    "undefined-symbol": ({"Kconfig": 'config A\n\tbool "A"\n', "prj.conf": "CONFIG_B=y\n"}, "prj.conf:1:"),
    "wrong-type": ({"Kconfig": 'config I\n\tint "I"\n', "prj.conf": "\nCONFIG_I=abc\n"}, "prj.conf:2: warning: the value 'abc'"),
    "out-of-range": ({"Kconfig": 'config I\n\tint "I"\n\trange 1 5\n', "prj.conf": "CONFIG_I=9\n"}, "prj.conf:1: warning: user value 9"),
    "unmet-dependency": ({"Kconfig": 'config A\n\tbool "A"\nconfig B\n\tbool "B"\n\tdepends on A\n', "prj.conf": "CONFIG_B=y\n"},
                         "prj.conf:1: warning: B (defined at Kconfig:3) was assigned the value 'y' but got the value 'n'"),
    "unterminated-string": ({"Kconfig": 'config A\n\tstring "A\n'}, "Kconfig:2: error: couldn't parse 'string \"A': unterminated string"),
    "binary-garbage": ({"Kconfig": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\xff\xfe\n"}, "Kconfig:1: error: the file is not valid UTF-8 text"),
    "missing-sourced-file": ({"Kconfig": 'source "nope/Kconfig"\n'}, "Kconfig:1: 'nope/Kconfig' not found"),
    "source-cycle": ({"Kconfig": 'rsource "a/Kconfig"\n', "a/Kconfig": 'source "Kconfig"\n'}, "a/Kconfig:1: recursive 'source' of 'Kconfig' detected"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_names_file_and_line(name, tmp_path):
    files, expected = BAD_INPUTS[name]
    files = dict(files)
    files.setdefault("prj.conf", "")
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = subprocess.run([NRFSIM, "config", "--app-dir", str(tmp_path)], capture_output=True, timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == (0 if name == "unmet-dependency" else 1), stderr  # a value not taken only warns
    assert expected in stderr, stderr
    assert "Fatal error" not in stderr and "Traceback" not in stderr
    check(tmp_path)  # and kconfiglib says the same


def test_device_refuses_to_boot_on_a_bad_configuration(tmp_path):
    """Like a Zephyr build that aborts, the device prints every problem and exits non-zero."""
    result = subprocess.run(
        [NRFSIM, "device", "--app-dir", str(REPO), "--board", "nrf9161dk/nrf9161/ns", "--state-dir", str(tmp_path / "s"),
         "-D", "CONFIG_NOPE=y", "-D", "CONFIG_MQTT_HELPER_STACK_SIZE=big", "-D", "CONFIG_EXPERIMENTAL=y"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "<command line>:1: warning: attempt to assign the value 'y' to the undefined symbol NOPE" in result.stderr
    assert "<command line>:2: warning: the value 'big' is invalid for MQTT_HELPER_STACK_SIZE" in result.stderr
    assert "<command line>:3: error: EXPERIMENTAL" in result.stderr
    assert "error: Aborting due to Kconfig warnings" in result.stderr
    assert "AT interface:" not in result.stdout
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())
