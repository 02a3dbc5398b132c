import Heap

enum Action: UInt8 { case release, nest }

enum EvKind: UInt8 { case wake, step, deadline, cancel, announce, renew, expire, crash, restart }

struct Ev: Comparable {
  var t: Int64
  var seq, tag: UInt64
  var agent: Int32
  var kind: EvKind

  @inline(__always) static func < (a: Ev, b: Ev) -> Bool { a.t < b.t || (a.t == b.t && a.seq < b.seq) }
  static func == (a: Ev, b: Ev) -> Bool { a.t == b.t && a.seq == b.seq }
}

/// Scheduled events in (t, seq) order. seq makes ties deterministic (first scheduled, first run).
struct EventHeap {
  private var heap = MinHeap<Ev>()
  private var seq: UInt64 = 0

  mutating func push(_ t: Int64, _ kind: EvKind, _ agent: Int, _ tag: UInt64) {
    seq &+= 1
    heap.push(Ev(t: t, seq: seq, tag: tag, agent: Int32(agent), kind: kind))
  }

  mutating func pop() -> Ev? { heap.pop() }
}

struct Hold {
  var lock: Int32 = -1
  var shared = false
  var announced = false
  var lapse = false
  var serial: UInt64 = 0
  var span: UInt64 = 0
  var acquiredAt: Int64 = 0
  @inline(__always) var active: Bool { lock >= 0 }
}

struct Agent {
  var alive = true
  var life: UInt64 = 0
  var pid: Int32 = 0
  var stepSerial: UInt64 = 0
  var next: Action = .release
  var rem0: Int64 = 0  // outer hold time left after a nested hold
  var waiting = false
  var waitSerial: UInt64 = 0
  var waitLock: Int32 = -1
  var waitShared = false
  var waitNested = false
  var waitSpan: UInt64 = 0
  var attempt: Int32 = 1  // 1 + consecutive failed attempts (shown in "meta")
  var traceHi: UInt64 = 0
  var traceLo: UInt64 = 0
  var h0 = Hold()  // outer hold
  var h1 = Hold()  // nested hold
}

struct Waiter {
  var agent: Int32
  var shared: Bool
  var serial: UInt64
}

struct LockState {
  var held: Int32 = 0
  var exclusive = false  // held by an exclusive holder
  var token: Int64 = 0
  var queue: [Waiter] = []
  var head = 0
  @inline(__always) var waiting: Int { queue.count - head }
}

struct SimOptions {
  var maxEvents: Int = Int.max
  var maxBytes: Int = Int.max
  var startNs: Int64 = 1_795_341_600 * 1_000_000_000  // 2026-11-22T10:00:00Z
  var faultRate: Double = 1  // multiplies the crash, lapse and cancel probabilities
}

/// The discrete-event simulation. One lock manager grants every lock in FIFO order; agents
/// loop think → attempt → hold → release. Events come off a binary heap in (time, sequence)
/// order, so the log is time-ordered and the same seed always gives the same bytes.
///
/// Life of an attempt:
///   request ──(granted in FIFO order)──▶ acquire ──▶ [renew …] ──▶ release
///      │                                    └──(lease lapses)──▶ expire   (no release)
///      └──(deadline 50–500 ms)──▶ timeout   └──(crash)──▶ crash            (no release)
///      └──(rarely)──▶ cancel
/// A few attempts are try-locks on a free lock: a bare `acquire` with no `request`.
/// Some holders take a second lock while holding the first (nested, for lock-order and
/// deadlock analysis); if the inner attempt fails they release the outer lock and move on.
/// The manager takes 2–30 µs between granting a lock and the holder's `acquire` line; the
/// lock is reserved for the grantee from the grant, so no one else can slip in between.
///
/// Crashes: a crashed agent loses its holds and its wait (the locks are freed at once) and
/// restarts 0.5–5 s later under the SAME agent id with a new pid.
///
/// When the --events/--bytes budget is reached no new attempt starts (no new think, no
/// nested request, no restart); the holders release, the waiters are granted or time out, and
/// the log ends with no lock held except by crash victims / lapsed leases (already closed by
/// `crash` / `expire` lines). So the output overshoots the budget slightly.
final class Sim {
  // Behaviour knobs (probabilities are per attempt / per hold).
  static let thinkMedianNs = 20e6
  static let thinkSigma = 1.2
  static let pTryLock = 0.04
  static let pShared = 0.75  // readers among attempts on a read-write lock
  static let pNest = 0.05
  static let pOrderViolation = 0.1  // nested attempts that ignore the global lock order
  static let pCancel = 0.004
  static let pLapse = 0.01  // leased holders that let the lease run out
  static let pCrashWake = 1.0 / 60_000
  static let pCrashHold = 1.0 / 40_000

