"""Real asyncio programs through the emitter, then lockscope on their logs."""

import asyncio
import os
import threading
import unittest

from support import LogTest, max_holders

from lockscope_events import EventLog, TracedRWLock, traced

PID = os.getpid()
SLOW = 0.03  # "the slow call" (an LLM call, I/O): 30 ms


async def _gather_named(**coros):
    tasks = [asyncio.create_task(c, name=n) for n, c in coros.items()]
    return await asyncio.gather(*tasks, return_exceptions=True)


class Patterns(LogTest):
    def test_lock_around_the_slow_call_is_a_hot_lock(self):
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "llm:global", log)

            async def worker():
                for _ in range(2):
                    async with lock:
                        await asyncio.sleep(SLOW)  # the slow call, inside the lock

            self.arun(_gather_named(**{"worker-%02d" % i: worker() for i in range(10)}))
        rep = self.lockscope()
        hot = self.findings(rep, "hot-lock")
        self.assertEqual(len(hot), 1, self.kinds(rep))
        self.assertEqual(hot[0]["locks"], ["llm:global"])
        row = self.lock_row(rep, "llm:global")
        self.assertEqual((row["attempts"], row["acquisitions"]), (20, 20))
        self.assertGreaterEqual(row["utilization"], 0.9)
        self.assertGreaterEqual(row["queue_max"], 8)
        self.assertGreaterEqual(row["hold"]["p50_ns"], SLOW * 1e9 * 0.9)
        # serialized: a worker queued behind the other nine waits about nine holds
        self.assertGreaterEqual(row["wait"]["max_ns"], 7 * SLOW * 1e9)
        self.assertEqual(rep["summary"]["agents"], 10)
        self.assertNoAnomaly(rep)

    def test_lock_around_the_state_update_only_is_not_hot(self):
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "results:global", log)
            results = []

            async def worker(i):
                for j in range(2):
                    await asyncio.sleep(SLOW)  # the slow call, outside the lock
                    async with lock:
                        results.append((i, j))  # only the state update inside

            self.arun(_gather_named(**{"worker-%02d" % i: worker(i) for i in range(10)}))
        self.assertEqual(len(results), 20)
        rep = self.lockscope()
        self.assertEqual(self.findings(rep, "hot-lock"), [])
        self.assertEqual(self.findings(rep, "long-hold"), [])
        row = self.lock_row(rep, "results:global")
        self.assertEqual(row["acquisitions"], 20)
        self.assertLess(row["utilization"], 0.2)
        self.assertLess(row["wait"]["max_ns"], 20e6)
        self.assertNoAnomaly(rep)

    def test_per_key_locks(self):
        with EventLog(self.path) as log:
            locks = {}

            def lock_for(key):
                if key not in locks:
                    locks[key] = traced(asyncio.Lock(), "user:%d" % key, log)
                return locks[key]

            async def worker(keys):
                for key in keys:
                    async with lock_for(key):
                        await asyncio.sleep(SLOW)

            # workers 0..7 each own two keys; workers 8 and 9 share key 1000 with worker 0
            jobs = {"worker-%02d" % i: worker([1000 + i, 2000 + i]) for i in range(8)}
            jobs["worker-08"] = worker([1000])
            jobs["worker-09"] = worker([1000])
            self.arun(_gather_named(**jobs))
        rep = self.lockscope()
        self.assertEqual(rep["summary"]["locks"], 16)
        # only the one key three workers share may queue (it may well be a hot lock)
        self.assertEqual({l for f in rep["findings"] for l in f["locks"]} - {"user:1000"}, set(),
                         rep["findings"])
        shared = self.lock_row(rep, "user:1000")
        self.assertEqual(shared["acquisitions"], 3)
        self.assertGreater(shared["contention_rate"], 0)
        for i in range(1, 8):
            row = self.lock_row(rep, "user:%d" % (1000 + i))
            self.assertEqual((row["acquisitions"], row["contention_rate"]), (1, 0))
            self.assertLess(row["wait"]["max_ns"], 1e6)  # request → acquire of a free lock: µs
        self.assertEqual(rep["overall"]["acquisitions"], 18)
        self.assertNoAnomaly(rep)

    def test_read_write_lock_readers_overlap_writers_alone(self):
        with EventLog(self.path) as log:
            rw = TracedRWLock("config", log)
            config = {"v": 0}
            seen = []

            async def reader():
                for _ in range(3):
                    async with rw.read():
                        seen.append(config["v"])
                        await asyncio.sleep(0.02)
                    await asyncio.sleep(0.005)

            async def writer():
                for _ in range(2):
                    await asyncio.sleep(0.01)
                    async with rw.write():
                        v = config["v"]
                        await asyncio.sleep(0.02)
                        config["v"] = v + 1

            jobs = {"reader-%d" % i: reader() for i in range(6)}
            jobs.update({"writer-%d" % i: writer() for i in range(2)})
            self.arun(_gather_named(**jobs))
        self.assertEqual(config["v"], 4, "writers were alone: no update lost")
        most, most_shared, excl_not_alone = max_holders(self.events(), "config")
        self.assertGreater(most_shared, 1, "readers overlap")
        self.assertFalse(excl_not_alone, "a writer is alone")
        rep = self.lockscope()
        row = self.lock_row(rep, "config")
        self.assertEqual(row["acquisitions"], 6 * 3 + 2 * 2)
        self.assertNoAnomaly(rep)

    def test_semaphore_5_with_12_callers(self):
        with EventLog(self.path) as log:
            sem = traced(asyncio.Semaphore(5), "llm:pool", log)
            inside = [0, 0]

            async def caller():
                async with sem:
                    inside[0] += 1
                    inside[1] = max(inside[1], inside[0])
                    await asyncio.sleep(SLOW)
                    inside[0] -= 1

            self.arun(_gather_named(**{"caller-%02d" % i: caller() for i in range(12)}))
        evs = self.events()
        self.assertTrue(all(e["capacity"] == 5 for e in evs))
        most, _, _ = max_holders(evs, "llm:pool")
        self.assertEqual(most, 5, "never more than 5 holders in the log, and 5 reached")
        self.assertEqual(inside[1], 5)
        rep = self.lockscope()
        row = self.lock_row(rep, "llm:pool")
        self.assertEqual((row["attempts"], row["acquisitions"]), (12, 12))
        self.assertEqual(row["queue_max"], 7)
        self.assertGreaterEqual(row["wait"]["max_ns"], SLOW * 1e9 * 0.9)
        self.assertNoAnomaly(rep)

    def test_wait_for_is_a_cancel_not_a_timeout(self):
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "db:users", log)

            async def holder():
                async with lock:
                    await asyncio.sleep(0.1)

            async def impatient():
                await asyncio.sleep(0.01)
                try:
                    await asyncio.wait_for(lock.acquire(), 0.03)
                except asyncio.TimeoutError:
                    return "gave up"

            out = self.arun(_gather_named(holder=holder(), impatient=impatient()))
        self.assertEqual(out[1], "gave up")
        self.assertIn(("impatient@%d" % PID, "cancel"), [(e["agent"], e["event"]) for e in self.events()])
        rep = self.lockscope()
        row = self.lock_row(rep, "db:users")
        self.assertEqual((row["attempts"], row["acquisitions"], row["timeouts"]), (2, 1, 0))
        self.assertNoAnomaly(rep)

    def test_acquire_timeout_that_fails_is_a_timeout(self):
        with EventLog(self.path) as log:
            lock = traced(threading.Lock(), "db:orders", log)
            lock.acquire()
            got = []
            th = threading.Thread(target=lambda: got.append(lock.acquire(timeout=0.03)), name="impatient")
            th.start()
            th.join()
            lock.release()
        self.assertEqual(got, [False])
        rep = self.lockscope()
        row = self.lock_row(rep, "db:orders")
        self.assertEqual((row["attempts"], row["acquisitions"], row["timeouts"]), (2, 1, 1))
        self.assertAlmostEqual(row["timeout_rate"], 0.5)


