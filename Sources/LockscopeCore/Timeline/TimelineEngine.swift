/// Rebuilds every lock's state from the merged event stream and tells an observer what
/// happened: attempts, waits, holds and anomalies. It never stores past events; its memory
/// is the current holders and waiters of each lock, and a few counters per lock and agent.
///
/// The rules are docs/semantics.md; each event kind has one method below.
public final class TimelineEngine<Observer: TimelineObserver> {
  public var observer: Observer
  public let selection: Selection
  /// Every lock seen, indexed by id (`seen` is false for ids of locks filtered out).
  public private(set) var locks: [LockState] = []
  public private(set) var agents: [AgentState] = []
  /// Time of the first and latest applied events (nil before the first).
  public private(set) var firstTime: Int64?
  public private(set) var lastTime: Int64 = .min
  /// The latest time of any event read, applied or not (the log goes on past `--until`).
  public private(set) var latestReadTime: Int64 = .min
  /// Events applied (inside `--until`, on selected locks).
  public private(set) var appliedEvents: Int64 = 0

  /// Waiters on all locks together, and their integral / maximum (the overall queue).
  public private(set) var totalWaiters = 0
  public private(set) var totalQueueIntegral: Double = 0
  public private(set) var totalQueueMax = 0
  private var totalIntegratedUntil: Int64 = .min
  public private(set) var finished = false

  /// What the engine tracks per agent: which locks it holds and waits on (for `crash`),
  /// and the time it held at least one lock (its utilization).
  public struct AgentState: Sendable {
    public var held: [LockID] = []
    public var waiting: [LockID] = []
    /// The mode of each wait in `waiting` (same positions): the cycle search reads an
    /// agent's wait edges from these, never by searching a lock's queue for it.
    public var waitingModes: [LockMode] = []
    public var holdingSince: Int64 = 0
    /// The latest end of a hold that ended while others were still held: a lapsed lease is
    /// ended at its deadline, possibly after holds that ended later.
    public var holdingUntil: Int64 = .min
    public var heldAnyNanos: Int64 = 0
  }

  public init(observer: Observer, selection: Selection) {
    self.observer = observer
    self.selection = selection
  }

  /// The observed span: `[start, end]` clipped to the window, or nil with no events.
  public var span: (start: Int64, end: Int64)? {
    guard let firstTime else { return nil }
    let start = max(firstTime, selection.since)
    // The log's end, or the window's when the log goes on past it.
    let end = max(start, min(max(lastTime, latestReadTime), selection.until))
    return (start, end)
  }

  // MARK: Applying events

