"""The emitter's own promises, checked on the lines it writes (no lockscope needed)."""

import asyncio
import io
import json
import os
import threading
import unittest

from support import LogTest, TS_RE

from lockscope_events import EventLog, TracedRWLock, traced

PID = os.getpid()


class Format(LogTest):
    def test_lines_fields_agent_site(self):
        with EventLog(self.path) as log:
            lock = traced(threading.Lock(), "db:users", log)
            with lock:
                pass  # the site is this line's `with`
            line_no = _line_of("with lock:  # site")
            with lock:  # site
                pass
        evs = self.events()
        self.assertEqual([e["event"] for e in evs], ["acquire", "release", "acquire", "release"])
        for e in evs:
            self.assertRegex(e["ts"], TS_RE)
            self.assertEqual(e["agent"], "MainThread@%d" % PID)
            self.assertEqual(e["lock"], "db:users")
        self.assertTrue(evs[2]["site"].endswith("test_emitter.py:%d test_lines_fields_agent_site"
                                                % line_no), evs[2]["site"])

    def test_agent_is_task_name_then_thread_name_and_override(self):
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "a", log)

            async def main():
                async with lock:
                    pass
            self.arun(_named(main(), "planner"))

            tl = traced(threading.Lock(), "t", log)

            def work():
                with tl:
                    pass
            th = threading.Thread(target=work, name="indexer-3")
            th.start()
            th.join()
            fixed = traced(threading.Lock(), "f", log, agent="host-7/job-2")
            with fixed:
                pass
        agents = {e["lock"]: e["agent"] for e in self.events()}
        self.assertEqual(agents, {"a": "planner@%d" % PID, "t": "indexer-3@%d" % PID,
                                  "f": "host-7/job-2"})

    def test_names_are_json_escaped(self):
        buf = io.StringIO()
        log = EventLog(buf)
        lock = traced(threading.Lock(), 'we"ird\\name\n✓', log, agent="a\tb")
        with lock:
            pass
        evs = [json.loads(l) for l in buf.getvalue().splitlines()]
        self.assertEqual(evs[0]["lock"], 'we"ird\\name\n✓')
        self.assertEqual(evs[0]["agent"], "a\tb")

    def test_stream_is_written_a_whole_line_at_a_time_and_flushed(self):
        class Recorder(io.StringIO):
            writes, flushes = [], 0

            def write(self, s):
                self.writes.append(s)
                return super().write(s)

            def flush(self):
                type(self).flushes += 1
        buf = Recorder()
        log = EventLog(buf)
        with traced(threading.Lock(), "x", log):
            pass
        self.assertEqual(len(buf.writes), 2)
        self.assertTrue(all(w.endswith("}\n") and w.count("\n") == 1 for w in buf.writes))
        self.assertGreaterEqual(Recorder.flushes, 2)
        log.close()
        self.assertFalse(buf.closed, "a stream passed in is not closed by the log")

    def test_closed_log_drops_and_counts_but_locks_work(self):
        log = EventLog(self.path)
        lock = traced(threading.Lock(), "x", log)
        log.close()
        with lock:
            self.assertTrue(lock.locked())
        self.assertFalse(lock.locked())
        self.assertEqual(log.dropped, 2)

    def test_pid_in_path(self):
        p = os.path.join(self.dir, "locks-{pid}.jsonl")
        with EventLog(p) as log:
            self.assertEqual(log.path, os.path.join(self.dir, "locks-%d.jsonl" % PID))
            with traced(threading.Lock(), "x", log):
                pass
        self.assertEqual(len(self.events(log.path)), 2)


class ReleaseBeforeUnlock(LogTest):
    """The release line is written while the primitive is still held."""

    def _check(self, make, use):
        states = []

        class Spy(io.StringIO):
            def write(self, s):
                ev = json.loads(s)
                if ev["event"] == "release":
                    states.append(holder.primitive.locked() if hasattr(holder.primitive, "locked")
                                  else holder.primitive._value == 0)
                return super().write(s)
        log = EventLog(Spy())
        holder = traced(make(), "x", log)
        use(holder)
        self.assertTrue(states and all(states), states)

    def test_threading_lock(self):
        def use(l):
            with l:
                pass
        self._check(threading.Lock, use)

    def test_asyncio_lock_and_semaphore(self):
        def use(l):
            async def main():
                async with l:
                    pass
            self.arun(main())
        self._check(asyncio.Lock, use)
        self._check(lambda: asyncio.Semaphore(1), use)