  let world: World
  let opt: SimOptions
  var rng: Rng
  var heap = EventHeap()
  var agents: [Agent]
  var locks: [LockState]
  let emitter: Emitter
  var now: Int64 = 0
  var stopping = false
  var serialGen: UInt64 = 0

  // Statistics for the summary line.
  var firstTs: Int64 = -1
  var counts = [Int](repeating: 0, count: EventName.allCases.count)

  init(world: World, options: SimOptions, rng: Rng, emitter: Emitter) {
    self.world = world
    self.opt = options
    self.rng = rng
    self.emitter = emitter
    agents = [Agent](repeating: Agent(), count: world.agents.count)
    locks = [LockState](repeating: LockState(), count: world.locks.count)
  }

  @inline(__always) func newSerial() -> UInt64 {
    serialGen &+= 1
    return serialGen
  }

  func run() {
    now = opt.startNs
    for a in 0..<agents.count {
      agents[a].pid = Int32(rng.range(1000, 4_194_303))
      agents[a].stepSerial = newSerial()
      heap.push(now + rng.range(0, 2 * Int64(Sim.thinkMedianNs)), .wake, a, agents[a].stepSerial)
    }
    while let e = heap.pop() {
      now = e.t
      let a = Int(e.agent)
      switch e.kind {
      case .wake: onWake(a, e.tag)
      case .step: onStep(a, e.tag)
      case .deadline: onWaitEnd(a, e.tag, .timeout)
      case .cancel: onWaitEnd(a, e.tag, .cancel)
      case .announce: onAnnounce(a, e.tag)
      case .renew: onRenew(a, e.tag)
      case .expire: onExpire(a, e.tag)
      case .crash: onCrash(a, e.tag)
      case .restart: onRestart(a, e.tag)
      }
    }
    emitter.finish()
  }

  // MARK: - emitting

  @inline(__always) func emit(
    _ e: EventName, _ a: Int, lock: Int, shared: Bool, span: UInt64,
    token: Int64 = 0, timeoutMs: Int = 0
  ) {
    if firstTs < 0 { firstTs = now }
    counts[Int(e.rawValue)] += 1
    let ag = agents[a]
    emitter.line(
      e, now: now, agent: a, lock: lock, shared: shared,
      trace: (ag.traceHi, ag.traceLo), span: span, pid: ag.pid, attempt: ag.attempt,
      token: token, timeoutMs: timeoutMs, rng: &rng)
    if emitter.events >= opt.maxEvents || emitter.bytes >= opt.maxBytes { stopping = true }
  }

  // MARK: - lock manager

  @inline(__always) func compatible(_ l: Int, _ shared: Bool) -> Bool {
    let cfg = world.locks[l]
    if cfg.kind == .semaphore { return locks[l].held < cfg.capacity }
    if shared { return locks[l].held == 0 || !locks[l].exclusive }
    return locks[l].held == 0
  }

  @inline(__always) func take(_ l: Int, _ shared: Bool) {
    locks[l].held += 1
    if world.locks[l].kind != .semaphore && !shared { locks[l].exclusive = true }
  }

  @inline(__always) func free(_ l: Int) {
    locks[l].held -= 1
    if locks[l].held == 0 { locks[l].exclusive = false }
  }

  /// Grant waiters from the head of the queue while the head fits (strict FIFO: a reader
  /// queued behind a writer waits for it, as in a fair read-write lock).
  func pump(_ l: Int) {
    while locks[l].waiting > 0 {
      let w = locks[l].queue[locks[l].head]
      if !compatible(l, w.shared) { break }
      locks[l].head += 1
      grant(Int(w.agent), l, w.shared, nested: agents[Int(w.agent)].waitNested)
    }
    compact(l)
  }

  @inline(__always) func compact(_ l: Int) {
    let h = locks[l].head
    if h == locks[l].queue.count {
      if h > 0 {
        locks[l].queue.removeAll(keepingCapacity: true)
        locks[l].head = 0
      }
    } else if h >= 32 && 2 * h >= locks[l].queue.count {
      locks[l].queue.removeFirst(h)
      locks[l].head = 0
    }
  }

  func removeWaiter(_ l: Int, _ a: Int, _ serial: UInt64) {
    var i = locks[l].head
    let n = locks[l].queue.count
    while i < n {
      let w = locks[l].queue[i]
      if Int(w.agent) == a && w.serial == serial {
        locks[l].queue.remove(at: i)
        break
      }
      i += 1
    }
    compact(l)
  }

  /// The lock is now reserved for `a`; its `acquire` line follows a few µs later.
  func grant(_ a: Int, _ l: Int, _ shared: Bool, nested: Bool) {
    take(l, shared)
    var h = Hold()
    h.lock = Int32(l)
    h.shared = shared
    h.serial = newSerial()
    h.span = agents[a].waitSpan
    agents[a].waiting = false
    if nested { agents[a].h1 = h } else { agents[a].h0 = h }
    heap.push(now + rng.range(2_000, 30_000), .announce, a, h.serial)
  }

