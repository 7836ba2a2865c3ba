"""Running a process on a small disk of its own, which a test can fill to leave the process out of space."""
import errno
import os
import shlex
import subprocess

import pytest


def small_disk_prefix(directory, size="4m"):
    """An argv prefix that runs a command with a private tmpfs of `size` mounted on `directory`.

    The mount lives in a mount namespace of the command's own (as root; otherwise in a user namespace too), so no
    other process sees it and it ends with the command. Outside, the disk is reached through the command's
    `/proc/<pid>/root` (HubProcess.seen)."""
    mount = "mount -t tmpfs -o size={0} tmpfs {1}".format(size, shlex.quote(str(directory)))
    unshare = ["unshare", "--mount", "--propagation", "private"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run(unshare + ["sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private mount namespace to mount a small disk in: %s" % probe.stderr.decode().strip())
    return unshare + ["sh", "-c", mount + ' && exec "$@"', "sh"]


def fill(directory):
    """Writes a filler file in `directory` until the disk is full; returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    return path
