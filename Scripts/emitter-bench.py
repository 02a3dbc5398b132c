#!/usr/bin/env python3
"""Overhead of integrations/python/lockscope_events.py: µs per acquire+release pair.

For each primitive, an uncontended loop of N acquire+release pairs (`with lock:` /
`async with lock:`) is timed bare and traced (writing to a file in /tmp, or $TMPDIR);
the best of R repeats is kept. Times are CPU time of the process (user + system,
time.process_time), so that other load on the machine does not inflate them; --wall
uses time.perf_counter instead. The difference is what tracing adds to every use of a
lock: building the lines, the agent and site, and one write(2) per line.

    Scripts/emitter-bench.py [--pairs N] [--repeats R] [--dir DIR]
"""

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integrations", "python"))

from lockscope_events import EventLog, TracedRWLock, traced  # noqa: E402


_clock = time.process_time  # CPU time of this process: the cost, robust on a busy machine


def time_sync(lock, n):
    t0 = _clock()
    for _ in range(n):
        with lock:
            pass
    return _clock() - t0


def time_async(make, n):
    async def main():
        lock = make()
        t0 = _clock()
        for _ in range(n):
            async with lock:
                pass
        return _clock() - t0
    return asyncio.run(main())


def time_rw(log, n):
    async def main():
        rw = TracedRWLock("bench:rw", log)
        t0 = _clock()
        for _ in range(n):
            async with rw.write():
                pass
        return _clock() - t0
    return asyncio.run(main())


def best(fn, repeats):
    return min(fn() for _ in range(repeats))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=20000, help="acquire+release pairs per run (20000)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per case; the best is kept (5)")
    ap.add_argument("--dir", default=None, help="where the log goes (default: a new directory in /tmp)")
    ap.add_argument("--wall", action="store_true", help="time with the wall clock, not CPU time")
    a = ap.parse_args()
    global _clock
    if a.wall:
        _clock = time.perf_counter
    n, r = a.pairs, a.repeats
    d = a.dir or tempfile.mkdtemp(prefix="emitter-bench-", dir=os.environ.get("TMPDIR", "/tmp"))
    path = os.path.join(d, "bench.jsonl")

    rows = []
    with EventLog(path) as log:
        cases = [
            ("threading.Lock", lambda: time_sync(threading.Lock(), n),
             lambda: time_sync(traced(threading.Lock(), "bench:lock", log), n)),
            ("threading.RLock", lambda: time_sync(threading.RLock(), n),
             lambda: time_sync(traced(threading.RLock(), "bench:rlock", log), n)),
            ("threading.Semaphore(4)", lambda: time_sync(threading.Semaphore(4), n),
             lambda: time_sync(traced(threading.Semaphore(4), "bench:sem", log), n)),
            ("asyncio.Lock", lambda: time_async(asyncio.Lock, n),
             lambda: time_async(lambda: traced(asyncio.Lock(), "bench:alock", log), n)),
            ("asyncio.Semaphore(4)", lambda: time_async(lambda: asyncio.Semaphore(4), n),
             lambda: time_async(lambda: traced(asyncio.Semaphore(4), "bench:asem", log), n)),
            ("TracedRWLock write()", None, lambda: time_rw(log, n)),
        ]
        for name, bare, tr in cases:
            size0 = os.path.getsize(path)
            t_tr = best(tr, r)
            lines = None
            size1 = os.path.getsize(path)
            with open(path, "rb") as f:
                f.seek(size0)
                lines = f.read(size1 - size0).count(b"\n") / (n * r)
            t_bare = best(bare, r) if bare else None
            rows.append((name, t_bare, t_tr, lines, (size1 - size0) / (n * r)))

    print("lockscope_events overhead: %d uncontended acquire+release pairs, best of %d, %s; log %s"
          % (n, r, "wall time" if a.wall else "CPU time", path))
    print("Python %s on %s, %s" % (platform.python_version(), platform.machine(), platform.platform()))
    print()
    print("%-24s %10s %10s %10s %7s %9s" % ("primitive", "bare µs", "traced µs", "added µs", "lines", "bytes"))
    for name, t_bare, t_tr, lines, nbytes in rows:
        bare_us = t_bare / n * 1e6 if t_bare is not None else None
        tr_us = t_tr / n * 1e6
        print("%-24s %10s %10.2f %10s %7.1f %9.0f" % (
            name, "%.2f" % bare_us if bare_us is not None else "-", tr_us,
            "%.2f" % (tr_us - bare_us) if bare_us is not None else "-", lines, nbytes))
    if not a.dir:
        os.remove(path)
        os.rmdir(d)


if __name__ == "__main__":
    main()