  // MARK: - agents

  func think(_ a: Int) {
    agents[a].stepSerial = newSerial()
    let d = rng.logNormal(median: Sim.thinkMedianNs, sigma: Sim.thinkSigma, lo: 20e3, hi: 10e9)
    heap.push(now + Int64(d), .wake, a, agents[a].stepSerial)
  }

  func scheduleStep(_ a: Int, after d: Int64, _ action: Action) {
    agents[a].stepSerial = newSerial()
    agents[a].next = action
    heap.push(now + max(d, 1), .step, a, agents[a].stepSerial)
  }

  func holdTime(_ l: Int) -> Int64 {
    let c = world.locks[l]
    return Int64(rng.logNormal(median: c.holdMedianNs, sigma: c.holdSigma, lo: 1e3, hi: 30e9))
  }

  func onWake(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive && tag == agents[a].stepSerial && !stopping else { return }
    if rng.chance(Sim.pCrashWake * opt.faultRate) {
      heap.push(now + rng.range(0, 300_000_000), .crash, a, agents[a].life)
    }
    agents[a].traceHi = rng.next()
    agents[a].traceLo = rng.next()
    startAttempt(a, nested: false)
  }

  func startAttempt(_ a: Int, nested: Bool) {
    var l = world.pickLock(&rng)
    if nested {
      // Never the lock already held (that would be a self-deadlock, which real code avoids),
      // nor a leased lock (held for seconds: the outer lock would become a convoy).
      // Most code takes nested locks in one global order (here: the lock index); a few call
      // sites break it, and those make the lock-order inversions and the odd deadlock.
      let outer = Int(agents[a].h0.lock)
      let ordered = !rng.chance(Sim.pOrderViolation)
      var tries = 0
      while (l == outer || world.locks[l].kind == .leased || (ordered && l < outer)) && tries < 8 {
        l = world.pickLock(&rng)
        tries += 1
      }
      if l == outer || world.locks[l].kind == .leased || (ordered && l < outer) {
        scheduleStep(a, after: agents[a].rem0, .release)
        return
      }
    }
    let shared = world.locks[l].kind == .rw && rng.chance(Sim.pShared)
    agents[a].waitSpan = rng.next()
    agents[a].waitNested = nested
    if rng.chance(Sim.pTryLock) && locks[l].waiting == 0 && compatible(l, shared) {
      grant(a, l, shared, nested: nested)  // uncontended try-lock: a bare acquire
      return
    }
    // Outer attempts wait 50–500 ms; an inner (nested) attempt holds a lock while it waits,
    // so it gives up sooner (10–100 ms), as careful code does.
    let timeoutMs = nested ? Int(rng.range(10, 100)) : Int(rng.range(50, 500))
    let serial = newSerial()
    agents[a].waiting = true
    agents[a].waitSerial = serial
    agents[a].waitLock = Int32(l)
    agents[a].waitShared = shared
    emit(.request, a, lock: l, shared: shared, span: agents[a].waitSpan, timeoutMs: timeoutMs)
    locks[l].queue.append(Waiter(agent: Int32(a), shared: shared, serial: serial))
    let deadline = now + Int64(timeoutMs) * 1_000_000
    heap.push(deadline, .deadline, a, serial)
    if rng.chance(Sim.pCancel * opt.faultRate) {
      heap.push(now + rng.range(1_000_000, (deadline - now) * 9 / 10), .cancel, a, serial)
    }
    pump(l)
  }

  func onWaitEnd(_ a: Int, _ tag: UInt64, _ kind: EventName) {
    guard agents[a].alive && agents[a].waiting && agents[a].waitSerial == tag else { return }
    let l = Int(agents[a].waitLock)
    emit(kind, a, lock: l, shared: agents[a].waitShared, span: agents[a].waitSpan)
    agents[a].waiting = false
    agents[a].attempt += 1
    removeWaiter(l, a, tag)
    pump(l)  // a writer leaving the head can let the readers behind it in
    if agents[a].waitNested {
      scheduleStep(a, after: rng.range(5_000, 200_000), .release)  // give up the outer lock
    } else {
      think(a)
    }
  }

