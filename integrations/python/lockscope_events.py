"""lockscope_events: make your own locks write a lockscope event log.

One file, Python >= 3.9, standard library only. Copy it next to your code or put
this directory on ``sys.path``::

    from lockscope_events import EventLog, traced, TracedRWLock

    log  = EventLog("locks.jsonl")                         # a path or a text stream
    lock = traced(asyncio.Lock(), "state:global", log)    # speaks the primitive's protocol
    async with lock: ...                                   # request / acquire / release
    sem  = traced(asyncio.Semaphore(5), "llm:pool", log)   # capacity written from the semaphore
    rw   = TracedRWLock("config", log)                     # async with rw.read(): / rw.write():
    log.crash()                                            # the calling agent died
    log.install_crash_hooks()                              # ... or let the hooks say so

Then ``lockscope report locks.jsonl``.

Every line is one JSON object (lockscope's input format, SPEC section 1) written with
one ``write`` on a file opened with ``O_APPEND``, so threads and processes can share a
file without torn lines. Timestamps are RFC 3339 UTC with microseconds. The agent is
``NAME@PID``: the asyncio task's name, else the thread's name. ``site`` is the caller's
``file:line function``. A release line is written *before* the primitive is released,
so a log never shows two holders the program did not have.

Wrapped primitives: ``asyncio.Lock``, ``asyncio.Semaphore``/``BoundedSemaphore``,
``threading.Lock``, ``RLock``, ``Semaphore``/``BoundedSemaphore``, a redis-py ``Lock``
(duck-typed; redis is never imported here), and, as a fallback, any other object with
``acquire()``/``release()`` (logged as a plain exclusive lock, e.g.
``multiprocessing.Lock``).
"""

import asyncio
import atexit
import collections
import inspect
import io
import os
import sys
import threading
import time
import weakref

try:  # C-accelerated JSON string quoting (with ensure_ascii=False semantics)
    from json.encoder import encode_basestring as _quote
except ImportError:  # pragma: no cover
    import json as _json

    def _quote(s):
        return _json.dumps(s, ensure_ascii=False)


__all__ = ["EventLog", "traced", "TracedRWLock"]
__version__ = "0.1.0"

_THIS_FILE = __file__
if _THIS_FILE.endswith((".pyc", ".pyo")):  # pragma: no cover
    _THIS_FILE = _THIS_FILE[:-1]
_THIS_FILES = {_THIS_FILE, os.path.abspath(_THIS_FILE)}

# ---------------------------------------------------------------------------
# process id (kept current across fork), timestamps, agents, sites

_pid = [os.getpid()]
_logs = weakref.WeakSet()  # every EventLog, to re-arm after fork


def _after_fork_in_child():
    _pid[0] = os.getpid()
    _agent_cache.clear()
    for log in list(_logs):
        log._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_time_ns = time.time_ns
_ts_cache = [(-1, "")]  # (second, its "YYYY-MM-DDTHH:MM:SS"), replaced whole


try:
    from asyncio import _get_running_loop as _running_loop  # returns None outside a loop
except ImportError:  # pragma: no cover
    from asyncio.events import _get_running_loop as _running_loop

_current_task = asyncio.current_task
_current_thread = threading.current_thread
_agent_cache = {}


def _agent_of(name):
    """'NAME@PID', JSON-quoted, cached."""
    q = _agent_cache.get(name)
    if q is None:
        if len(_agent_cache) > 4096:
            _agent_cache.clear()
        q = _agent_cache[name] = _quote("%s@%d" % (name, _pid[0]))
    return q


def _current_agent():
    """The calling agent, 'NAME@PID', JSON-quoted (the hot path: one call)."""
    loop = _running_loop()
    task = _current_task(loop) if loop is not None else None
    name = task.get_name() if task is not None else _current_thread().name
    q = _agent_cache.get(name)
    return q if q is not None else _agent_of(name)


_site_cache = {}
_cwd = os.getcwd()


def _display_path(filename):
    try:
        if os.path.isabs(filename) and filename.startswith(_cwd + os.sep):
            return os.path.relpath(filename, _cwd)
    except ValueError:  # pragma: no cover
        pass
    return os.path.basename(filename)


