"""redis-py's Lock against a real redis-server started here, then lockscope on the log.

Skipped, with the reason printed, only where redis-server or the redis package cannot
be had (CI installs both: apt-get install -y redis-server; pip install redis).
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

from support import LogTest

from lockscope_events import EventLog, traced

PID = os.getpid()

try:
    import redis
    from redis.exceptions import LockNotOwnedError
except ImportError as e:  # pragma: no cover
    redis = None
    _why = "the redis package cannot be imported (%s): pip install redis" % e
else:
    _why = None
REDIS_SERVER = shutil.which("redis-server")
if REDIS_SERVER is None and _why is None:
    _why = "redis-server not found on PATH: apt-get install -y redis-server"
if _why:
    print("SKIP test_redis: " + _why, file=sys.stderr)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipIf(_why is not None, _why or "")
class RedisLocks(LogTest):
    @classmethod
    def setUpClass(cls):
        cls.port = _free_port()
        cls.server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.r = redis.Redis(host="127.0.0.1", port=cls.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                cls.r.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or cls.server.poll() is not None:
                    cls.server.kill()
                    raise
                time.sleep(0.02)

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.server.terminate()  # by its pid: the server this class started
        try:
            cls.server.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            cls.server.kill()
            cls.server.wait()

    def setUp(self):
        super().setUp()
        self.r.flushall()

    def test_workers_take_turns_lease_and_timeout(self):
        with EventLog(self.path) as log:
            lock = traced(self.r.lock("res:report", timeout=5, sleep=0.002), "res:report", log)
            start = threading.Barrier(4)

            def worker(i):
                start.wait()
                for _ in range(3):
                    with lock:
                        time.sleep(0.01)

            threads = [threading.Thread(target=worker, args=(i,), name="worker-%d" % i) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            # blocking_timeout runs out: a timeout, and `with` raises redis-py's own LockError
            holder = traced(self.r.lock("res:busy", timeout=5), "res:busy", log)
            self.assertTrue(holder.acquire())
            impatient = traced(self.r.lock("res:busy", timeout=5, blocking_timeout=0.05),
                               "res:busy", log, agent="impatient")
            self.assertFalse(impatient.acquire())
            self.assertFalse(impatient.acquire(blocking=False))
            with self.assertRaises(redis.exceptions.LockError):
                with impatient:
                    pass
            holder.release()
        evs = self.events()
        acq = [e for e in evs if e["event"] == "acquire"]
        self.assertTrue(all(e["lease_ms"] == 5000 for e in acq))
        rep = self.lockscope()
        row = self.lock_row(rep, "res:report")
        self.assertEqual((row["attempts"], row["acquisitions"], row["timeouts"]), (12, 12, 0))
        self.assertGreaterEqual(row["hold"]["p50_ns"], 9e6)
        busy = self.lock_row(rep, "res:busy")
        self.assertEqual((busy["attempts"], busy["acquisitions"], busy["timeouts"]), (4, 1, 3))
        self.assertNoAnomaly(rep)
        self.assertEqual(self.findings(rep, "orphan"), [])

    def test_extend_and_reacquire_write_renew(self):
        with EventLog(self.path) as log:
            lock = traced(self.r.lock("res:long", timeout=0.2), "res:long", log)
            with lock:
                for _ in range(3):  # a heartbeat keeps the lease alive across 0.3 s of work
                    time.sleep(0.1)
                    lock.reacquire()
                lock.extend(1.0)
                self.assertTrue(lock.owned())
        evs = self.events()
        renews = [e for e in evs if e["event"] == "renew"]
        self.assertEqual(len(renews), 4)
        for e in renews[:3]:
            self.assertAlmostEqual(e["lease_ms"], 200, delta=30)
        self.assertAlmostEqual(renews[3]["lease_ms"], 1200, delta=50)  # remaining 0.2 s + 1 s
        rep = self.lockscope()
        self.assertEqual(self.findings(rep, "orphan"), [])
        self.assertEqual(self.findings(rep, "two-holders"), [])
        self.assertEqual(self.lock_row(rep, "res:long")["hold"]["count"], 1)

    def test_lease_expiry_while_held_is_two_holders(self):
        """A lock with timeout=0.1 held 0.3 s: another agent takes it at 0.15 s."""
        with EventLog(self.path) as log:
            slow = traced(self.r.lock("res:lease", timeout=0.1), "res:lease", log, agent="slow")
            fast = traced(self.r.lock("res:lease", timeout=1, sleep=0.002), "res:lease", log, agent="fast")
            self.assertTrue(slow.acquire())

            def other():
                time.sleep(0.15)
                with fast:
                    time.sleep(0.01)
            t = threading.Thread(target=other)
            t.start()
            time.sleep(0.3)
            t.join()
            with self.assertRaises(LockNotOwnedError):
                slow.release()  # the lease was gone: redis-py raises; no extra line
        evs = self.events()
        self.assertEqual([(e["agent"], e["event"]) for e in evs],
                         [("slow", "request"), ("slow", "acquire"), ("fast", "request"),
                          ("fast", "acquire"), ("fast", "release"), ("slow", "release")])
        rep = self.lockscope()
        th = self.findings(rep, "two-holders")
        self.assertEqual(len(th), 1, self.kinds(rep))
        self.assertEqual(th[0]["locks"], ["res:lease"])
        self.assertEqual(sorted(th[0]["agents"]), ["fast", "slow"])

    def test_lease_running_out_with_nobody_waiting_is_an_expired_lease(self):
        with EventLog(self.path) as log:
            lock = traced(self.r.lock("res:alone", timeout=0.1), "res:alone", log, agent="slow")
            lock.acquire()
            time.sleep(0.3)
            with self.assertRaises(LockNotOwnedError):
                lock.release()
        self.assertEqual([e["event"] for e in self.events()], ["request", "acquire", "release"])
        rep = self.lockscope()
        orphans = self.findings(rep, "orphan")
        self.assertEqual([(o["locks"], o["agents"], o["cause"]) for o in orphans],
                         [(["res:alone"], ["slow"], "lease-expired")])

    def test_redis_asyncio_lock(self):
        import redis.asyncio as aredis

        async def main():
            r = aredis.Redis(host="127.0.0.1", port=self.port)
            try:
                with EventLog(self.path) as log:
                    async def worker():
                        lock = traced(r.lock("res:async", timeout=2, sleep=0.002), "res:async", log)
                        for _ in range(2):
                            async with lock:
                                await asyncio.sleep(0.01)
                                await lock.extend(1)
                    await asyncio.gather(*(asyncio.create_task(worker(), name="aworker-%d" % i)
                                           for i in range(3)))
                    busy = traced(r.lock("res:async", timeout=2), "res:async", log, agent="holder")
                    self.assertTrue(await busy.acquire())
                    late = traced(r.lock("res:async", timeout=2, blocking_timeout=0.03),
                                  "res:async", log, agent="late")
                    self.assertFalse(await late.acquire())
                    await busy.release()
            finally:
                await r.aclose() if hasattr(r, "aclose") else await r.close()
        self.arun(main())
        evs = self.events()
        self.assertEqual(sum(e["event"] == "renew" for e in evs), 6)
        self.assertTrue(all(e["lease_ms"] == 2000 for e in evs if e["event"] == "acquire"))
        rep = self.lockscope()
        row = self.lock_row(rep, "res:async")
        self.assertEqual((row["attempts"], row["acquisitions"], row["timeouts"]), (8, 7, 1))
        self.assertNoAnomaly(rep)


if __name__ == "__main__":
    unittest.main()
