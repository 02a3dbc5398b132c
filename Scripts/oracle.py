#!/usr/bin/env python3
"""Independent reference implementation ("oracle") of `lockscope report` statistics.

Written only from ../shared/SPEC.md (§1 input, §2 metrics, §5 JSON keys) and
docs/semantics.md (state machine and metric definitions) -- never from the Swift sources --
so that it can cross-check lockscope.  Speed is not a goal: every quantity is computed the
plain way (exact integers and fractions, every sample kept, exact nearest-rank percentiles).

    python3 Scripts/oracle.py [--time-unit s|ms|us|ns] [--lock GLOB]... [--agent GLOB]...
                              [--expect-hold GLOB=DURATION]... FILE...

Prints one JSON object: summary (events, skipped_lines, locks, agents, anomalies),
overall, locks, agents, anomalies.  See Scripts/README-oracle.md.
"""

from __future__ import annotations

import argparse
import fnmatch
import heapq
import json
import math
import re
import sys
from decimal import Decimal
from fractions import Fraction

EVENT_KINDS = ("request", "acquire", "release", "timeout", "cancel", "renew", "expire", "crash")
ANOMALY_KINDS = (
    "clock-backwards", "duplicate-request", "double-acquire", "acquire-while-held",
    "release-by-non-holder", "release-after-lease-expired", "timeout-without-request",
    "cancel-without-request", "renew-by-non-holder", "renew-after-lease-expired",
    "expire-by-non-holder",
)
EXCLUSIVE, SHARED = "exclusive", "shared"

# --------------------------------------------------------------------------------------
# Input (SPEC §1)
# --------------------------------------------------------------------------------------

RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z")
UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


class BadLine(Exception):
    pass


def parse_rfc3339(s: str) -> int:
    m = RFC3339.match(s)
    if not m:
        raise BadLine("unreadable timestamp")
    y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
    frac, off = m.group(7), m.group(8)
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo) and hh <= 23 and mi <= 59
            and ss <= 60):
        raise BadLine("unreadable timestamp")
    ns = 0
    if frac:
        # Fraction digits past nanoseconds are dropped (truncated).
        ns = int((frac + "000000000")[:9])
    offset = 0
    if off not in ("Z", "z"):
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            raise BadLine("unreadable timestamp")
        offset = (oh * 60 + om) * 60 * (1 if off[0] == "+" else -1)
    secs = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset
    return in_range(secs * 10**9 + ns)


INT64 = 2**63


# docs/semantics.md: times from 1900-01-01 to 2099-12-31 UTC are accepted.
SUPPORTED = (-2_208_988_800 * 10**9, 4_102_444_800 * 10**9 - 1)


def in_range(ns: int) -> int:
    """Internally timestamps are 64-bit integer nanoseconds, within the supported years."""
    if not -INT64 <= ns < INT64:
        raise BadLine("timestamp out of range")
    if not SUPPORTED[0] <= ns <= SUPPORTED[1]:
        raise BadLine("timestamp outside the supported years")
    return ns


def number_to_ns(x: Decimal, unit: str | None) -> int:
    if unit is None:
        a = abs(x)
        if a < Decimal("1e11"):
            unit = "s"
        elif a < Decimal("1e14"):
            unit = "ms"
        elif a < Decimal("1e17"):
            unit = "us"
        else:
            unit = "ns"
    # Exact decimal arithmetic; sub-nanosecond parts are truncated toward zero.
    return in_range(int(x * UNIT_NS[unit]))


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def is_number(v) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


KNOWN_FIELDS = frozenset(("ts", "event", "agent", "lock", "mode", "capacity", "lease_ms", "token",
                          "trace_id", "span_id", "expected_ms"))


def object_pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj and k in KNOWN_FIELDS:
            # Which of two values would count is unclear: not silently picked (top level
            # only matters; unknown fields are ignored anyway).
            raise ValueError("duplicate key " + k)
        obj[k] = v
    return obj