def _site():
    """The caller's 'file:line function' (the first frame outside this module), quoted.

    Cached by code object and instruction offset: neither the line number (a scan of
    the line table) nor a hash of the code object is computed on the hot path.
    """
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename in _THIS_FILES:
        f = f.f_back
    if f is None:  # pragma: no cover
        return None
    code = f.f_code
    key = (id(code), f.f_lasti)
    hit = _site_cache.get(key)
    if hit is not None and hit[0] is code:
        return hit[1]
    if len(_site_cache) > 8192:
        _site_cache.clear()
    q = _quote("%s:%d %s" % (_display_path(code.co_filename), f.f_lineno, code.co_name))
    _site_cache[key] = (code, q)
    return q


# ---------------------------------------------------------------------------
# the log


class EventLog:
    """Where the events go: a path (appended; ``{pid}`` becomes the process id) or a stream.

    A path is opened with ``os.open(O_APPEND|O_WRONLY|O_CREAT)`` and every line is one
    ``os.write`` of the whole line: threads and processes can append to one file and
    lines stay whole (they may land slightly out of time order across processes;
    lockscope's reorder window puts them back). A stream (``sys.stderr``, a socket file,
    ``io.StringIO``) gets one ``write`` per whole line, then ``flush()``, under a lock.

    ``close()`` closes a file this log opened; a stream passed in is flushed, not
    closed. Lines emitted after ``close()``, or that fail to write (disk full), are
    dropped and counted in ``dropped`` (a warning goes to stderr once): the program's
    locks keep working whatever happens to the log.
    """

    def __init__(self, path_or_stream, *, mode=0o644):
        self._lock = threading.Lock()  # stamp + write, one line at a time
        self._last_ns = 0
        self._fd = None
        self._stream = None
        self._binary = False
        self._path_template = None
        self._file_mode = mode
        self.closed = False
        self.dropped = 0
        self._warned = False
        # agent (quoted) -> [number of holds, thread ident of the last acquire]
        self._held = {}
        self._hooks = False
        self._hooked_tasks = weakref.WeakSet()
        self._hooked_loops = weakref.WeakSet()
        if isinstance(path_or_stream, (str, bytes, os.PathLike)):
            p = os.fsdecode(path_or_stream)
            self._path_template = p
            self._open()
        elif hasattr(path_or_stream, "write"):
            self._stream = path_or_stream
            self._binary = isinstance(path_or_stream, (io.RawIOBase, io.BufferedIOBase)) or (
                "b" in getattr(path_or_stream, "mode", ""))
        else:
            raise TypeError("EventLog wants a path or a writable stream, not %r"
                            % type(path_or_stream).__name__)
        _logs.add(self)

    # -- files
    @property
    def path(self):
        """The file written now (``{pid}`` filled in), or None for a stream."""
        if self._path_template is None:
            return None
        return self._path_template.replace("{pid}", str(_pid[0]))

    def _open(self):
        flags = os.O_APPEND | os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, self._file_mode)

    def _after_fork(self):
        self._lock = threading.Lock()
        self._held = {}
        self._hooked_tasks = weakref.WeakSet()
        self._hooked_loops = weakref.WeakSet()
        if self._fd is not None and "{pid}" in self._path_template and not self.closed:
            try:
                os.close(self._fd)
            except OSError:  # pragma: no cover
                pass
            self._open()

    def close(self):
        """Stop writing; close the file this log opened (a stream is only flushed)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)
            elif self._stream is not None:
                try:
                    self._stream.flush()
                except (OSError, ValueError):
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            if self._fd is not None and not self.closed:
                os.close(self._fd)
        except Exception:  # pragma: no cover
            pass

    # -- writing
    def _write(self, rest):
        """Stamp and write one whole line; ``rest`` is the line after its ``{"ts":"<stamp>``.

        The stamp is taken under the log's lock, right before the write: lines of one
        process are in time order in its file, and never go back in time (a wall clock
        stepped back holds the stamps at the last one written until it catches up).
        """
        with self._lock:
            ns = _time_ns()
            if ns < self._last_ns:
                ns = self._last_ns
            self._last_ns = ns
            sec, frac = divmod(ns, 1_000_000_000)
            c = _ts_cache[0]
            if c[0] != sec:
                c = (sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)))
                _ts_cache[0] = c
            line = '{"ts":"%s.%06dZ%s' % (c[1], frac // 1000, rest)
            fd = self._fd
            if fd is not None:
                data = line.encode("utf-8")
                try:
                    n = os.write(fd, data)
                    while n < len(data):  # a regular file does not do this; a full disk may
                        data = data[n:]
                        n = os.write(fd, data)
                except OSError as e:
                    self._drop(e)
                return
            if self._stream is not None and not self.closed:
                try:
                    self._stream.write(line.encode("utf-8") if self._binary else line)
                    self._stream.flush()
                except (OSError, ValueError) as e:
                    self._drop(e)
                return
            self._drop(None)

    def _drop(self, err):
        self.dropped += 1
        if err is not None and not self._warned:
            self._warned = True
            try:
                sys.stderr.write("lockscope_events: cannot write the event log (%s); "
                                 "further lines are dropped and counted\n" % err)
            except Exception:  # pragma: no cover
                pass

    def emit(self, event, lock=None, agent=None, **fields):
        """Write one event by hand: ``log.emit("acquire", "db:users", lease_ms=5000)``.

        ``agent`` defaults to the calling agent (``NAME@PID``); extra fields are written
        as given (JSON-encoded).
        """
        import json
        a = _quote(agent) if agent is not None else _current_agent()
        parts = ['","event":', _quote(event), ',"agent":', a]
        if lock is not None:
            parts += [',"lock":', _quote(lock)]
        for k, v in fields.items():
            if v is not None:
                parts += [",", _quote(k), ":", json.dumps(v, ensure_ascii=False)]
        parts.append("}\n")
        self._write("".join(parts))

    # -- holders, for the crash hooks
    def _held_inc(self, agent):
        if not self._hooks:  # only the crash hooks need to know who holds what
            return
        h = self._held.get(agent)
        if h is None:
            self._held[agent] = [1, threading.get_ident()]
        else:
            h[0] += 1
        self._hook_task()

    def _held_dec(self, agent):
        h = self._held.get(agent)
        if h is not None:
            h[0] -= 1
            if h[0] <= 0:
                self._held.pop(agent, None)

    def holding(self):
        """The agents (``NAME@PID``) holding a lock, as the crash hooks know them.

        Tracked from ``install_crash_hooks()`` on (the tracking costs a little on every
        acquire, so it is off without the hooks).
        """
        import json
        return sorted(json.loads(a) for a in list(self._held))

    # -- crashes
    def crash(self, agent=None):
        """Write ``crash`` for ``agent`` (default: the calling agent): it died, its locks are orphaned.

        Written whether or not it holds a lock (this is an explicit statement).
        """
        a = _quote(agent) if agent is not None else _current_agent()
        self._crash_quoted(a)

    def _crash_quoted(self, a):
        self._held.pop(a, None)
        self._write('","event":"crash","agent":%s}\n' % a)

    def _crash_if_holding(self, a):
        if a in self._held and not self.closed:
            self._crash_quoted(a)

    def install_crash_hooks(self):
        """Write ``crash`` for agents that die with an unhandled exception while holding a lock.

        Chains (keeps) the hooks already installed:

        - ``threading.excepthook``: the thread that died;
        - ``sys.excepthook``: the agents of the main thread (its tasks included, as when
          an exception ends ``asyncio.run``);
        - asyncio: a task that ends with an exception (or is cancelled) while it holds a
          lock traced here (a done-callback added when it first takes one), and the
          running loop's exception handler;
        - ``atexit``: every agent still holding a lock when the interpreter exits.

        Only agents that still hold a lock get a ``crash`` line: install the hooks at
        start-up, before locks are taken (holds taken earlier are not known to them).
        Returns the log.
        Processes started by ``multiprocessing`` end with ``os._exit`` and run none of
        these: call ``log.crash()`` there yourself (in an ``except``/``finally``).
        """
        if self._hooks:
            return self
        self._hooks = True
        log_ref = weakref.ref(self)

        prev_thread_hook = threading.excepthook

        def thread_hook(args, _prev=prev_thread_hook):
            log = log_ref()
            if log is not None and args.thread is not None:
                try:
                    log._crash_if_holding(_agent_of(args.thread.name))
                except Exception:  # pragma: no cover
                    pass
            _prev(args)

        threading.excepthook = thread_hook

        prev_sys_hook = sys.excepthook

        def sys_hook(tp, value, tb, _prev=prev_sys_hook):
            log = log_ref()
            if log is not None:
                try:
                    main = threading.main_thread().ident
                    for a, h in list(log._held.items()):
                        if h[1] == main:
                            log._crash_if_holding(a)
                except Exception:  # pragma: no cover
                    pass
            _prev(tp, value, tb)

        sys.excepthook = sys_hook

        def at_exit():
            log = log_ref()
            if log is not None:
                for a in list(log._held):
                    log._crash_if_holding(a)

        atexit.register(at_exit)

        loop = _running_loop()
        if loop is not None:
            self._hook_loop(loop)
        return self

    def _hook_loop(self, loop):
        if loop in self._hooked_loops:
            return
        self._hooked_loops.add(loop)
        prev = loop.get_exception_handler()
        log_ref = weakref.ref(self)

        def handler(lp, context, _prev=prev):
            log = log_ref()
            fut = context.get("future") or context.get("task")
            if log is not None and isinstance(fut, asyncio.Task) and context.get("exception"):
                try:
                    log._crash_if_holding(_agent_of(fut.get_name()))
                except Exception:  # pragma: no cover
                    pass
            if _prev is not None:
                _prev(lp, context)
            else:
                lp.default_exception_handler(context)

        loop.set_exception_handler(handler)

    def _hook_task(self):
        loop = _running_loop()
        if loop is None:
            return
        task = _current_task(loop)
        if task is None:
            return
        self._hook_loop(loop)
        if task in self._hooked_tasks:
            return
        self._hooked_tasks.add(task)
        log_ref = weakref.ref(self)

        def done(t):
            log = log_ref()
            if log is None:
                return
            # t._exception: read without marking it retrieved, so asyncio still
            # reports "Task exception was never retrieved" as it would have
            died = t.cancelled() or getattr(t, "_exception", None) is not None
            if died:
                log._crash_if_holding(_agent_of(t.get_name()))

        task.add_done_callback(done)


# ---------------------------------------------------------------------------
# the wrappers


def _fields(mode=None, capacity=None):
    s = ""
    if mode is not None:
        s += ',"mode":"%s"' % mode
    if capacity is not None:
        s += ',"capacity":%d' % capacity
    return s


class _Traced:
    """What every wrapper shares: the log, the quoted lock name, extra fields, holders."""

    def __init__(self, primitive, name, log, agent=None, extra=""):
        if not isinstance(log, EventLog):
            raise TypeError("traced(primitive, name, log): log must be an EventLog")
        self._p = primitive
        self.name = name
        self.log = log
        self._fixed_agent = agent
        self._qname = _quote(name)
        self._extra = extra
        self._lock_part = ',"lock":' + self._qname + extra
        self._holder = None  # the agent holding an exclusive lock

    @property
    def primitive(self):
        """The wrapped primitive."""
        return self._p

    def _agent(self):
        a = self._fixed_agent
        if a is None:
            return _current_agent()
        if callable(a):
            return _quote(a())
        return _quote(a)

    def _line(self, event, agent, site, more=""):
        if site is not None:
            self.log._write(f'","event":"{event}","agent":{agent}{self._lock_part}{more},"site":{site}}}\n')
        else:
            self.log._write(f'","event":"{event}","agent":{agent}{self._lock_part}{more}}}\n')

    def _settle(self, ok, agent, site):
        """The end of a generic acquire: granted (True, or None from a primitive that
        returns nothing), else a wait that gave up."""
        if ok or ok is None:
            self._line("acquire", agent, site)
            self._got(agent)
            return True if ok is None else ok
        self._line("timeout", agent, site)
        return ok

    # holders (an exclusive lock: one)
    def _got(self, agent):
        self._holder = agent
        if self.log._hooks:
            self.log._held_inc(agent)

    def _giving_up(self):
        """The holder a release frees (None: nobody took it through this wrapper)."""
        agent = self._holder
        if agent is not None:
            self._holder = None
            if self.log._held:
                self.log._held_dec(agent)
        return agent

    def _release_line(self):
        """Write the release line (before the primitive is released), if we saw the acquire.

        A release of a lock nobody took through this wrapper gets no line: the primitive
        raises (releasing an unlocked lock) or it was taken behind the wrapper's back.
        """
        agent = self._giving_up()
        if agent is not None:
            self._line("release", agent, _site())

    def locked(self):
        return self._p.locked()

    def __getattr__(self, attr):  # anything else: the primitive's own
        if attr == "_p":
            raise AttributeError(attr)
        return getattr(self._p, attr)

    def __repr__(self):
        return "<traced %r %r>" % (self.name, self._p)


# -- threading -------------------------------------------------------------


def _blocking_args(args, kwargs):
    """(blocking, timeout) of a threading-style acquire(blocking=True, timeout=...)."""
    blocking = kwargs.get("blocking", args[0] if args else True)
    timeout = kwargs.get("timeout", args[1] if len(args) > 1 else None)
    return blocking, timeout


class _ThreadLock(_Traced):
    """threading.Lock (and Semaphore through _ThreadSemaphore)."""

    def acquire(self, *args, **kwargs):
        if not args and not kwargs:
            return self._acquire_blocking()
        p = self._p
        agent = self._agent()
        site = _site()
        blocking, _ = _blocking_args(args, kwargs)
        if not blocking:  # one try: a bare acquire, or a request that timed out at once
            if p.acquire(*args, **kwargs):
                self._line("acquire", agent, site)
                self._got(agent)
                return True
            self._line("request", agent, site)
            self._line("timeout", agent, site)
            return False
        # fast path: a free lock is taken with no wait and no request line
        if p.acquire(False):
            self._line("acquire", agent, site)
            self._got(agent)
            return True
        self._line("request", agent, site)
        try:
            ok = p.acquire(*args, **kwargs)
        except BaseException:  # KeyboardInterrupt, ...: the wait was withdrawn
            self._line("cancel", agent, site)
            raise
        if ok:
            self._line("acquire", agent, site)
            self._got(agent)
        else:  # acquire(timeout=...) ran out, or a non-blocking attempt failed
            self._line("timeout", agent, site)
        return ok

    def _acquire_blocking(self):
        """acquire() with no arguments: wait as long as it takes (the `with` statement)."""
        p = self._p
        agent = self._agent()
        site = _site()
        if p.acquire(False):  # fast path: free, taken with no wait and no request line
            self._line("acquire", agent, site)
            self._got(agent)
            return True
        self._line("request", agent, site)
        try:
            p.acquire()
        except BaseException:  # KeyboardInterrupt, ...: the wait was withdrawn
            self._line("cancel", agent, site)
            raise
        self._line("acquire", agent, site)
        self._got(agent)
        return True

    def release(self):
        self._release_line()
        self._p.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False


class _ThreadRLock(_ThreadLock):
    """threading.RLock: logged at the outermost level only."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._owner = None  # thread ident
        self._depth = 0

    def acquire(self, *args, **kwargs):
        me = threading.get_ident()
        if self._owner == me:  # nested: no line
            ok = self._p.acquire(*args, **kwargs)
            if ok:
                self._depth += 1
            return ok
        ok = _ThreadLock.acquire(self, *args, **kwargs)
        if ok:
            self._owner = me
            self._depth = 1
        return ok

    def release(self):
        if self._owner == threading.get_ident() and self._depth > 1:
            self._depth -= 1
            self._p.release()
            return
        if self._owner != threading.get_ident():
            self._p.release()  # raises: cannot release un-acquired lock
            return
        self._release_line()
        self._owner = None
        self._depth = 0
        self._p.release()

    def locked(self):
        return self._owner is not None


class _Holders:
    """The holders of a semaphore: agent -> count, in order of taking."""

    def __init__(self):
        self._d = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(self, agent):
        with self._lock:
            self._d[agent] = self._d.get(agent, 0) + 1

    def take(self, agent):
        """The holder a release by ``agent`` frees: itself if it holds, else the oldest."""
        with self._lock:
            if agent not in self._d:
                if not self._d:
                    return None  # nobody took it through the wrapper (a signalling semaphore)
                agent = next(iter(self._d))
            n = self._d[agent] - 1
            if n:
                self._d[agent] = n
            else:
                del self._d[agent]
            return agent


def _capacity_of(primitive, capacity):
    if capacity is not None:
        return int(capacity)
    for attr in ("_initial_value", "_bound_value", "_value"):
        v = getattr(primitive, attr, None)
        if isinstance(v, int):
            return v
    return None


class _ThreadSemaphore(_ThreadLock):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._holders = _Holders()

    def _got(self, agent):
        self._holders.add(agent)
        self.log._held_inc(agent)

    def _giving_up(self):
        agent = self._holders.take(self._agent())
        if agent is not None:
            self.log._held_dec(agent)
        return agent

    def locked(self):
        return getattr(self._p, "_value", 1) == 0


class _GenericLock(_ThreadLock):
    """Anything else with acquire()/release(): arguments passed through, no fast path."""

    def acquire(self, *args, **kwargs):
        agent = self._agent()
        site = _site()
        self._line("request", agent, site)
        try:
            ok = self._p.acquire(*args, **kwargs)
        except BaseException:
            self._line("cancel", agent, site)
            raise
        return self._settle(ok, agent, site)


# -- asyncio ---------------------------------------------------------------


class _AsyncLock(_Traced):
    """asyncio.Lock (and Semaphore through _AsyncSemaphore)."""

    def acquire(self):
        # agent and site are taken when acquire() is called, not when the coroutine first
        # runs: asyncio.wait_for(lock.acquire(), t) runs it in a task of its own (3.11)
        return self._acquire(self._agent(), _site())

    async def _acquire(self, agent, site):
        self._line("request", agent, site)
        try:
            await self._p.acquire()
        except BaseException:  # asyncio.wait_for, task.cancel(), asyncio.timeout: a cancel
            self._line("cancel", agent, site)
            raise
        self._line("acquire", agent, site)
        self._got(agent)
        return True

    def release(self):
        self._release_line()
        self._p.release()

    async def __aenter__(self):
        await self.acquire()
        return None

    async def __aexit__(self, *exc):
        self.release()
        return False


class _AsyncSemaphore(_AsyncLock):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._holders = _Holders()

    _got = _ThreadSemaphore._got
    _giving_up = _ThreadSemaphore._giving_up


class _AsyncGenericLock(_AsyncLock):
    def acquire(self, *args, **kwargs):
        return self._acquire(self._agent(), _site(), args, kwargs)

    async def _acquire(self, agent, site, args, kwargs):
        self._line("request", agent, site)
        try:
            ok = await self._p.acquire(*args, **kwargs)
        except BaseException:
            self._line("cancel", agent, site)
            raise
        return self._settle(ok, agent, site)


# -- redis-py --------------------------------------------------------------


def _is_redis_lock(p):
    return all(hasattr(p, a) for a in ("extend", "reacquire", "acquire", "release",
                                       "timeout", "blocking_timeout", "name"))


def _lock_error(p, message):
    """redis-py's LockError, found without importing redis."""
    mod = sys.modules.get("redis.exceptions")
    cls = getattr(mod, "LockError", None) if mod is not None else None
    return (cls or RuntimeError)(message)


class _RedisLock(_Traced):
    """A redis-py ``Lock``: lease_ms from its timeout, renew on extend/reacquire.

    ``blocking_timeout`` running out (acquire returns False) is a ``timeout``. A release
    is written before the primitive is released; when the lease was already gone, redis-py
    raises ``LockNotOwnedError`` and no extra line is needed (lockscope sees a release
    after the lease ran out).
    """

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._deadline = None  # our estimate of the lease's end, time.monotonic()

    def _lease_ms(self):
        t = self._p.timeout
        return None if t is None else int(round(t * 1000))

    def _acq_fields(self):
        ms = self._lease_ms()
        return "" if ms is None else ',"lease_ms":%d' % ms

    def _acquired(self, agent, site):
        self._line("acquire", agent, site, self._acq_fields())
        t = self._p.timeout
        self._deadline = None if t is None else time.monotonic() + t
        self._got(agent)

    def acquire(self, *args, **kwargs):
        agent = self._agent()
        site = _site()
        self._line("request", agent, site)
        try:
            ok = self._p.acquire(*args, **kwargs)
        except BaseException:
            self._line("cancel", agent, site)
            raise
        if ok:
            self._acquired(agent, site)
        else:  # blocking_timeout ran out, or blocking=False found it taken
            self._line("timeout", agent, site)
        return ok

    def release(self):
        self._release_line()
        self._deadline = None
        self._p.release()

    def _renewed(self, deadline):
        self._deadline = deadline
        ms = max(0, int(round((deadline - time.monotonic()) * 1000)))
        agent = self._holder or self._agent()
        self._line("renew", agent, _site(), ',"lease_ms":%d' % ms)

    def extend(self, additional_time, replace_ttl=False):
        r = self._p.extend(additional_time, replace_ttl)
        now = time.monotonic()
        if replace_ttl or self._deadline is None:
            deadline = now + additional_time
        else:
            deadline = max(self._deadline, now) + additional_time
        self._renewed(deadline)
        return r

    def reacquire(self):
        r = self._p.reacquire()
        t = self._p.timeout
        if t is not None:
            self._renewed(time.monotonic() + t)
        return r

    def locked(self):
        return self._p.locked()

    def owned(self):
        return self._p.owned()

    def __enter__(self):
        if self.acquire():
            return self
        raise _lock_error(self._p, "Unable to acquire lock within the time specified")

    def __exit__(self, *exc):
        self.release()
        return False


class _AsyncRedisLock(_RedisLock):
    """redis.asyncio's ``Lock``: the same, awaited."""

    def acquire(self, *args, **kwargs):
        return self._acquire(self._agent(), _site(), args, kwargs)

    async def _acquire(self, agent, site, args, kwargs):
        self._line("request", agent, site)
        try:
            ok = await self._p.acquire(*args, **kwargs)
        except BaseException:
            self._line("cancel", agent, site)
            raise
        if ok:
            self._acquired(agent, site)
        else:
            self._line("timeout", agent, site)
        return ok

    async def release(self):
        self._release_line()
        self._deadline = None
        await self._p.release()

    async def extend(self, additional_time, replace_ttl=False):
        r = await self._p.extend(additional_time, replace_ttl)
        now = time.monotonic()
        if replace_ttl or self._deadline is None:
            deadline = now + additional_time
        else:
            deadline = max(self._deadline, now) + additional_time
        self._renewed(deadline)
        return r

    async def reacquire(self):
        r = await self._p.reacquire()
        t = self._p.timeout
        if t is not None:
            self._renewed(time.monotonic() + t)
        return r

    async def locked(self):
        return await self._p.locked()

    async def owned(self):
        return await self._p.owned()

    async def __aenter__(self):
        if await self.acquire():
            return self
        raise _lock_error(self._p, "Unable to acquire lock within the time specified")

    async def __aexit__(self, *exc):
        await self.release()
        return False


# -- the entry point -------------------------------------------------------

_THREAD_LOCK = type(threading.Lock())
_THREAD_RLOCKS = tuple({type(threading.RLock()), getattr(threading, "_PyRLock", type(None)),
                        getattr(threading, "_RLock", type(None))} - {type(None)})


def traced(primitive, name, log, agent=None, *, capacity=None):
    """Wrap ``primitive`` so that its uses write lock events for ``name`` to ``log``.

    The wrapper speaks the primitive's own protocol (``with``/``async with``,
    ``acquire(...)`` with the primitive's own arguments, ``release()``, ``locked()``;
    any other attribute is the primitive's). ``agent`` overrides the agent name
    (a string, or a callable returning one); by default it is ``NAME@PID`` of the
    caller. ``capacity`` overrides a semaphore's slot count (by default its value when
    wrapped: wrap it before it is used).
    """
    p = primitive
    if isinstance(p, asyncio.Semaphore):  # BoundedSemaphore too
        cap = _capacity_of(p, capacity)
        return _AsyncSemaphore(p, name, log, agent, _fields(capacity=cap))
    if isinstance(p, asyncio.Lock):
        return _AsyncLock(p, name, log, agent)
    if isinstance(p, threading.Semaphore):  # BoundedSemaphore too
        cap = _capacity_of(p, capacity)
        return _ThreadSemaphore(p, name, log, agent, _fields(capacity=cap))
    if isinstance(p, _THREAD_LOCK):
        return _ThreadLock(p, name, log, agent)
    if isinstance(p, _THREAD_RLOCKS):
        return _ThreadRLock(p, name, log, agent)
    if isinstance(p, _Traced):
        raise TypeError("%r is already traced" % (p,))
    if _is_redis_lock(p):
        if inspect.iscoroutinefunction(p.acquire):
            return _AsyncRedisLock(p, name, log, agent)
        return _RedisLock(p, name, log, agent)
    if hasattr(p, "acquire") and hasattr(p, "release"):
        extra = _fields(capacity=capacity) if capacity is not None else ""
        if inspect.iscoroutinefunction(p.acquire):
            return _AsyncGenericLock(p, name, log, agent, extra)
        return _GenericLock(p, name, log, agent, extra)
    raise TypeError("traced() cannot wrap %r: it has no acquire()/release()"
                    % type(p).__name__)


# ---------------------------------------------------------------------------
# a read-write lock for asyncio


class TracedRWLock:
    """A fair (FIFO) read-write lock for asyncio, logged as lock ``name``.

    ``async with rw.read():`` holds it shared (``mode: shared``): readers overlap.
    ``async with rw.write():`` holds it exclusive: a writer is alone. Waiters are
    served in arrival order: a reader that arrives while a writer waits queues behind
    that writer (writers never starve), and the readers at the head of the queue are
    let in together. A cancelled waiter (``asyncio.wait_for``) leaves the queue and
    writes ``cancel``. Built on asyncio futures; use it from one event loop.
    """

    def __init__(self, name, log, agent=None):
        self._t = _Traced(None, name, log, agent)
        self.name = name
        self.log = log
        self.readers = 0       # shared holders now
        self.writer = False    # an exclusive holder now
        self._queue = collections.deque()  # [mode, future]
        self._holders = _Holders()

    def read(self):
        """An async context manager holding the lock shared."""
        return _RWContext(self, True)

    def write(self):
        """An async context manager holding the lock exclusive."""
        return _RWContext(self, False)

    def locked(self):
        return self.writer or self.readers > 0

    def _free_for(self, shared):
        if self.writer:
            return False
        return shared or self.readers == 0

    def _grant(self, shared):
        if shared:
            self.readers += 1
        else:
            self.writer = True

    def _wake(self):
        q = self._queue
        while q:
            shared, fut = q[0]
            if fut.done():  # cancelled, not yet removed by its waiter
                q.popleft()
                continue
            if not self._free_for(shared):
                break
            q.popleft()
            self._grant(shared)
            fut.set_result(True)
            if not shared:
                break

    def _release(self, shared):
        if shared:
            self.readers -= 1
        else:
            self.writer = False
        self._wake()

    async def _acquire(self, shared, site):
        t = self._t
        agent = t._agent()
        mode = _MODE_SHARED if shared else _MODE_EXCL
        t._line("request", agent, site, mode)
        if not self._queue and self._free_for(shared):
            self._grant(shared)
        else:
            fut = asyncio.get_running_loop().create_future()
            entry = (shared, fut)
            self._queue.append(entry)
            try:
                await fut
            except BaseException:
                if fut.done() and not fut.cancelled():
                    self._release(shared)  # granted just as we were cancelled: give it back
                else:
                    try:
                        self._queue.remove(entry)
                    except ValueError:
                        pass
                    self._wake()  # a writer leaving the head may let readers in
                t._line("cancel", agent, site, mode)
                raise
        t._line("acquire", agent, site, mode)
        self._holders.add(agent)
        self.log._held_inc(agent)
        return agent

    def _release_by(self, agent, shared, site):
        a = self._holders.take(agent) or agent
        self.log._held_dec(a)
        self._t._line("release", a, site, _MODE_SHARED if shared else _MODE_EXCL)
        self._release(shared)

    def __repr__(self):
        return "<TracedRWLock %r readers=%d writer=%s waiting=%d>" % (
            self.name, self.readers, self.writer, len(self._queue))


_MODE_SHARED = ',"mode":"shared"'
_MODE_EXCL = ',"mode":"exclusive"'


class _RWContext:
    __slots__ = ("_rw", "_shared", "_agent")

    def __init__(self, rw, shared):
        self._rw = rw
        self._shared = shared
        self._agent = None

    async def __aenter__(self):
        self._agent = await self._rw._acquire(self._shared, _site())
        return self._rw

    async def __aexit__(self, *exc):
        self._rw._release_by(self._agent, self._shared, _site())
        return False
