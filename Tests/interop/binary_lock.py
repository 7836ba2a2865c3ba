"""Who may relink the nrfsim binary while the suite runs in parallel: every test holds a shared lock while it runs the
binary, and a test that builds (test_make_run: `make run` runs `swift build` in this checkout) builds only under the
exclusive lock, when no other test is running nrfsim. A relink in the middle of another test's run would make its next
`exec` fail with "Text file busy" (the linker has the new file open for writing) or run a newer binary than the one
it started with.

Two lock files (flock(2)), so that the builder is not starved by tests that keep starting: a test passes through the
turnstile (exclusive for a moment) before it takes the shared lock; the builder holds the turnstile while it waits
for the exclusive lock, so no new test starts before it has built."""
import contextlib
import fcntl
import os

from nrfsim_device import REPO

_DIRECTORY = REPO / ".build"
_TURNSTILE = _DIRECTORY / "interop-turnstile.lock"
_BINARY = _DIRECTORY / "interop-binary.lock"


def _open(path):
    _DIRECTORY.mkdir(exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


@contextlib.contextmanager
def running_binary():
    """Held while a test runs nrfsim: no build relinks it meanwhile."""
    turnstile, binary = _open(_TURNSTILE), _open(_BINARY)
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(binary, fcntl.LOCK_SH)
        fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield
    finally:
        os.close(binary)
        os.close(turnstile)


@contextlib.contextmanager
def building():
    """Held while a test builds in the checkout: no other test is running nrfsim, and none starts."""
    turnstile, binary = _open(_TURNSTILE), _open(_BINARY)
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(binary, fcntl.LOCK_EX)
        yield
    finally:
        os.close(binary)
        os.close(turnstile)
