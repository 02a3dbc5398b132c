"""Shared helpers of the emitter tests: paths, the lockscope binary, reading logs."""

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TESTS = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(TESTS)                  # integrations/python
REPO = os.path.dirname(os.path.dirname(PYDIR))  # the repository root
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def lockscope_bin():
    """$LOCKSCOPE_BIN, else .build/release/lockscope, else .build/debug/lockscope; None if none."""
    env = os.environ.get("LOCKSCOPE_BIN")
    if env:
        return env if os.access(env, os.X_OK) else None
    for cfg in ("release", "debug"):
        p = os.path.join(REPO, ".build", cfg, "lockscope")
        if os.access(p, os.X_OK):
            return p
    return None


class LogTest(unittest.TestCase):
    """A temporary directory per test, and lockscope on the logs written there."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lockscope-emitter-")
        self.path = os.path.join(self.dir, "locks.jsonl")
        # a fresh event loop, current before the test makes asyncio primitives: Python 3.9
        # binds an asyncio.Lock to the current loop when it is made, 3.10+ when first used
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)

    def arun(self, coro):
        """Run a coroutine on the test's loop (asyncio.run would make a new one)."""
        return self.loop.run_until_complete(coro)

    def tearDown(self):
        try:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()
            asyncio.set_event_loop(None)
        if os.environ.get("KEEP_LOGS"):
            print("\nlogs kept in", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def lockscope(self, *args, files=None):
        """`lockscope report --format json ARGS FILES` → the parsed report. Fails loudly with no binary."""
        exe = lockscope_bin()
        if exe is None:
            self.fail("no lockscope binary: set LOCKSCOPE_BIN, or build one "
                      "(swift build -c release) so that .build/release/lockscope exists")
        files = files or [self.path]
        cmd = [exe, "report", "--format", "json", *args, *files]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, "lockscope failed: %s\n%s" % (" ".join(cmd), r.stderr))
        rep = json.loads(r.stdout)
        self.assertEqual(rep["summary"]["skipped_lines"], 0, r.stderr)
        return rep

    def events(self, path=None):
        """The log's events, in file order; every line must be one whole JSON object."""
        out = []
        with open(path or self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                self.assertTrue(line.endswith("\n"), "line %d is not whole: %r" % (n, line))
                ev = json.loads(line)
                self.assertRegex(ev["ts"], TS_RE)
                out.append(ev)
        return out

    # -- findings and rows
    @staticmethod
    def kinds(rep):
        return sorted(f["kind"] for f in rep["findings"])

    @staticmethod
    def findings(rep, kind):
        return [f for f in rep["findings"] if f["kind"] == kind]

    @staticmethod
    def lock_row(rep, name):
        for row in rep["locks"]:
            if row["lock"] == name:
                return row
        raise AssertionError("no lock %r in the report: %s" % (name, [r["lock"] for r in rep["locks"]]))

    def assertNoAnomaly(self, rep):
        bad = [f for f in rep["findings"] if f["kind"] in ("anomaly", "two-holders", "deadlock")]
        self.assertEqual(bad, [], "unexpected findings: %s" % json.dumps(bad, indent=1))


def max_holders(events, lock):
    """Replay `lock` in file order: (most holders at once, most shared holders at once,
    whether an exclusive holder was ever not alone)."""
    shared = excl = 0
    most = most_shared = 0
    excl_not_alone = False
    for ev in events:
        if ev.get("lock") != lock or ev["event"] not in ("acquire", "release"):
            continue
        is_shared = ev.get("mode") == "shared"
        d = 1 if ev["event"] == "acquire" else -1
        if is_shared:
            shared += d
        else:
            excl += d
        if d == 1:
            most = max(most, shared + excl)
            most_shared = max(most_shared, shared)
            if excl and (excl > 1 or shared):
                excl_not_alone = True
    return most, most_shared, excl_not_alone