  func onAnnounce(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive else { return }
    let nested: Bool
    if agents[a].h0.active && agents[a].h0.serial == tag && !agents[a].h0.announced {
      nested = false
    } else if agents[a].h1.active && agents[a].h1.serial == tag && !agents[a].h1.announced {
      nested = true
    } else {
      return
    }
    var h = nested ? agents[a].h1 : agents[a].h0
    let l = Int(h.lock)
    let cfg = world.locks[l]
    h.announced = true
    h.acquiredAt = now
    var token: Int64 = 0
    if cfg.kind == .leased {
      locks[l].token += 1
      token = locks[l].token
    }
    emit(.acquire, a, lock: l, shared: h.shared, span: h.span, token: token)
    agents[a].attempt = 1
    // An inner critical section is no longer than one of the outer lock's own.
    let hold = nested ? min(holdTime(l), holdTime(Int(agents[a].h0.lock))) : holdTime(l)
    let leaseNs = Int64(cfg.leaseMs) * 1_000_000
    if !nested && cfg.kind == .leased && rng.chance(Sim.pLapse * opt.faultRate) {
      // A stalled holder (GC pause, partition): no renew, no release; the manager expires it.
      h.lapse = true
      heap.push(now + leaseNs, .expire, a, h.serial)
      scheduleStep(a, after: leaseNs + rng.range(1_000_000, leaseNs), .release)
    } else {
      if !nested && !stopping && world.locks.count > 1 && rng.chance(Sim.pNest) {
        let first = Int64(Double(hold) * (0.1 + 0.5 * rng.uniform()))
        agents[a].rem0 = hold - first
        scheduleStep(a, after: first, .nest)
      } else {
        if !nested { agents[a].rem0 = 0 }
        scheduleStep(a, after: hold, .release)
      }
      if cfg.kind == .leased {
        heap.push(now + renewInterval(leaseNs), .renew, a, h.serial)
      }
    }
    if !nested && rng.chance(Sim.pCrashHold * opt.faultRate) {
      heap.push(now + rng.range(0, hold), .crash, a, agents[a].life)
    }
    if nested { agents[a].h1 = h } else { agents[a].h0 = h }
  }

  /// Renew well before the lease runs out, even after timestamps are truncated to ms.
  @inline(__always) func renewInterval(_ leaseNs: Int64) -> Int64 {
    Int64(Double(leaseNs) * (0.3 + 0.2 * rng.uniform()))
  }

  func onStep(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive && tag == agents[a].stepSerial else { return }
    switch agents[a].next {
    case .nest:
      if stopping || !agents[a].h0.active {
        scheduleStep(a, after: agents[a].rem0, .release)
      } else {
        startAttempt(a, nested: true)
      }
    case .release:
      if agents[a].h1.active {
        release(a, agents[a].h1)
        agents[a].h1 = Hold()
        scheduleStep(a, after: agents[a].rem0, .release)
      } else {
        if agents[a].h0.active {
          release(a, agents[a].h0)
          agents[a].h0 = Hold()
        }
        think(a)
      }
    }
  }

  func release(_ a: Int, _ h: Hold) {
    let l = Int(h.lock)
    emit(.release, a, lock: l, shared: h.shared, span: h.span)
    free(l)
    pump(l)
  }

  func onRenew(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive else { return }
    let h: Hold
    if agents[a].h0.active && agents[a].h0.serial == tag {
      h = agents[a].h0
    } else if agents[a].h1.active && agents[a].h1.serial == tag {
      h = agents[a].h1
    } else {
      return
    }
    guard h.announced && !h.lapse else { return }
    let l = Int(h.lock)
    emit(.renew, a, lock: l, shared: h.shared, span: h.span)
    heap.push(now + renewInterval(Int64(world.locks[l].leaseMs) * 1_000_000), .renew, a, tag)
  }

  func onExpire(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive && agents[a].h0.active && agents[a].h0.serial == tag else { return }
    let h = agents[a].h0
    let l = Int(h.lock)
    emit(.expire, a, lock: l, shared: h.shared, span: h.span)
    agents[a].h0 = Hold()
    free(l)
    pump(l)
  }

  func onCrash(_ a: Int, _ tag: UInt64) {
    guard agents[a].alive && agents[a].life == tag else { return }
    emit(.crash, a, lock: -1, shared: false, span: rng.next())
    var freed: [Int] = []
    for h in [agents[a].h1, agents[a].h0] where h.active {
      free(Int(h.lock))
      freed.append(Int(h.lock))
    }
    if agents[a].waiting {
      let l = Int(agents[a].waitLock)
      removeWaiter(l, a, agents[a].waitSerial)
      freed.append(l)
    }
    let life = agents[a].life &+ 1
    agents[a] = Agent()
    agents[a].alive = false
    agents[a].life = life
    agents[a].stepSerial = newSerial()
    for l in freed { pump(l) }
    if !stopping {
      heap.push(now + rng.range(500_000_000, 5_000_000_000), .restart, a, life)
    }
  }

  func onRestart(_ a: Int, _ tag: UInt64) {
    guard !agents[a].alive && agents[a].life == tag && !stopping else { return }
    agents[a].alive = true
    agents[a].pid = Int32(rng.range(1000, 4_194_303))
    think(a)
  }
}
