/// Drives the per-lock state machines (`LockState`, whose event methods hold the rules of
/// docs/semantics.md) from the merged event stream: it routes each event to its lock, keeps
/// what spans locks (what each agent holds and waits for, the overall queue, the wait-for
/// graph's cycle search), and hands what happened to the observer. It never stores past
/// events; its memory is the current holders and waiters of each lock, and a few counters
/// per lock and agent.
final class TimelineEngine<Observer: TimelineObserver> {
  var observer: Observer
  let selection: Selection
  /// Every lock seen, indexed by id (`seen` is false for ids of locks filtered out): idle
  /// ones in their small form, those in use whole (`LockTable`).
  private(set) var locks = LockTable()
  private(set) var agents: [AgentState] = []
  /// Time of the first and latest applied events (nil before the first).
  private(set) var firstTime: Int64?
  private(set) var lastTime: Int64 = .min
  /// The latest time of any event read, applied or not (the log goes on past `--until`).
  private(set) var latestReadTime: Int64 = .min
  /// Events applied (inside `--until`, on selected locks).
  private(set) var appliedEvents: Int64 = 0

  /// Waiters on all locks together, and their integral / maximum (the overall queue).
  private(set) var totalWaiters = 0
  private(set) var totalQueueIntegral: Double = 0
  private(set) var totalQueueMax = 0
  private var totalIntegratedUntil: Int64 = .min
  private(set) var finished = false

  /// What the engine tracks per agent: which locks it holds and waits on (for `crash`),
  /// and the time it held at least one lock (its utilization).
  struct AgentState: Sendable {
    var held = ShortList<LockID>()
    /// Each wait with its mode: the cycle search reads an agent's wait edges from these,
    /// never by searching a lock's queue for it.
    var waiting = ShortList<Wait>()
    var holdingSince: Int64 = 0
    /// The latest end of a hold that ended while others were still held: a lapsed lease is
    /// ended at its deadline, possibly after holds that ended later.
    var holdingUntil: Int64 = .min
    var heldAnyNanos: Int64 = 0
  }

  /// One of an agent's open requests.
  struct Wait: Sendable {
    var lock: LockID
    var mode: LockMode
  }

  init(observer: Observer, selection: Selection) {
    self.observer = observer
    self.selection = selection
  }

  /// The observed span: `[start, end]` clipped to the window, or nil with no events.
  var span: (start: Int64, end: Int64)? {
    guard let firstTime else { return nil }
    let start = max(firstTime, selection.since)
    // The log's end, or the window's when the log goes on past it.
    let end = max(start, min(max(lastTime, latestReadTime), selection.until))
    return (start, end)
  }

  // MARK: Applying events

  @inline(__always)
  func apply(_ event: LockEvent) {
    var time = event.time
    // Events of locks left out by --lock do not stretch the span either.
    if event.kind != .crash && !selection.includes(event.lock) { return }
    if time > latestReadTime { latestReadTime = time }
    if time > selection.until { return }
    if time < lastTime {
      observer.anomaly(
        Anomaly(kind: .clockBackwards, agent: event.agent, lock: event.lock, time: lastTime, source: event.source, skew: lastTime - time))
      time = lastTime
    }
    if firstTime == nil {
      firstTime = time
      totalIntegratedUntil = time
    }
    lastTime = time
    appliedEvents += 1
    ensureAgent(event.agent)
    advanceTotal(to: time)

    if event.kind == .crash {
      crash(event.agent, at: time, source: event.source)
      if observer.wantsEvents { observer.applied(event, at: time, state: nil) }
      return
    }
    let lock = event.lock
    ensureLock(lock, at: time)
    if event.capacity > 0 { locks[inUse: lock.index].capacity = event.capacity }  // ensured above
    expireLeases(of: lock, before: time, sparing: event.kind == .expire ? event.agent : nil)
    // What the agent holds elsewhere on a lease that ran out, it no longer holds: a new
    // attempt is not taken "while holding" it (lock order, deadlocks).
    // Most agents hold nothing when they ask: tested first, the loop's copy of the list
    // (a retain and release of its array) is made only when there is something to check.
    if (event.kind == .request || event.kind == .acquire) && !agents[event.agent.index].held.isEmpty {
      for held in agents[event.agent.index].held where held != lock && locks.earliestDeadline(held.index) < time {
        expireLeases(of: held, before: time, sparing: nil)
        locks.settle(held.index)
      }
    }
    advance(lock, to: time)

    switch event.kind {
    case .request: request(event, at: time)
    case .acquire: acquire(event, at: time)
    case .release: report(withLock(lock) { $0.release(by: event.agent, at: time, source: event.source, lock: lock) }, event, at: time)
    case .timeout, .cancel:
      switch withLock(lock, { $0.withdraw(by: event.agent, timedOut: event.kind == .timeout, at: time, lock: lock) }) {
      case .ended(let wait): waitEnded(wait)
      case .anomaly(let kind): anomaly(kind, event, at: time)
      }
    case .renew:
      if let kind = withLock(lock, { $0.renew(by: event.agent, leaseNanos: event.leaseNanos, at: time) }) { anomaly(kind, event, at: time) }
    case .expire: report(withLock(lock) { $0.expire(by: event.agent, at: time, source: event.source, lock: lock) }, event, at: time)
    case .crash: break  // handled above
    }
    if observer.wantsEvents { observer.applied(event, at: time, state: locks[lock.index]) }
    locks.settle(lock.index)
  }