class Primitives(LogTest):
    def test_rlock_outermost_level_only(self):
        with EventLog(self.path) as log:
            r = traced(threading.RLock(), "r", log)
            with r:
                with r:
                    self.assertTrue(r.acquire())
                    r.release()
                self.assertTrue(r.locked())
            self.assertFalse(r.locked())
        self.assertEqual([e["event"] for e in self.events()], ["acquire", "release"])

    def test_semaphore_capacity_from_value_or_given(self):
        with EventLog(self.path) as log:
            for prim, cap in ((threading.Semaphore(3), None), (threading.BoundedSemaphore(4), None),
                              (asyncio.Semaphore(5), None), (asyncio.BoundedSemaphore(6), None),
                              (threading.Semaphore(2), 9)):
                t = traced(prim, "s%s" % id(prim), log, capacity=cap)
                if isinstance(prim, asyncio.Semaphore):
                    async def main():
                        async with t:
                            pass
                    self.arun(main())
                else:
                    with t:
                        pass
        caps = [e["capacity"] for e in self.events() if e["event"] == "acquire"]
        self.assertEqual(caps, [3, 4, 5, 6, 9])

    def test_threading_timeout_and_nonblocking_failure_are_timeouts(self):
        with EventLog(self.path) as log:
            lock = traced(threading.Lock(), "x", log)
            lock.acquire()

            def other():
                self.assertFalse(lock.acquire(timeout=0.02))
                self.assertFalse(lock.acquire(blocking=False))
                self.assertFalse(lock.acquire(False))
            th = threading.Thread(target=other, name="other")
            th.start()
            th.join()
            lock.release()
        evs = [(e["agent"].split("@")[0], e["event"]) for e in self.events()]
        self.assertEqual(evs, [("MainThread", "acquire")] + [("other", "request"), ("other", "timeout")] * 3
                         + [("MainThread", "release")])

    def test_asyncio_wait_for_is_a_cancel_with_the_callers_agent(self):
        with EventLog(self.path) as log:
            lock = traced(asyncio.Lock(), "x", log)

            async def main():
                await lock.acquire()

                async def waiter():
                    with self.assertRaises(asyncio.TimeoutError):
                        await asyncio.wait_for(lock.acquire(), 0.02)
                await asyncio.create_task(waiter(), name="waiter")
                lock.release()
            self.arun(main())
        evs = [(e["agent"].split("@")[0], e["event"]) for e in self.events()]
        main_task = evs[0][0]
        self.assertEqual(evs, [(main_task, "request"), (main_task, "acquire"), ("waiter", "request"),
                               ("waiter", "cancel"), (main_task, "release")])

    def test_release_by_another_agent_is_written_for_the_holder(self):
        with EventLog(self.path) as log:
            lock = traced(threading.Lock(), "handoff", log)
            lock.acquire()
            th = threading.Thread(target=lock.release, name="releaser")
            th.start()
            th.join()
        evs = self.events()
        self.assertEqual(evs[1]["event"], "release")
        self.assertEqual(evs[1]["agent"], "MainThread@%d" % PID)

    def test_release_of_an_unlocked_lock_raises_and_writes_nothing(self):
        with EventLog(self.path) as log:
            for prim in (threading.Lock(), threading.RLock(), asyncio.Lock()):
                with self.assertRaises(RuntimeError):
                    traced(prim, "x", log).release()
            sem = traced(threading.Semaphore(0), "signal", log, capacity=1)
            sem.release()  # a semaphore used as a signal: released, nobody held it
            self.assertTrue(sem.acquire(blocking=False))
        self.assertEqual([e["event"] for e in self.events()], ["acquire"])

    def test_emit_by_hand(self):
        with EventLog(self.path) as log:
            log.emit("acquire", "db:users", lease_ms=5000, token=7)
            log.emit("crash", agent="worker-1")
        evs = self.events()
        self.assertEqual(evs[0]["agent"], "MainThread@%d" % PID)
        self.assertEqual((evs[0]["lease_ms"], evs[0]["token"]), (5000, 7))
        self.assertEqual((evs[1]["event"], evs[1]["agent"], "lock" in evs[1]), ("crash", "worker-1", False))

    def test_generic_fallback_for_multiprocessing_lock(self):
        import multiprocessing
        with EventLog(self.path) as log:
            lock = traced(multiprocessing.Lock(), "mp", log)
            with lock:
                pass
            self.assertFalse(lock.acquire(block=False) and lock.acquire(block=False))
        self.assertEqual([e["event"] for e in self.events()],
                         ["request", "acquire", "release", "request", "acquire", "request", "timeout"])

    def test_rejects_non_locks(self):
        with EventLog(self.path) as log:
            with self.assertRaises(TypeError):
                traced(object(), "x", log)
            with self.assertRaises(TypeError):
                traced(threading.Lock(), "x", "not a log")


class RWLockSemantics(unittest.TestCase):
    def test_fifo_reader_queues_behind_waiting_writer_and_cancel_lets_it_in(self):
        log = EventLog(io.StringIO())
        rw = TracedRWLock("cfg", log)
        order = []

        async def main():
            r1 = rw.read()
            await r1.__aenter__()
            w = asyncio.create_task(_hold(rw.write(), order, "w"))
            await asyncio.sleep(0.01)
            r2 = asyncio.create_task(_hold(rw.read(), order, "r2"))
            await asyncio.sleep(0.01)
            self.assertEqual((rw.readers, order), (1, []), "r2 must queue behind the waiting writer")
            w.cancel()
            await asyncio.sleep(0.01)
            self.assertEqual(order, ["r2"], "with the writer gone, r2 shares with r1")
            self.assertEqual(rw.readers, 1, "r1 still holds")
            await r1.__aexit__(None, None, None)
            await r2
            self.assertFalse(rw.locked())
        asyncio.run(main())
        self.assertEqual(order, ["r2"])
        evs = [json.loads(l) for l in log._stream.getvalue().splitlines()]
        self.assertIn("cancel", [e["event"] for e in evs if e["mode"] == "exclusive"])


async def _hold(cm, order, tag):
    async with cm:
        order.append(tag)


async def _named(coro, name):
    return await asyncio.create_task(coro, name=name)


def _line_of(text):
    with open(__file__, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if text in line and "_line_of" not in line:
                return n
    raise AssertionError(text)


if __name__ == "__main__":
    unittest.main()
