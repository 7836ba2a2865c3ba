"""Running a process with one of its directories read-only, as a full or read-only disk would leave it."""
import functools
import os
import shlex
import subprocess

import pytest


def readonly_prefix(directory, writable=()):
    """An argv prefix that runs a command with `directory` read-only to it, but for the `writable` subdirectories.

    As root (CI), permission bits do not stop a write, so the command runs in a mount namespace of its own in which
    `directory` is bind-mounted read-only (EROFS) and each `writable` subdirectory gets a private tmpfs: nothing
    changes for any other process, and the namespace ends with the process. Otherwise the directory is made
    mode 0500 (EACCES); call `restore` afterwards.
    """
    directory = str(directory)
    if os.geteuid() == 0 and not _can_mount():
        pytest.skip("root without CAP_SYS_ADMIN: no private mount namespace to make a directory read-only in")
    if os.geteuid() != 0:
        os.chmod(directory, 0o500)
        return []
    steps = ["mount --bind {0} {0}".format(shlex.quote(directory)),
             "mount -o remount,bind,ro {0}".format(shlex.quote(directory))]
    steps += ["mount -t tmpfs tmpfs {0}".format(shlex.quote(str(path))) for path in writable]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", " && ".join(steps) + ' && exec "$@"', "sh"]


@functools.lru_cache(maxsize=1)
def _can_mount():
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def restore(directory):
    if os.geteuid() != 0:
        os.chmod(str(directory), 0o700)


def read_only_error(text):
    """Whether `text` has the system's message for a write refused by a read-only mount or by permissions."""
    return any(reason in text for reason in ("Read-only file system", "Permission denied", "readonly database"))
