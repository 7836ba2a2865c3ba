"""Golden console transcripts of the virtual board, each line traced to the upstream format string that prints it.

A scenario drives a device through steps and cuts its console into one section a step (`Transcript.cut`). Lines
are masked (uptime stamps, device ids, payload timestamps, request ids, addresses) and checked against the golden
file `golden/console/<name>.txt`; `RECORD_GOLDEN=1` rewrites it. Threads run side by side on the board as on
hardware, so within a step their lines interleave differently from run to run: the device runs with Zephyr's
CONFIG_LOG_THREAD_ID_PREFIX (each line names its thread), and each section is ordered by thread (a fixed order,
below), keeping every thread's own order. Every golden line must come from a format string in
`golden/console/upstream_formats.json` (nrfconnect/sdk-nrf v2.9.0: file, line, function, level, module, format) or
`golden/console/mcuboot_formats.json` (MCUboot's lines); `<name>.sources` beside each golden names them, line by
line."""
import json
import os
import pathlib
import re
import time

GOLDEN = pathlib.Path(__file__).parent / "golden" / "console"
RECORD = os.environ.get("RECORD_GOLDEN") == "1"
# Zephyr's log line with CONFIG_LOG_THREAD_ID_PREFIX and CONFIG_THREAD_NAME (log_output.c, ids_print()).
LOG = re.compile(r"^\[(?:\d\d:\d\d:\d\d\.\d{3},\d{3}|--:--:--\.---,---)\] <(dbg|inf|wrn|err)> \[([^\]]*)\] ([a-z0-9_]+): (.*)$")
# MCUboot's minimal log mode: "I: message" (BOOT_LOG_INF), "W: ", "E: ".
BOOT_LOG = re.compile(r"^([IWE]): (.*)$")
THREAD_DEFINES = ("CONFIG_LOG_THREAD_ID_PREFIX=y", "CONFIG_THREAD_NAME=y")
# Sections list threads in this order; "" is the sample's application work queue, which has no name.
THREAD_ORDER = ["console", "main", "net_mgmt", "mqtt_helper_thread", "", "sysworkq", "download_client"]