class LeakedLocks(LogTest):
    def test_lock_left_held_after_an_exception_is_an_orphan_with_default_options(self):
        """SPEC §2 (revised orphan rule): still held at the end of the log, and some agent
        spent longer blocked by this hold (0.2 s) than any completed hold of the lock took
        (~10 ms): an orphan, without --orphan-after."""
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "state:global", log)

            async def good():
                for _ in range(3):
                    async with lock:
                        await asyncio.sleep(0.01)

            async def update_state():
                await lock.acquire()
                raise ValueError("bad input")  # ... and lock.release() is never reached

            async def leaky():
                await asyncio.sleep(0.05)
                try:
                    await update_state()
                except ValueError:
                    pass  # swallowed: the task lives on, the lock stays held

            async def stuck():
                await asyncio.sleep(0.07)
                for _ in range(2):
                    try:
                        await asyncio.wait_for(lock.acquire(), 0.1)
                    except asyncio.TimeoutError:
                        pass

            self.arun(_gather_named(good=good(), leaky=leaky(), stuck=stuck()))
        rep = self.lockscope()
        orphans = self.findings(rep, "orphan")
        self.assertEqual(len(orphans), 1, "kinds: %s" % self.kinds(rep))
        self.assertEqual(orphans[0]["locks"], ["state:global"])
        self.assertEqual(orphans[0]["agents"], ["leaky@%d" % PID])
        self.assertEqual(orphans[0]["cause"], "end-of-log")

    def test_crash_hook_makes_a_dead_tasks_lock_an_orphan(self):
        with EventLog(self.path) as log:
            log.install_crash_hooks()
            lock = traced(asyncio.Lock(), "state:global", log)
            other = traced(asyncio.Lock(), "state:other", log)

            async def doomed():
                async with other:  # released on the way out: no crash for this one
                    pass
                await lock.acquire()
                raise RuntimeError("unhandled")

            async def bystander():
                async with other:
                    raise KeyError("unhandled too, but holds nothing when it dies")

            async def waiter():
                await asyncio.sleep(0.02)
                try:
                    await asyncio.wait_for(lock.acquire(), 0.05)
                except asyncio.TimeoutError:
                    pass

            out = self.arun(_gather_named(doomed=doomed(), bystander=bystander(), waiter=waiter()))
        self.assertIsInstance(out[0], RuntimeError)
        crashes = [e["agent"] for e in self.events() if e["event"] == "crash"]
        self.assertEqual(crashes, ["doomed@%d" % PID])
        rep = self.lockscope()
        orphans = self.findings(rep, "orphan")
        self.assertEqual([(o["locks"], o["agents"], o["cause"]) for o in orphans],
                         [(["state:global"], ["doomed@%d" % PID], "crash")])


if __name__ == "__main__":
    unittest.main()