def is_name(v) -> bool:
    """A string that is valid Unicode (no unpaired surrogate from a \\u escape)."""
    if not isinstance(v, str):
        return False
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_line(raw: bytes, unit: str | None):
    """Returns None for a blank line, an event dict, or raises BadLine."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLine("not UTF-8")
    if text.strip(" \t\r\n") == "":
        return None
    try:
        obj = json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=reject_constant,
                         object_pairs_hook=object_pairs)
    except (ValueError, RecursionError):
        raise BadLine("not valid JSON")
    if not isinstance(obj, dict):
        raise BadLine("not a JSON object")
    for k in ("ts", "event", "agent"):
        if k not in obj:
            raise BadLine("missing " + k)
    ev = obj["event"]
    if not isinstance(ev, str):
        raise BadLine("event: wrong type")
    if ev not in EVENT_KINDS:
        raise BadLine("unknown event kind")
    agent = obj["agent"]
    if not is_name(agent):
        raise BadLine("agent: wrong type")
    lock = obj.get("lock")
    if ev != "crash":
        if "lock" not in obj:
            raise BadLine("missing lock")
        if not is_name(lock):
            raise BadLine("lock: wrong type")
    elif lock is not None and not is_name(lock):
        raise BadLine("lock: wrong type")
    ts = obj["ts"]
    if isinstance(ts, str):
        t = parse_rfc3339(ts)
    elif is_number(ts):
        t = number_to_ns(Decimal(ts), unit)
    else:
        raise BadLine("ts: wrong type")
    # Optional fields: a null is read as absent; anything else must have the right type.
    mode = obj.get("mode")
    if mode is None:
        mode = EXCLUSIVE
    elif mode not in (EXCLUSIVE, SHARED):
        raise BadLine("mode: not exclusive/shared")
    cap = obj.get("capacity")
    if cap is not None:
        if not is_number(cap) or cap != int(cap) or cap < 1:
            raise BadLine("capacity: not an integer >= 1")
        cap = int(cap)
    lease = obj.get("lease_ms")
    lease_ns = None
    if lease is not None:
        if not is_number(lease) or lease < 0:
            raise BadLine("lease_ms: not a non-negative number")
        lease_ns = int(Decimal(lease) * 10**6)
    expected = obj.get("expected_ms")
    expected_ns = None
    if expected is not None:
        if not is_number(expected) or expected < 0:
            raise BadLine("expected_ms: not a non-negative number")
        expected_ns = int(Decimal(expected) * 10**6)
    tok = obj.get("token")
    if tok is not None and (not is_number(tok) or tok != int(tok)):
        raise BadLine("token: not an integer")
    site = obj.get("site")
    if site is not None and not isinstance(site, str):
        raise BadLine("site: not a string")
    return {"t": t, "event": ev, "agent": agent, "lock": lock if ev != "crash" else None,
            "mode": mode, "capacity": cap, "lease_ns": lease_ns, "expected_ns": expected_ns,
            "site": site}


def read_file(path: str, unit: str | None):
    events, skipped = [], 0
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]                      # a UTF-8 byte order mark opening the file
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for raw in lines:
        try:
            e = parse_line(raw, unit)
        except BadLine:
            skipped += 1
            continue
        if e is not None:
            events.append(e)
    return events, skipped


# --------------------------------------------------------------------------------------
# Statistics containers
# --------------------------------------------------------------------------------------

class Row:
    """Everything counted for one lock, one agent, or overall."""

    def __init__(self):
        self.attempts = 0
        self.contended = 0
        self.acquisitions = 0
        self.timeouts = 0
        self.wait_samples: list[int] = []
        self.hold_samples: list[int] = []
        self.unfinished = 0
        self.wait_total = 0
        self.hold_total = 0
        self.queue_max = 0
        self.queue_int = 0          # ∫ waiters dt (lock / overall) or over own waits (agent)
        self.busy = 0               # lock: time with >= 1 holder
        self.caused = Fraction(0)
        self.hold_intervals: list[tuple[int, int]] = []   # agent: for the union
        # SPEC §2 `blocked`: request -> acquire, timeout or cancel; a bare acquire is 0.
        self.blocked_samples: list[int] = []
        self.unfinished_max = 0
        # SPEC §2 `hold.over_expected`: released holds with an expectation, and those over it.
        self.expected_holds = 0
        self.over_expected = 0


def sample_stats(samples: list[int]) -> dict:
    n = len(samples)
    out = {"count": n, "mean_ns": 0, "p50_ns": 0, "p90_ns": 0, "p95_ns": 0, "p99_ns": 0,
           "max_ns": 0}
    if n == 0:
        return out
    s = sorted(samples)
    out["mean_ns"] = sum(s) // n
    for p in (50, 90, 95, 99):
        k = -(-p * n // 100)          # ceil(p*n/100), 1-based
        out[f"p{p}_ns"] = s[max(k, 1) - 1]
    out["max_ns"] = s[-1]
    return out


def frac_float(num, den) -> float:
    if den == 0:
        return 0.0
    return float(Fraction(num) / Fraction(den))


# --------------------------------------------------------------------------------------
# Lock state (docs/semantics.md, "State of one lock")
# --------------------------------------------------------------------------------------

class Hold:
    __slots__ = ("mode", "start", "deadline", "lease_ns", "agent", "dead", "expected", "site")

    def __init__(self, mode, start, deadline, lease_ns, agent, expected=None, site=None):
        self.mode, self.start, self.deadline, self.lease_ns = mode, start, deadline, lease_ns
        self.site = site            # its acquire's site, else its request's (SPEC §2 sites)
        self.agent = agent          # a living hold is keyed by its agent's name
        self.dead = False           # SPEC §1 crash: kept, orphaned, under a key of its own
        self.expected = expected


def dead_key(agent: str, t: int) -> str:
    """The key of a crashed agent's orphaned hold: not its name, which its next life uses."""
    return "\x00dead\x00%s\x00%d" % (agent, t)