  @inline(__always)
  public func apply(_ event: LockEvent) {
    var time = event.time
    // Events of locks left out by --lock do not stretch the span either.
    if event.kind != .crash && !selection.includes(event.lock) { return }
    if time > latestReadTime { latestReadTime = time }
    if time > selection.until { return }
    if time < lastTime {
      observer.anomaly(Anomaly(kind: .clockBackwards, agent: event.agent, lock: event.lock, time: lastTime, source: event.source, skew: lastTime - time))
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
    if event.capacity > 0 { locks[lock.index].capacity = event.capacity }  // ensured above
    expireLeases(of: lock, before: time, sparing: event.kind == .expire ? event.agent : nil)
    // What the agent holds elsewhere on a lease that ran out, it no longer holds: a new
    // attempt is not taken "while holding" it (lock order, deadlocks).
    if event.kind == .request || event.kind == .acquire {
      for held in agents[event.agent.index].held where held != lock && locks[held.index].earliestDeadline < time {
        expireLeases(of: held, before: time, sparing: nil)
      }
    }
    advance(lock, to: time)

    switch event.kind {
    case .request: request(event, at: time)
    case .acquire: acquire(event, at: time)
    case .release: release(event, at: time)
    case .timeout, .cancel: withdraw(event, at: time)
    case .renew: renew(event, at: time)
    case .expire: expire(event, at: time)
    case .crash: break  // handled above
    }
    if observer.wantsEvents { observer.applied(event, at: time, state: locks[lock.index]) }
  }

  private func request(_ event: LockEvent, at time: Int64) {
    let (agent, lock) = (event.agent, event.lock)
    // An agent waits on few locks: its own list answers faster than the lock's queue.
    if agents[agent.index].waiting.contains(lock) {
      anomaly(.duplicateRequest, event, at: time)
      return
    }
    let contended = withLock(lock, { $0.isUnavailable(to: agent, mode: event.mode) })
    withLock(lock) { state in
      state.enqueue(
        Waiter(agent: agent, mode: event.mode, since: time, queueIntegralAtJoin: state.queueIntegral, source: event.source, site: event.site))
    }
    agents[agent.index].waiting.append(lock)
    agents[agent.index].waitingModes.append(event.mode)
    totalWaiters += 1
    totalQueueMax = max(totalQueueMax, totalWaiters)
    observer.attempted(event, at: time, contended: contended, queueLength: locks[lock.index].waiters.count, bare: false)
    // A new wait edge: the only moment a cycle can close through this agent.
    if contended && observer.wantsCycles { detectCycle(from: agent, at: time, source: event.source) }
  }

  private func acquire(_ event: LockEvent, at time: Int64) {
    let (agent, lock) = (event.agent, event.lock)
    var wait: Int64 = 0
    var site = event.site
    if let index = withLock(lock, { $0.waiterIndex(agent) }) {
      wait = time - locks[lock.index].waiters[index].since
      if site < 0 { site = locks[lock.index].waiters[index].site }  // the site of the request it ends
      // Everyone queued ahead of it was overtaken (FIFO grants overtake nobody).
      for ahead in 0..<index { locks[lock.index].waiters[ahead].overtaken += 1 }
      endWait(lock, at: index, time: time, outcome: .granted)
    } else {
      for waiting in locks[lock.index].waiters.indices { locks[lock.index].waiters[waiting].overtaken += 1 }
      observer.attempted(event, at: time, contended: false, queueLength: 0, bare: true)
    }
    takeOverOrphans(of: lock, by: agent, mode: event.mode, at: time)
    if withLock(lock, { $0.holderIndex(agent) }) != nil {
      anomaly(.doubleAcquire, event, at: time)
      observer.acquired(event, at: time, wait: wait)
      return
    }
    if withLock(lock, { $0.holdersConflict(with: event.mode) }) {
      let state = locks[lock.index]
      var collision = Anomaly(kind: .acquireWhileHeld, agent: agent, lock: lock, time: time, source: event.source)
      collision.others = state.holders.filter { state.blocks(holderMode: $0.mode, requestMode: event.mode) }.map(\.agent)
      observer.anomaly(collision)
    }
    withLock(lock) { state in
      state.lapsedHolders.removeAll { $0 == agent }
      let deadline = event.leaseNanos >= 0 ? time.addingReportingOverflow(event.leaseNanos).partialValue : .max
      state.addHolder(
        Holder(
          agent: agent, mode: event.mode, since: time, leaseDeadline: max(deadline, time), leaseLength: event.leaseNanos, source: event.source,
          site: site))
      state.earliestDeadline = min(state.earliestDeadline, max(deadline, time))
    }
    if agents[agent.index].held.isEmpty { agents[agent.index].holdingSince = time }
    agents[agent.index].held.append(lock)
    observer.acquired(event, at: time, wait: wait)
    // A new holder is a new wait-for target for the lock's waiters; if it waits somewhere
    // itself, that may close a cycle.
    if !locks[lock.index].waiters.isEmpty && !agents[agent.index].waiting.isEmpty && observer.wantsCycles {
      detectCycle(from: agent, at: time, source: event.source)
    }
  }

  private func release(_ event: LockEvent, at time: Int64) {
    if let index = withLock(event.lock, { $0.liveHolderIndex(event.agent) }) {
      endHold(event.lock, at: index, time: time, outcome: .released, by: event.source)
    } else if locks[event.lock.index].lapsedHolders.contains(event.agent) {
      // The mark stays: an ignored event changes nothing, and a second late release is late too.
      anomaly(.releaseAfterLeaseExpired, event, at: time)
    } else {
      anomaly(.releaseByNonHolder, event, at: time)
    }
  }

  /// `timeout` or `cancel`: the agent stops waiting.
  private func withdraw(_ event: LockEvent, at time: Int64) {
    let timedOut = event.kind == .timeout
    if let index = withLock(event.lock, { $0.waiterIndex(event.agent) }) {
      endWait(event.lock, at: index, time: time, outcome: timedOut ? .timedOut : .cancelled)
    } else {
      anomaly(timedOut ? .timeoutWithoutRequest : .cancelWithoutRequest, event, at: time)
    }
  }

  private func renew(_ event: LockEvent, at time: Int64) {
    if let index = withLock(event.lock, { $0.liveHolderIndex(event.agent) }) {
      withLock(event.lock) { state in
        if event.leaseNanos >= 0 { state.holders[index].leaseLength = event.leaseNanos }
        let length = state.holders[index].leaseLength
        if length >= 0 {
          state.holders[index].leaseDeadline = time.addingReportingOverflow(length).partialValue
          state.refreshEarliestDeadline()
        }
      }
    } else if locks[event.lock.index].lapsedHolders.contains(event.agent) {
      anomaly(.renewAfterLeaseExpired, event, at: time)
    } else {
      anomaly(.renewByNonHolder, event, at: time)
    }
  }

  private func expire(_ event: LockEvent, at time: Int64) {
    if let index = withLock(event.lock, { $0.holderIndex(event.agent) }) {
      endHold(event.lock, at: index, time: time, outcome: .expired, by: event.source)
    } else if !locks[event.lock.index].lapsedHolders.contains(event.agent) {
      anomaly(.expireByNonHolder, event, at: time)
    }
  }

  /// The agent died: its waits end, unsampled; its holds stay, orphaned (SPEC §1), until
  /// the lock is reclaimed (`expire`), its lease runs out, another agent's conflicting
  /// acquire takes it over, or the log ends. Its name's later events are a new life.
  private func crash(_ agent: AgentID, at time: Int64, source: SourceLocation) {
    for lock in agents[agent.index].waiting {
      expireLeases(of: lock, before: time, sparing: nil)
      advance(lock, to: time)
      if let index = withLock(lock, { $0.waiterIndex(agent) }) { endWait(lock, at: index, time: time, outcome: .abandoned) }
    }
    for lock in agents[agent.index].held {
      expireLeases(of: lock, before: time, sparing: nil)
      advance(lock, to: time)
      if let index = withLock(lock, { $0.liveHolderIndex(agent) }) {
        withLock(lock) { $0.orphan(at: index, time: time, source: source) }
      }
    }
    observer.crashed(agent, at: time)
  }

  /// An acquire takes over the orphaned holds it would conflict with (or that its own
  /// agent's earlier life left): they end here, unfinished, and are not an anomaly.
  private func takeOverOrphans(of lock: LockID, by agent: AgentID, mode: LockMode, at time: Int64) {
    while locks[lock.index].orphanedHolders > 0 {
      let state = locks[lock.index]
      let full = state.capacity > 0 && state.holders.count >= Int(state.capacity)
      guard
        let index = state.holders.indices.first(where: { slot in
          let holder = state.holders[slot]
          return holder.isOrphaned
            && (holder.agent == agent || full || (state.capacity == 0 && holder.mode.conflicts(with: mode)))
        })
      else { return }
      endHold(lock, at: index, time: time, outcome: .crashed)
    }
  }

  // MARK: The end of the stream

  /// Ends every open hold and wait at the end of the observed span.
  public func finish() {
    guard !finished else { return }
    finished = true
    guard let end = span?.end else { return }
    advanceTotal(to: end)
    for index in locks.indices where locks[index].seen {
      let lock = LockID(Int32(index))
      expireLeases(of: lock, before: end, sparing: nil)
      advance(lock, to: end)
      // The waits still open block the holds still open until the end: count them before
      // the holds end (the orphan rule reads it), though the waits end after.
      if !locks[index].holders.isEmpty {
        for position in locks[index].waiters.indices {
          let waiter = locks[index].waiters[position]
          locks[index].chargeBlocked(by: waiter, until: end)
        }
      }
      while let last = locks[index].holders.indices.last { endHold(lock, at: last, time: end, outcome: .endOfLog) }
      while let last = locks[index].waiters.indices.last { endWait(lock, at: last, time: end, outcome: .endOfLog) }
    }
    observer.finished(at: end)
  }

  // MARK: Deadlocks

  /// Search state reused across searches, indexed by agent: no allocation per search.
  private var visitStamp: [UInt32] = []
  private var parentAgent: [Int32] = []
  private var parentLock: [Int32] = []
  private var parentViaQueue: [Bool] = []
  private var stamp: UInt32 = 0
  private var frontier: [AgentID] = []

  /// Looks for a wait-for cycle through `start` (which just gained a wait edge, or became
  /// a holder while waiting elsewhere): a breadth-first walk along wait edges that stops
  /// when it returns to `start`. It visits only agents reachable from `start`, so its cost
  /// is bounded by the paths it walks; the shortest cycle is reported.
  /// Queue walks of the current search, per lock: how far from the front the waiters were
  /// walked for a waiter that conflicts with every one (`all`) or with exclusive ones only.
  /// A waiter behind a crowd on a free lock waits for everyone ahead; without this each
  /// visited waiter would walk the crowd again, quadratic in the queue.
  private var walkedPrefix: [Int32: (all: Int, exclusive: Int)] = [:]
  /// Waiters passed by a walk of this search (`lock << 32 | agent`), and whether that walk
  /// emitted every waiter before them (`true`) or only the exclusive ones.
  private var walkedPast: [Int64: Bool] = [:]

  /// `body` gets the waiters ahead of `agent` on `lock` that it waits behind, except those
  /// this search has already been given through the same lock.
  private func walkQueue(of lock: LockID, for agent: AgentID, mode: LockMode, _ body: (AgentID) -> Void) {
    let everyone = locks[lock.index].capacity > 0 || mode == .exclusive
    let key = Int64(lock.rawValue) << 32 | Int64(UInt32(bitPattern: agent.rawValue))
    if let passedWithAll = walkedPast[key], passedWithAll || !everyone { return }  // its prefix was emitted
    let prefix = walkedPrefix[lock.rawValue] ?? (0, 0)
    // Where to resume: waiters before it were emitted for this kind of waiter already. An
    // agent passed only by an exclusive-only walk starts over, to be given the readers too.
    let from = everyone ? (walkedPast[key] == nil ? prefix.all : 0) : max(prefix.all, prefix.exclusive)
    let reached = locks[lock.index].forEachWaiterAhead(agent: agent, mode: mode, from: from) { target, conflicts in
      // Every waiter passed is remembered, emitted or not: its own prefix lies inside this one.
      let passed = Int64(lock.rawValue) << 32 | Int64(UInt32(bitPattern: target.rawValue))
      if everyone || walkedPast[passed] == nil { walkedPast[passed] = everyone }
      if conflicts { body(target) }
    }
    guard let reached else { return }
    // Waiters that do not conflict were walked past too: remember the position reached.
    if everyone {
      walkedPrefix[lock.rawValue] = (max(prefix.all, reached), prefix.exclusive)
    } else {
      walkedPrefix[lock.rawValue] = (prefix.all, max(prefix.exclusive, reached))
    }
  }

  private func detectCycle(from start: AgentID, at time: Int64, source: SourceLocation) {
    // Nobody can wait for an agent that holds nothing and waits only at the end of one
    // queue: no edge leads back to it, so no cycle closes. This skips the search for the
    // common request (and for a crowd queued on a free lock, where it costs the most).
    if agents[start.index].held.isEmpty && agents[start.index].waiting.count <= 1 { return }
    if visitStamp.count < agents.count {
      let missing = agents.count - visitStamp.count
      visitStamp.append(contentsOf: repeatElement(0, count: missing))
      parentAgent.append(contentsOf: repeatElement(-1, count: missing))
      parentLock.append(contentsOf: repeatElement(-1, count: missing))
      parentViaQueue.append(contentsOf: repeatElement(false, count: missing))
    }
    stamp &+= 1
    if stamp == 0 {  // wrapped: old stamps could look fresh
      for i in visitStamp.indices { visitStamp[i] = 0 }
      stamp = 1
    }
    frontier.removeAll(keepingCapacity: true)
    if !walkedPrefix.isEmpty { walkedPrefix.removeAll(keepingCapacity: true) }
    if !walkedPast.isEmpty { walkedPast.removeAll(keepingCapacity: true) }
    frontier.append(start)
    visitStamp[start.index] = stamp
    var next = 0
    var closing: (agent: AgentID, lock: LockID, viaQueue: Bool)?
    search: while next < frontier.count {
      let agent = frontier[next]
      next += 1
      for (position, lock) in agents[agent.index].waiting.enumerated() {
        // A holder whose lease ran out holds nothing: end it before reading the edges, or a
        // lapsed lease would close a deadlock that cannot be.
        if locks[lock.index].earliestDeadline < time { expireLeases(of: lock, before: time, sparing: nil) }
        // Read in place: copying the lock's state would retain its arrays on every search.
        // The mode comes from the agent: finding it in a queue of 100,000 costs as much.
        let mode = agents[agent.index].waitingModes[position]
        var found = false
        let visit = { (target: AgentID, viaQueue: Bool) in
          if found { return }
          if target == start {
            closing = (agent, lock, viaQueue)
            found = true
          } else if self.visitStamp[target.index] != self.stamp {
            self.visitStamp[target.index] = self.stamp
            self.parentAgent[target.index] = agent.rawValue
            self.parentLock[target.index] = lock.rawValue
            self.parentViaQueue[target.index] = viaQueue
            self.frontier.append(target)
          }
        }
        let blockedByHolders = withLock(lock) { state in
          state.forEachBlockingHolder(agent: agent, mode: mode) { slot in
            // A dead holder blocks but waits for nothing: no edge leads on from it.
            if !state.holders[slot].isOrphaned { visit(state.holders[slot].agent, false) }
          }
        }
        if !blockedByHolders {
          walkQueue(of: lock, for: agent, mode: mode) { visit($0, true) }
        }
        if found { break search }
      }
    }
    guard let closing else { return }
    // Walk back from the agent whose edge closed the cycle to `start`.
    var agentsBack: [AgentID] = [closing.agent]
    var locksBack: [LockID] = [closing.lock]
    var queueBack: [Bool] = [closing.viaQueue]
    var current = closing.agent
    while current != start {
      let parent = AgentID(parentAgent[current.index])
      locksBack.append(LockID(parentLock[current.index]))
      queueBack.append(parentViaQueue[current.index])
      agentsBack.append(parent)
      current = parent
    }
    // agentsBack = [closing … start], locksBack[i] = what agentsBack[i] waits for.
    let (agents, locks) = (Array(agentsBack.reversed()), Array(locksBack.reversed()))
    // Where each edge's request was made (its `site`), for the finding to name.
    let sites = zip(agents, locks).map { agent, lock in
      withLock(lock) { state in state.waiterIndex(agent).map { state.waiters[$0].site } } ?? -1
    }
    observer.cycleFormed(
      WaitCycle(agents: agents, locks: locks, viaQueue: queueBack.reversed(), time: time, source: source, sites: sites))
  }

  // MARK: Shared steps

  /// Holders whose lease ran out before `time` lose the lock at their deadline, earliest
  /// first. `sparing` is the agent whose own `expire` event is about to end its hold.
  private func expireLeases(of lock: LockID, before time: Int64, sparing: AgentID?) {
    while locks[lock.index].earliestDeadline < time {
      let state = locks[lock.index]
      var earliest: Int? = nil
      // Slots, not offsets: the holder list may have holes (see HolderList).
      for index in state.holders.indices where state.holders[index].leaseDeadline < time && state.holders[index].agent != sparing {
        let holder = state.holders[index]
        if earliest == nil || holder.leaseDeadline < state.holders[earliest!].leaseDeadline { earliest = index }  // set just before
      }
      guard let index = earliest else { return }
      let holder = state.holders[index]
      let deadline = max(holder.leaseDeadline, state.integratedUntil)
      advance(lock, to: deadline)
      endHold(lock, at: index, time: deadline, outcome: .leaseExpired)
      // A dead holder's lapse marks nobody: its name's next life did not hold the lock.
      if !holder.isOrphaned { withLock(lock) { $0.lapsedHolders.append(holder.agent) } }
    }
  }

  /// Accumulates the lock's time integrals up to `time`, inside the window.
  @inline(__always)
  private func advance(_ lock: LockID, to time: Int64) {
    let index = lock.index
    let until = locks[index].integratedUntil
    guard time > until else { return }
    let elapsed = time - max(until, selection.since)
    locks[index].integratedUntil = time
    guard elapsed > 0 else { return }
    let waiting = locks[index].waiters.count
    if !locks[index].holders.isEmpty { locks[index].heldNanos += elapsed }
    if waiting > 0 {
      let waited = Double(waiting) * Double(elapsed)
      locks[index].queueIntegral += waited
      let blocked = locks[index].chargeWaitTargets(elapsed: elapsed)
      // In place: a copy of the state would retain each of its arrays, on every event.
      withLock(lock) { observer.waitersBlocked(on: lock, state: $0, elapsed: elapsed, blocked: blocked) }
    }
  }

  private func advanceTotal(to time: Int64) {
    let from = max(totalIntegratedUntil, selection.since)
    if time > from { totalQueueIntegral += Double(totalWaiters) * Double(time - from) }
    totalIntegratedUntil = max(totalIntegratedUntil, time)
  }

  private func endWait(_ lock: LockID, at index: Int, time: Int64, outcome: WaitOutcome) {
    var waiter: Waiter!
    var queueIntegral = 0.0
    withLock(lock) { state in
      waiter = state.dequeue(at: index)
      queueIntegral = state.queueIntegral - waiter.queueIntegralAtJoin
      state.chargeBlocked(by: waiter, until: time)
    }
    totalWaiters -= 1
    if let position = agents[waiter.agent.index].waiting.lastIndex(of: lock) {
      agents[waiter.agent.index].waiting.remove(at: position)
      agents[waiter.agent.index].waitingModes.remove(at: position)
    }
    observer.waitEnded(
      WaitInterval(
        agent: waiter.agent, lock: lock, mode: waiter.mode, start: waiter.since, end: time, outcome: outcome,
        queueIntegral: queueIntegral, source: waiter.source, overtaken: Int(waiter.overtaken), causedWait: waiter.causedWait,
        site: waiter.site))
  }

  private func endHold(_ lock: LockID, at index: Int, time: Int64, outcome: HoldOutcome, by endSource: SourceLocation? = nil) {
    var holder: Holder!
    var imposed = (causedWait: 0.0, mostBlocked: 0)
    withLock(lock) { state in
      let removed = state.removeHolder(at: index)
      holder = removed.holder
      imposed = (removed.causedWait, removed.mostBlocked)
      if state.waitersThatHold > 0 && !holder.isOrphaned && state.waiterIndex(holder.agent) != nil { state.waitersThatHold -= 1 }
      if holder.leaseDeadline == state.earliestDeadline && holder.leaseDeadline != .max { state.refreshEarliestDeadline() }
    }
    let agent = holder.agent.index
    remove(lock, from: &agents[agent].held)
    if agents[agent].held.isEmpty {
      let from = max(agents[agent].holdingSince, selection.since)
      let until = max(time, agents[agent].holdingUntil)
      if until > from { agents[agent].heldAnyNanos += until - from }
      agents[agent].holdingUntil = .min
    } else {
      agents[agent].holdingUntil = max(agents[agent].holdingUntil, time)
    }
    // However an orphaned hold ends (reclaimed, lapsed, taken over, the end of the log), it
    // is the crash's: its cause, and the crash's line as where it ended.
    observer.holdEnded(
      HoldInterval(
        agent: holder.agent, lock: lock, mode: holder.mode, start: holder.since, end: time,
        outcome: holder.isOrphaned ? .crashed : outcome, source: holder.source,
        endSource: holder.isOrphaned ? holder.crashSource : endSource, causedWait: imposed.causedWait,
        mostBlocked: imposed.mostBlocked,
        crashedAt: holder.isOrphaned ? holder.crashedAt : nil, longestBlocked: holder.blockedBy.values.max() ?? 0, site: holder.site))
  }

  private func anomaly(_ kind: Anomaly.Kind, _ event: LockEvent, at time: Int64) {
    observer.anomaly(Anomaly(kind: kind, agent: event.agent, lock: event.lock, time: time, source: event.source))
  }

  /// Reads or changes a lock's state in place: `locks[i].method()` on a class's array
  /// property would copy the whole state (a retain of each of its arrays) before calling.
  @inline(__always)
  private func withLock<Result>(_ lock: LockID, _ body: (inout LockState) -> Result) -> Result {
    body(&locks[lock.index])
  }

  private func remove(_ lock: LockID, from list: inout [LockID]) {
    if let index = list.lastIndex(of: lock) { list.remove(at: index) }
  }

  @inline(__always)
  private func ensureLock(_ lock: LockID, at time: Int64) {
    if lock.index >= locks.count {
      locks.append(contentsOf: repeatElement(LockState(createdAt: 0, seen: false), count: lock.index + 1 - locks.count))
    }
    if !locks[lock.index].seen { locks[lock.index] = LockState(createdAt: time) }
  }

  @inline(__always)
  private func ensureAgent(_ agent: AgentID) {
    if agent.index >= agents.count {
      agents.append(contentsOf: repeatElement(AgentState(), count: agent.index + 1 - agents.count))
    }
  }
}