  private func request(_ event: LockEvent, at time: Int64) {
    let (agent, lock) = (event.agent, event.lock)
    // An agent waits on few locks: its own list answers faster than the lock's queue.
    if agents[agent.index].waiting.contains(where: { $0.lock == lock }) {
      anomaly(.duplicateRequest, event, at: time)
      return
    }
    let (contended, queueLength) = withLock(lock) {
      $0.request(by: agent, mode: event.mode, at: time, source: event.source, site: event.site)
    }
    agents[agent.index].waiting.append(Wait(lock: lock, mode: event.mode))
    totalWaiters += 1
    totalQueueMax = max(totalQueueMax, totalWaiters)
    observer.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: false)
    // A new wait edge: the only moment a cycle can close through this agent.
    if contended && observer.wantsCycles { detectCycle(from: agent, at: time, source: event.source) }
  }

  private func acquire(_ event: LockEvent, at time: Int64) {
    let (agent, lock) = (event.agent, event.lock)
    var wait: Int64 = 0
    var site = event.site
    if let granted = withLock(lock, { $0.grant(to: agent, at: time, lock: lock) }) {
      if site < 0 { site = granted.site }  // the hold takes the site of the request it ends
      wait = granted.end - granted.start
      waitEnded(granted)
    } else {
      observer.attempted(event, at: time, contended: false, queueLength: 0, bare: true)
    }
    while let takenOver = withLock(lock, { $0.takeOverOrphan(by: agent, mode: event.mode, at: time, lock: lock) }) {
      holdEnded(takenOver)
    }
    switch withLock(lock, { $0.admit(agent, mode: event.mode, at: time, leaseNanos: event.leaseNanos, source: event.source, site: site) }) {
    case .doubleAcquire:
      anomaly(.doubleAcquire, event, at: time)
      observer.acquired(event, at: time, wait: wait)
      return
    case .admitted(let colliding):
      if let colliding {
        var collision = Anomaly(kind: .acquireWhileHeld, agent: agent, lock: lock, time: time, source: event.source)
        collision.others = colliding
        observer.anomaly(collision)
      }
    }
    if agents[agent.index].held.isEmpty { agents[agent.index].holdingSince = time }
    agents[agent.index].held.append(lock)
    observer.acquired(event, at: time, wait: wait)
    // A new holder is a new wait-for target for the lock's waiters; if it waits somewhere
    // itself, that may close a cycle.
    if locks.hasWaiters(lock.index) && !agents[agent.index].waiting.isEmpty && observer.wantsCycles {
      detectCycle(from: agent, at: time, source: event.source)
    }
  }

  /// What a release or expire did: a hold ended, or an anomaly.
  private func report(_ change: LockState.HoldChange, _ event: LockEvent, at time: Int64) {
    switch change {
    case .ended(let hold): holdEnded(hold)
    case .anomaly(let kind): anomaly(kind, event, at: time)
    case .none: break
    }
  }

  /// The agent died: its waits end, unsampled; its holds stay, orphaned (SPEC §1), until
  /// the lock is reclaimed (`expire`), its lease runs out, another agent's conflicting
  /// acquire takes it over, or the log ends. Its name's later events are a new life.
  private func crash(_ agent: AgentID, at time: Int64, source: SourceLocation) {
    for wait in agents[agent.index].waiting {
      let lock = wait.lock
      expireLeases(of: lock, before: time, sparing: nil)
      advance(lock, to: time)
      if let wait = withLock(lock, { $0.abandonWait(of: agent, at: time, lock: lock) }) { waitEnded(wait) }
      locks.settle(lock.index)
    }
    for lock in agents[agent.index].held {
      expireLeases(of: lock, before: time, sparing: nil)
      advance(lock, to: time)
      withLock(lock) { $0.orphanHold(of: agent, at: time, source: source) }
      locks.settle(lock.index)
    }
    observer.crashed(agent, at: time)
  }

  // MARK: The end of the stream

  /// Ends every open hold and wait at the end of the observed span, then tells the observer
  /// the stream is over.
  func finish() {
    guard !finished else { return }
    finished = true
    defer { observer.streamEnded() }
    guard let end = span?.end else { return }
    advanceTotal(to: end)
    for index in locks.indices where locks.isSeen(index) {
      let lock = LockID(Int32(index))
      expireLeases(of: lock, before: end, sparing: nil)
      advance(lock, to: end)
      // The waits still open blocked the holds still open until the end: counted before
      // the holds end (the orphan rule reads it), though the waits end after.
      withLock(lock) { $0.chargeOpenWaits(until: end) }
      while let hold = withLock(lock, { $0.endLastHold(at: end, lock: lock) }) { holdEnded(hold) }
      while let wait = withLock(lock, { $0.endLastWait(at: end, lock: lock) }) { waitEnded(wait) }
      locks.settle(index)
    }
    observer.finished(at: end)
  }

  // MARK: The wait-for graph's cycle search (TimelineEngine+Cycles.swift)

  /// Search state reused across searches, indexed by agent: no allocation per search.
  var visitStamp: [UInt32] = []
  var parentAgent: [Int32] = []
  var parentLock: [Int32] = []
  var parentViaQueue: [Bool] = []
  var stamp: UInt32 = 0
  var frontier: [AgentID] = []
  /// Queue walks of the current search, per lock: how far from the front the waiters were
  /// walked for a waiter that conflicts with every one (`all`) or with exclusive ones only.
  /// A waiter behind a crowd on a free lock waits for everyone ahead; without this each
  /// visited waiter would walk the crowd again, quadratic in the queue.
  var walkedPrefix: [Int32: (all: Int, exclusive: Int)] = [:]
  /// Waiters passed by a walk of this search, and whether that walk emitted every waiter
  /// before them (`true`) or only the exclusive ones.
  var walkedPast: [Int64: Bool] = [:]

  // MARK: Shared steps

  /// Holders whose lease ran out before `time` lose the lock at their deadline, earliest
  /// first. `sparing` is the agent whose own `expire` event is about to end its hold. The
  /// test is inline and the expiry apart: every event asks, and almost no lease has run out.
  @inline(__always)
  func expireLeases(of lock: LockID, before time: Int64, sparing: AgentID?) {
    guard locks.earliestDeadline(lock.index) < time else { return }  // no lease ran out (`nextLapse`'s own test)
    expireLapsedLeases(of: lock, before: time, sparing: sparing)
  }

  @inline(never)
  private func expireLapsedLeases(of lock: LockID, before time: Int64, sparing: AgentID?) {
    while let (slot, deadline) = withLock(lock, { $0.nextLapse(before: time, sparing: sparing) }) {
      advance(lock, to: deadline)
      holdEnded(withLock(lock) { $0.lapse(slot: slot, at: deadline, lock: lock) })
    }
  }

  /// Accumulates the lock's time integrals up to `time`, inside the window.
  @inline(__always)
  private func advance(_ lock: LockID, to time: Int64) {
    let (elapsed, blocked) = withLock(lock) { $0.advance(to: time, since: selection.since) }
    // In place: a copy of the state would retain each of its arrays, on every event.
    if elapsed > 0 && locks.hasWaiters(lock.index) {
      withLock(lock) { observer.waitersBlocked(on: lock, state: $0, elapsed: elapsed, blocked: blocked) }
    }
  }

  @inline(__always)
  private func advanceTotal(to time: Int64) {
    let from = max(totalIntegratedUntil, selection.since)
    if time > from { totalQueueIntegral += Double(totalWaiters) * Double(time - from) }
    totalIntegratedUntil = max(totalIntegratedUntil, time)
  }

  /// A wait ended: the agent no longer waits there.
  private func waitEnded(_ wait: WaitInterval) {
    totalWaiters -= 1
    if let position = agents[wait.agent.index].waiting.lastIndex(where: { $0.lock == wait.lock }) {
      agents[wait.agent.index].waiting.remove(at: position)
    }
    observer.waitEnded(wait)
  }

  /// A hold ended: the agent no longer holds the lock; its time holding any lock grows
  /// when this was its last.
  private func holdEnded(_ hold: HoldInterval) {
    let agent = hold.agent.index
    remove(hold.lock, from: &agents[agent].held)
    if agents[agent].held.isEmpty {
      let from = max(agents[agent].holdingSince, selection.since)
      let until = max(hold.end, agents[agent].holdingUntil)
      if until > from { agents[agent].heldAnyNanos += until - from }
      agents[agent].holdingUntil = .min
    } else {
      agents[agent].holdingUntil = max(agents[agent].holdingUntil, hold.end)
    }
    observer.holdEnded(hold)
  }

  private func anomaly(_ kind: Anomaly.Kind, _ event: LockEvent, at time: Int64) {
    observer.anomaly(Anomaly(kind: kind, agent: event.agent, lock: event.lock, time: time, source: event.source))
  }

  /// Reads or changes a lock's state in place: `locks[i].method()` on a class's array
  /// property would copy the whole state (a retain of each of its arrays) before calling.
  /// An idle lock is put in use first; `settle` puts it back once the event is applied.
  @inline(__always)
  func withLock<Result>(_ lock: LockID, _ body: (inout LockState) -> Result) -> Result {
    body(&locks[inUse: lock.index])
  }

  private func remove(_ lock: LockID, from list: inout ShortList<LockID>) {
    if let index = list.lastIndex(where: { $0 == lock }) { list.remove(at: index) }
  }

  @inline(__always)
  private func ensureLock(_ lock: LockID, at time: Int64) {
    locks.ensure(lock.index)
    if !locks.isSeen(lock.index) { locks.markSeen(lock.index, at: time) }
  }

  @inline(__always)
  private func ensureAgent(_ agent: AgentID) {
    if agent.index >= agents.count {
      agents.append(contentsOf: repeatElement(AgentState(), count: agent.index + 1 - agents.count))
    }
  }
}