class Wait:
    __slots__ = ("mode", "start", "site")

    def __init__(self, mode, start, site=None):
        self.mode, self.start, self.site = mode, start, site


def conflict(m1: str, m2: str) -> bool:
    return not (m1 == SHARED and m2 == SHARED)


class Lock:
    def __init__(self, name, t):
        self.name = name
        self.holders: dict[str, Hold] = {}
        self.waiters: dict[str, Wait] = {}      # insertion order = FIFO arrival order
        self.capacity = 0
        self.last_t = t                         # integrals are accumulated up to here
        self.lapsed: set[str] = set()           # agents whose last hold here ended by lapse

    def name_of(self, key: str) -> str:
        hold = self.holders.get(key)
        return hold.agent if hold is not None else key

    @property
    def semaphore(self) -> bool:
        return self.capacity > 0

    def self_deadlock(self, a: str, m: str) -> bool:
        """`a` holds the lock and its hold or its request `m` is exclusive (a read-to-write
        upgrade included); on a semaphore: its own slot fills the capacity."""
        own = self.holders.get(a)
        if own is None:
            return False
        if self.semaphore:
            return self.capacity <= 1           # one agent holds one slot
        return own.mode == EXCLUSIVE or m == EXCLUSIVE

    def unavailable(self, a: str, m: str) -> bool:
        if self.semaphore:
            # Modes are ignored: holders (a's own slot too) fill the capacity, or anyone
            # already waiting is ahead.
            return len(self.holders) >= self.capacity or len(self.waiters) > 0
        for h, hold in self.holders.items():
            if h != a and conflict(hold.mode, m):
                return True
        if self.self_deadlock(a, m):
            return True
        return any(conflict(w.mode, m) for w in self.waiters.values())

    def blockers(self, w: str, wait: Wait) -> list[str]:
        """Who a waiter waits for at this moment: its wait-for edges (SPEC §2 caused_wait,
        the same edges as the deadlock search). The holders whose mode conflicts with its
        request (every holder of a full semaphore; itself in a self-deadlock); when none
        does, the earlier waiters of the queue it conflicts with. Keys: holders' keys (a dead
        life's is its dead_key) or waiting agents."""
        return self.holder_blockers(w, wait) or self.queue_ahead(w, wait)

    def holder_blockers(self, w: str, wait: Wait) -> list[str]:
        """The holders (keys) whose mode conflicts with `w`'s request: its edges first."""
        if self.semaphore:
            full = len(self.holders) >= self.capacity
            others = [h for h in self.holders if h != w]
            targets = others if full else []
            if full and not others and w in self.holders:
                targets = [w]                    # every slot is its own
        else:
            targets = [h for h in self.holders
                       if h != w and conflict(self.holders[h].mode, wait.mode)]
            own = self.holders.get(w)
            if own is not None and (own.mode == EXCLUSIVE or wait.mode == EXCLUSIVE):
                targets.append(w)                # a self-deadlock blames itself too
        return targets

    def queue_ahead(self, w: str, wait: Wait) -> list[str]:
        """The earlier waiters of the queue that `w` conflicts with (its edges when no
        holder conflicts with it)."""
        ahead = []
        for other, earlier in self.waiters.items():  # FIFO arrival order
            if other == w:
                break
            if self.semaphore or conflict(earlier.mode, wait.mode):
                ahead.append(other)
        return ahead


# --------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------

# SPEC §2 `--family auto`: the variable parts of a name become `*`.
AUTO_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-fA-F])")
AUTO_HEX = re.compile(r"(?<![0-9a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}(?![0-9a-fA-F])")
AUTO_DECIMAL = re.compile(r"[0-9]{4,}")