MASKS = [
    (re.compile(r"^\[\d\d:\d\d:\d\d\.\d{3},\d{3}\]"), "[--:--:--.---,---]"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<device-id>"),
    (re.compile(r'"timestamp":\d+'), '"timestamp":<uptime-ms>'),
    (re.compile(r'"temperature":25\.\d'), '"temperature":25.<uptime-ms % 10>'),
    (re.compile(r"(TWIN_RESULT_SUCCESS, ID: |TWIN_RESULT_FAIL, ID )\d+"), r"\1<request-id>"),
    (re.compile(r"\b127\.\d+\.\d+\.\d+\b"), "<hub-address>"),
]


# An imgtool signature is 70-72 bytes (DER), so an image's size varies by a byte or two from run to run.
PROGRESS = re.compile(r"Downloaded (\d+)/(\d+) bytes \((\d+)%\)$")


def mask(line):
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return PROGRESS.sub(
        lambda m: "Downloaded %s/<image-size> bytes (%s%%)" % ("<image-size>" if m.group(1) == m.group(2) else m.group(1),
                                                              m.group(3)), line)


def _regex(fmt):
    """A C format string (with banner.c's {MACRO} parts) as a regex over the printed text."""
    out, index = "", 0
    conversion = re.compile(r"%%|%[-+ 0#]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t)?[diouxXsc]|\{[A-Z_()]+\}")
    for match in conversion.finditer(fmt):
        out += re.escape(fmt[index:match.start()])
        token = match.group(0)
        if token == "%%":
            out += "%"
        elif token.endswith(("s", "c")) or token.startswith("{"):
            out += ".*"
        elif token[-1] in "xX":
            out += "(?:[0-9a-fA-F]+|<[^>]+>)"
        else:
            out += "(?:-?\\d+|<[^>]+>)"
        index = match.end()
    out += re.escape(fmt[index:])
    return re.compile("^" + out.rstrip("\\\n").replace("\\\n", "") + "$")


def _catalogue():
    entries = []
    for name in ("upstream_formats.json", "mcuboot_formats.json"):
        path = GOLDEN / name
        if path.exists():
            for entry in json.loads(path.read_text()):
                entry["regex"] = _regex(entry["format"].rstrip("\n"))
                entries.append(entry)
    return entries


CATALOGUE = _catalogue()


def parse(line):
    """(thread, level, module, message) of a console line. Banners (printk) and MCUboot's lines, all printed in
    turn before the application's threads start, are the "console" thread."""
    match = LOG.match(line)
    if match:
        return match.group(2), match.group(1), match.group(3), match.group(4)
    match = BOOT_LOG.match(line)
    if match:
        return "console", {"I": "inf", "W": "wrn", "E": "err"}[match.group(1)], "mcuboot", match.group(2)
    return "console", "printk", None, line


def sources(line):
    """The catalogue entries whose format prints this masked line."""
    _, level, module, message = parse(line)
    return [e for e in CATALOGUE if e["level"] == level and e["module"] == module and e["regex"].match(message)]


class Transcript:
    """A device's console from its first MCUboot line, cut into steps."""

    def __init__(self, name, device):
        self.name = name
        self.device = device
        self.sections = []
        self.start = device.wait_for(r"^I: Starting bootloader$|^\*\*\* Booting", 15) and device.last_index - 1
        self.golden = self._load() if not RECORD else None

    def _load(self):
        path = GOLDEN / (self.name + ".txt")
        if not path.exists():
            raise AssertionError("no golden transcript %s (record it with RECORD_GOLDEN=1)" % path)
        sections, current = [], None
        for line in path.read_text().splitlines():
            if line.startswith("## "):
                current = (line[3:], [])
                sections.append(current)
            elif current is not None and line:
                current[1].append(line)
        return sections

    def cut(self, step, timeout=30):
        """Ends the current step. When checking, waits (up to `timeout`) until the step has as many lines as its
        golden section, then takes exactly the lines there are."""
        if self.golden is not None:
            index = len(self.sections)
            expected = len(self.golden[index][1]) if index < len(self.golden) else 0
            deadline = time.monotonic() + timeout
            while len(self.device.lines) - self.start < expected and time.monotonic() < deadline:
                time.sleep(0.05)
        end = len(self.device.lines)
        lines = [line for _, line in self.device.lines[self.start:end]]
        self.start = end
        order = {thread: position for position, thread in enumerate(THREAD_ORDER)}
        keyed = [(order.get(parse(line)[0], len(THREAD_ORDER)), parse(line)[0], n, mask(line)) for n, line in enumerate(lines)]
        self.sections.append((step, [line for *_, line in sorted(keyed)]))

    def check(self):
        """Compares with the golden (or records it), and checks every line against the upstream formats."""
        untraced = []
        listing = []
        for step, lines in self.sections:
            listing.append("## " + step)
            for line in lines:
                found = sources(line)
                if not found:
                    untraced.append(line)
                    listing.append("(no upstream format)")
                    continue
                places = ", ".join("%s:%d %s()" % (e["file"], e["line"], e["function"]) for e in found)
                listing.append('%s %s("%s")' % (places, found[0]["level"].upper(), found[0]["format"].rstrip("\n")))
        text = "".join("## %s\n%s\n" % (step, "".join(line + "\n" for line in lines)) for step, lines in self.sections)
        if RECORD:
            (GOLDEN / (self.name + ".txt")).write_text(text)
            (GOLDEN / (self.name + ".sources")).write_text("\n".join(listing) + "\n")
        else:
            golden = (GOLDEN / (self.name + ".txt")).read_text()
            assert text == golden, "console differs from golden/console/%s.txt:\n%s" % (self.name, _diff(golden, text))
            recorded = (GOLDEN / (self.name + ".sources")).read_text()
            assert recorded == "\n".join(listing) + "\n", "golden/console/%s.sources is stale" % self.name
        assert not untraced, "lines with no upstream format string:\n" + "\n".join(untraced)


def _diff(expected, actual):
    import difflib
    return "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "actual", lineterm=""))