def auto_family(name: str):
    """The family pattern of a name, or None when it has no variable part."""
    pattern = AUTO_DECIMAL.sub("*", AUTO_HEX.sub("*", AUTO_UUID.sub("*", name)))
    return pattern if pattern != name else None


class Analysis:
    def __init__(self, agent_globs, lock_globs=(), expect_holds=(), families=()):
        self.agent_globs = agent_globs
        self.expect_holds = expect_holds      # [(glob, ns)]: the first match counts
        self.pair_blocked: dict[tuple[str, str], list[int]] = {}   # (lock, agent) -> samples
        self.lock_globs = lock_globs
        self.locks: dict[str, Lock] = {}
        self.lock_rows: dict[str, Row] = {}
        self.agent_rows: dict[str, Row] = {}
        self.overall = Row()
        self.anomalies: dict[str, int] = {}
        self.total_waiters = 0
        self.start = None
        self.latest = None
        self.events = 0
        self._counted_cache: dict[str, bool] = {}
        self.seen_agents: set[str] = set()
        self.seen_locks: set[str] = set()
        # SPEC §2 sites: per request site (attempts, waits) and per hold site (holds, and
        # the wait those holds caused).
        self.site_rows: dict[str, Row] = {}
        # SPEC §2 lock families (--family GLOB | auto): a lock belongs to the first glob it
        # matches, else (auto) to its pattern.
        self.family_specs = [f for f in families if f != "auto"]
        self.family_auto = "auto" in families
        self.families_asked = bool(families)
        self.family_cache: dict[str, str | None] = {}
        self.family_waiters: dict[str, int] = {}
        self.family_queue_max: dict[str, int] = {}
        self.family_holds: dict[str, list[tuple[int, int]]] = {}

    # -- helpers ----------------------------------------------------------------------
    def counted(self, agent: str) -> bool:
        c = self._counted_cache.get(agent)
        if c is None:
            c = (not self.agent_globs
                 or any(fnmatch.fnmatchcase(agent, g) for g in self.agent_globs))
            self._counted_cache[agent] = c
        return c

    def rows(self, agent: str, lock: str):
        """The rows an agent's counts on a lock go to (none when the agent is filtered out)."""
        if not self.counted(agent):
            return ()
        return (self.agent_rows[agent], self.lock_rows[lock], self.overall)

    def analysed(self, e) -> bool:
        """--lock: only events of matching locks are analysed (crash events always are)."""
        return (not self.lock_globs or e["event"] == "crash"
                or any(fnmatch.fnmatchcase(e["lock"], g) for g in self.lock_globs))

    def anomaly(self, kind: str):
        self.anomalies[kind] = self.anomalies.get(kind, 0) + 1

    def family_of(self, lock: str):
        if lock not in self.family_cache:
            fam = next((g for g in self.family_specs if fnmatch.fnmatchcase(lock, g)), None)
            if fam is None and self.family_auto:
                fam = auto_family(lock)
            self.family_cache[lock] = fam
        return self.family_cache[lock]

    def site_row(self, site, a: str):
        """The row of `site` for a counted agent's attempt or hold (None: no site, or the
        agent is filtered out)."""
        if site is None or not self.counted(a):
            return None
        r = self.site_rows.get(site)
        if r is None:
            r = self.site_rows[site] = Row()
        return r

    def ensure_agent(self, a: str):
        if a not in self.agent_rows and self.counted(a):
            self.agent_rows[a] = Row()

    def ensure_lock(self, name: str, t: int) -> Lock:
        L = self.locks.get(name)
        if L is None:
            L = self.locks[name] = Lock(name, t)
            self.lock_rows[name] = Row()
        return L

    # -- time integrals ---------------------------------------------------------------
    def advance(self, L: Lock, t: int):
        dt = t - L.last_t
        if dt > 0:
            row = self.lock_rows[L.name]
            n = len(L.waiters)
            row.queue_int += n * dt
            if L.holders:
                row.busy += dt
            for w, wait in L.waiters.items():
                if self.counted(w):
                    self.agent_rows[w].queue_int += n * dt
                holders = L.holder_blockers(w, wait)
                keys = holders or L.queue_ahead(w, wait)
                b = [L.name_of(h) for h in keys]
                if b:
                    row.caused += dt
                    share = Fraction(dt, len(b))
                    for h in b:
                        if self.counted(h):
                            self.agent_rows[h].caused += share
                    # A hold's share goes to the site it was taken at (whoever holds it);
                    # waiters queued ahead are not holds.
                    for k in holders:
                        hold = L.holders[k]
                        if hold.site is not None:
                            self.site_rows.setdefault(hold.site, Row()).caused += share
        L.last_t = max(L.last_t, t)

    def end_hold(self, L: Lock, key: str, t: int, sampled: bool):
        hold = L.holders.pop(key)
        a = hold.agent
        d = t - hold.start
        for r in self.rows(a, L.name):
            r.hold_total += d
            if sampled:
                r.hold_samples.append(d)
                if hold.expected is not None:
                    r.expected_holds += 1
                    if d > hold.expected:
                        r.over_expected += 1
            else:
                r.unfinished += 1
                r.unfinished_max = max(r.unfinished_max, d)
        if self.counted(a):
            self.agent_rows[a].hold_intervals.append((hold.start, t))
        fam = self.family_of(L.name) if self.families_asked else None
        if fam is not None:
            self.family_holds.setdefault(fam, []).append((hold.start, t))
        sr = self.site_row(hold.site, a)
        if sr is not None:
            sr.hold_total += d
            if sampled:
                sr.hold_samples.append(d)
            else:
                sr.unfinished += 1
                sr.unfinished_max = max(sr.unfinished_max, d)

    def end_wait(self, L: Lock, a: str, t: int, sample: bool, blocked: bool):
        """`sample`: a wait sample (granted); `blocked`: a blocked sample (granted, timed
        out or cancelled; not a crash or the end of the log)."""
        wait = L.waiters.pop(a)
        self.total_waiters -= 1
        fam = self.family_of(L.name) if self.families_asked else None
        if fam is not None:
            self.family_waiters[fam] -= 1
        d = t - wait.start
        for r in self.rows(a, L.name):
            r.wait_total += d
            if sample:
                r.wait_samples.append(d)
        if blocked:
            self.blocked_sample(L, a, d)
        sr = self.site_row(wait.site, a)
        if sr is not None:
            sr.wait_total += d
            if sample:
                sr.acquisitions += 1
                sr.wait_samples.append(d)
            if blocked:
                sr.blocked_samples.append(d)

    def blocked_sample(self, L: Lock, a: str, d: int):
        rows = self.rows(a, L.name)
        for r in rows:
            r.blocked_samples.append(d)
        if rows:
            self.pair_blocked.setdefault((L.name, a), []).append(d)

    def expectation(self, e):
        """expected_ms on the acquire, else the first --expect-hold glob matching the lock."""
        if e["expected_ns"] is not None:
            return e["expected_ns"]
        for glob, ns in self.expect_holds:
            if fnmatch.fnmatchcase(e["lock"], glob):
                return ns
        return None

    def lapse(self, L: Lock, t: int, except_agent: str | None = None):
        """Holders whose lease deadline is < t lose the lock at their deadline."""
        while True:
            due = [(h.deadline, a) for a, h in L.holders.items()
                   if h.deadline is not None and h.deadline < t and h.agent != except_agent]
            if not due:
                return
            d = min(due)[0]
            self.advance(L, d)
            for dd, a in sorted(due):
                if dd == d:
                    dead = L.holders[a].dead
                    self.end_hold(L, a, d, sampled=False)
                    if not dead:            # a dead holder's lapse marks nobody's next life
                        L.lapsed.add(a)

    # -- events -----------------------------------------------------------------------
    def process(self, e):
        # The summary describes the input: every valid event, lock and agent in it.
        self.events += 1
        a, kind = e["agent"], e["event"]
        self.seen_agents.add(a)
        if e["lock"] is not None:
            self.seen_locks.add(e["lock"])
        if not self.analysed(e):
            return            # --lock: not analysed at all (no clock, no span, no state)
        raw_t = e["t"]
        if self.latest is not None and raw_t < self.latest:
            self.anomaly("clock-backwards")
            t = self.latest
        else:
            t = raw_t
            self.latest = t
        if self.start is None:
            self.start = t

        if kind == "crash":
            # SPEC §1: the waits end, unsampled; the holds stay, orphaned, until reclaimed
            # (expire), lapsed, taken over by a conflicting acquire, or the end of the log.
            for L in list(self.locks.values()):
                if a in L.holders or a in L.waiters:
                    self.lapse(L, t)
                    self.advance(L, t)
                    if a in L.waiters:
                        self.end_wait(L, a, t, sample=False, blocked=False)
                    if a in L.holders:
                        L.holders[a].dead = True
                        L.holders = {(dead_key(a, t) if k == a else k): h for k, h in L.holders.items()}
            return

        L = self.ensure_lock(e["lock"], t)
        if e["capacity"] is not None:
            L.capacity = e["capacity"]
        own_expire = kind == "expire" and any(h.agent == a for h in L.holders.values())
        self.lapse(L, t, except_agent=a if own_expire else None)
        if kind in ("request", "acquire"):
            # docs/semantics.md: before an attempt by `a`, its lapsed holds elsewhere end.
            for other in list(self.locks.values()):
                if other is not L and a in other.holders:
                    self.lapse(other, t)
        self.advance(L, t)
        mode = e["mode"]
        if kind in ("request", "acquire"):
            self.ensure_agent(a)
        # Only an agent that has made an attempt can be counted (it is listed by then).
        rows = self.rows(a, L.name) if a in self.agent_rows else ()

        if kind == "request":
            if a in L.waiters:
                self.anomaly("duplicate-request")
                return
            contended = L.unavailable(a, mode)
            for r in rows:
                r.attempts += 1
                if contended:
                    r.contended += 1
            sr = self.site_row(e["site"], a) if rows else None
            if sr is not None:
                sr.attempts += 1
                sr.contended += 1 if contended else 0
            L.waiters[a] = Wait(mode, t, e["site"])
            self.total_waiters += 1
            fam = self.family_of(L.name) if self.families_asked else None
            if fam is not None:
                n = self.family_waiters[fam] = self.family_waiters.get(fam, 0) + 1
                self.family_queue_max[fam] = max(self.family_queue_max.get(fam, 0), n)
            n = len(L.waiters)
            lr = self.lock_rows[L.name]
            lr.queue_max = max(lr.queue_max, n)
            self.overall.queue_max = max(self.overall.queue_max, self.total_waiters)
            if self.counted(a):
                ar = self.agent_rows[a]
                ar.queue_max = max(ar.queue_max, n)

        elif kind == "acquire":
            site = e["site"]
            if a in L.waiters:
                if site is None:
                    site = L.waiters[a].site    # the hold takes its request's site
                self.end_wait(L, a, t, sample=True, blocked=True)
            else:
                for r in rows:
                    r.attempts += 1
                    r.wait_samples.append(0)
                if rows:
                    self.blocked_sample(L, a, 0)
                sr = self.site_row(site, a) if rows else None
                if sr is not None:          # a bare acquire: its own request, granted at once
                    sr.attempts += 1
                    sr.acquisitions += 1
                    sr.wait_samples.append(0)
                    sr.blocked_samples.append(0)
            for r in rows:
                r.acquisitions += 1
            # A takeover: the acquire ends the orphaned holds it conflicts with (or its own
            # name's dead life's), unfinished, with no anomaly.
            while True:
                full = L.semaphore and len(L.holders) >= L.capacity
                dead = [k for k, h in L.holders.items() if h.dead and (
                    h.agent == a or full or (not L.semaphore and conflict(h.mode, mode)))]
                if not dead:
                    break
                self.end_hold(L, dead[0], t, sampled=False)
            if a in L.holders:
                self.anomaly("double-acquire")      # the first hold stands
                return
            if L.semaphore:
                clash = len(L.holders) >= L.capacity
            else:
                clash = any(conflict(h.mode, mode) for h in L.holders.values())
            if clash:
                self.anomaly("acquire-while-held")  # the log is believed: both hold
            lease = e["lease_ns"]
            L.holders[a] = Hold(mode, t, None if lease is None else t + lease, lease, a, self.expectation(e), site)
            L.lapsed.discard(a)

        elif kind == "release":
            if a in L.holders:
                self.end_hold(L, a, t, sampled=True)
            elif a in L.lapsed:
                self.anomaly("release-after-lease-expired")
            else:
                self.anomaly("release-by-non-holder")

        elif kind in ("timeout", "cancel"):
            if a in L.waiters:
                if kind == "timeout":
                    for r in rows:
                        r.timeouts += 1
                    sr = self.site_row(L.waiters[a].site, a)
                    if sr is not None:
                        sr.timeouts += 1
                self.end_wait(L, a, t, sample=False, blocked=True)
            else:
                self.anomaly(kind + "-without-request")

        elif kind == "renew":
            hold = L.holders.get(a)
            if hold is not None:
                lease = e["lease_ns"] if e["lease_ns"] is not None else hold.lease_ns
                if lease is not None:
                    hold.lease_ns = lease
                    hold.deadline = t + lease
            elif a in L.lapsed:
                self.anomaly("renew-after-lease-expired")
            else:
                self.anomaly("renew-by-non-holder")

        elif kind == "expire":
            dead = [k for k, h in L.holders.items() if h.dead and h.agent == a]
            if a in L.holders:
                self.end_hold(L, a, t, sampled=False)
            elif dead:
                self.end_hold(L, dead[0], t, sampled=False)
            elif a in L.lapsed:
                pass                                  # the lease already ran out
            else:
                self.anomaly("expire-by-non-holder")

    def finish(self):
        end = self.latest
        if end is None:
            self.start = self.end = 0
            return
        self.end = end
        for L in self.locks.values():
            self.lapse(L, end)
            self.advance(L, end)
            for a in list(L.holders):
                self.end_hold(L, a, end, sampled=False)
            for a in list(L.waiters):
                self.end_wait(L, a, end, sample=False, blocked=False)

    # -- output -----------------------------------------------------------------------
    def metrics(self, r: Row, kind: str) -> dict:
        span = self.end - self.start
        if kind == "agent":
            queue_mean = frac_float(r.queue_int, r.wait_total)
            util = frac_float(union_length(r.hold_intervals), span)
            # Each moment of a wait is split evenly among its blockers, so an agent's share
            # can be fractional: the integer reported is the nearest one (the exact value is
            # given too, as "caused_wait_exact", so a tie can be judged either way).
            caused = math.floor(r.caused + Fraction(1, 2))
        elif kind == "lock":
            queue_mean = frac_float(r.queue_int, span)
            util = frac_float(r.busy, span)
            caused = int(r.caused)
        else:
            queue_mean = frac_float(r.queue_int, span)
            util = frac_float(r.busy, span * len(self.lock_rows))
            caused = int(r.caused)
        hold = sample_stats(r.hold_samples)
        hold["unfinished"] = r.unfinished
        hold["unfinished_max_ns"] = r.unfinished_max
        out = {
            "attempts": r.attempts,
            "acquisitions": r.acquisitions,
            "timeouts": r.timeouts,
            "wait": sample_stats(r.wait_samples),
            "hold": hold,
            "contention_rate": frac_float(r.contended, r.attempts),
            "timeout_rate": frac_float(r.timeouts, r.attempts),
            "queue_max": r.queue_max,
            "queue_mean": queue_mean,
            "utilization": util,
            "wait_share": frac_float(r.wait_total, r.wait_total + r.hold_total),
            "caused_wait_ns": caused,
            "wait_total_ns": r.wait_total,
            "hold_total_ns": r.hold_total,
            "blocked": sample_stats(r.blocked_samples),
            "hold_over_expected": {
                "count": r.over_expected,
                "share": frac_float(r.over_expected, r.expected_holds),
            },
        }
        if kind == "agent":
            out["caused_wait_exact"] = str(r.caused)
        return out

    def report(self, skipped: int) -> dict:
        # Every lock analysed is listed (--agent only restricts the agent list). Overall time
        # integrals are the sums over all locks ("stay whole" under --agent).
        for r in self.lock_rows.values():
            self.overall.busy += r.busy
            self.overall.queue_int += r.queue_int
            self.overall.caused += r.caused
        locks = [dict(lock=n, **self.metrics(r, "lock"), fairness=self.lock_fairness(n))
                 for n, r in self.lock_rows.items()]
        agents = [dict(agent=n, **self.metrics(r, "agent"), fairness=None)
                  for n, r in self.agent_rows.items()]
        locks.sort(key=lambda x: (-x["wait_total_ns"], x["lock"]))
        sites = []
        for n, r in self.site_rows.items():
            hold = sample_stats(r.hold_samples)
            hold["unfinished"] = r.unfinished
            hold["unfinished_max_ns"] = r.unfinished_max
            sites.append({"site": n, "attempts": r.attempts, "acquisitions": r.acquisitions,
                          "timeouts": r.timeouts, "wait": sample_stats(r.wait_samples),
                          "blocked": sample_stats(r.blocked_samples), "hold": hold,
                          "wait_total_ns": r.wait_total,
                          "caused_wait_ns": math.floor(r.caused + Fraction(1, 2)),
                          "caused_wait_exact": str(r.caused)})
        sites.sort(key=lambda x: (-x["wait_total_ns"], x["site"]))
        agents.sort(key=lambda x: (-x["wait_total_ns"], x["agent"]))
        anomalies = {k: self.anomalies[k] for k in ANOMALY_KINDS if k in self.anomalies}
        return {
            "summary": {"events": self.events, "skipped_lines": skipped,
                        "locks": len(self.seen_locks),
                        "agents": len(self.seen_agents),
                        "span_ns": self.end - self.start, "anomalies": anomalies},
            "overall": dict(**self.metrics(self.overall, "overall"), fairness=self.overall_fairness()),
            "locks": locks,
            "agents": agents,
            "sites": sites,
            **({"families": self.family_rows()} if self.families_asked else {}),
            "anomalies": anomalies,
        }


    # -- fairness (SPEC §2) -----------------------------------------------------------
    def lock_fairness(self, lock: str) -> float:
        """Jain's index over the agents with a blocked sample on `lock`, x = their mean."""
        means = [Fraction(sum(v), len(v)) for (l, _), v in self.pair_blocked.items() if l == lock and v]
        return jain(means)

    def family_rows(self) -> list[dict]:
        """Each family's row: its locks' rows summed and their samples together; its busy
        time the union of its holds, its queue all its waiters at once."""
        rows: dict[str, Row] = {}
        counts: dict[str, int] = {}
        for n, r in self.lock_rows.items():
            fam = self.family_of(n)
            if fam is None:
                continue
            f = rows.setdefault(fam, Row())
            counts[fam] = counts.get(fam, 0) + 1
            for k in ("attempts", "contended", "acquisitions", "timeouts", "unfinished", "wait_total",
                      "hold_total", "queue_int", "caused", "expected_holds", "over_expected"):
                setattr(f, k, getattr(f, k) + getattr(r, k))
            f.wait_samples += r.wait_samples
            f.hold_samples += r.hold_samples
            f.blocked_samples += r.blocked_samples
            f.unfinished_max = max(f.unfinished_max, r.unfinished_max)
        out = []
        for fam, f in rows.items():
            f.busy = union_length(self.family_holds.get(fam, []))
            f.queue_max = self.family_queue_max.get(fam, 0)
            per_agent: dict[str, list[int]] = {}
            for (l, a), v in self.pair_blocked.items():
                if self.family_of(l) == fam:
                    per_agent.setdefault(a, []).extend(v)
            fairness = jain([Fraction(sum(v), len(v)) for v in per_agent.values() if v])
            out.append(dict(family=fam, **self.metrics(f, "lock"), fairness=fairness, locks=counts[fam]))
        out.sort(key=lambda x: (-x["wait_total_ns"], x["family"]))
        return out

    def overall_fairness(self) -> float:
        per_agent: dict[str, list[int]] = {}
        for (_, a), v in self.pair_blocked.items():
            per_agent.setdefault(a, []).extend(v)
        return jain([Fraction(sum(v), len(v)) for v in per_agent.values() if v])


def jain(xs) -> float:
    """(Σx)² / (n·Σx²); 1 when there is no x or every x is 0 (all wait alike)."""
    squares = sum(x * x for x in xs)
    if not xs or squares == 0:
        return 1.0
    return float(sum(xs) ** 2 / (len(xs) * squares))


DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)\Z")
DURATION_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def expect_hold(text: str):
    """--expect-hold GLOB=DURATION."""
    glob, _, duration = text.rpartition("=")
    m = DURATION.match(duration)
    if not glob or not m:
        raise argparse.ArgumentTypeError("GLOB=DURATION, such as 'db:*=50ms'")
    return glob, int(Decimal(m.group(1)) * DURATION_NS[m.group(2)])


def union_length(intervals) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Reference implementation of lockscope report "
                                "statistics (see Scripts/README-oracle.md).")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--time-unit", choices=("s", "ms", "us", "ns"))
    p.add_argument("--lock", action="append", default=[], metavar="GLOB",
                   help="analyse only events of matching locks (crash events always are)")
    p.add_argument("--agent", action="append", default=[], metavar="GLOB",
                   help="count and list only matching agents (lock state follows everyone)")
    p.add_argument("--expect-hold", action="append", default=[], type=expect_hold,
                   metavar="GLOB=DURATION", help="expected hold of matching locks (expected_ms wins)")
    p.add_argument("--family", action="append", default=[], metavar="GLOB|auto",
                   help="also report the locks matching GLOB (or each auto pattern) as one row")
    p.add_argument("--indent", type=int, default=None)
    args = p.parse_args(argv)

    streams, skipped = [], 0
    for path in args.files:
        evs, sk = read_file(path, args.time_unit)
        skipped += sk
        streams.append(evs)

    an = Analysis(args.agent, args.lock, args.expect_hold, args.family)
    # k-way merge by timestamp; heapq.merge keeps file order for equal stamps and each
    # file's own order (an out-of-order file yields clock-backwards anomalies).
    for e in heapq.merge(*streams, key=lambda e: e["t"]):
        an.process(e)
    an.finish()
    json.dump(an.report(skipped), sys.stdout, indent=args.indent)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
