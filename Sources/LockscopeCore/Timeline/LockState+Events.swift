/// The rules of docs/semantics.md for one lock: one mutating method per step of an event,
/// each returning what happened (a wait or hold that ended, an anomaly). The state machine
/// knows nothing of agents' other locks, the observers or the wait-for graph: those are the
/// engine's, which routes each event here and hands the result on.
extension LockState {
  /// What an event that may end a hold did.
  enum HoldChange {
    case ended(HoldInterval)
    case anomaly(Anomaly.Kind)
    /// Nothing: an `expire` of a hold that had already lapsed.
    case none
  }

  /// What an event that may end a wait did.
  enum WaitChange {
    case ended(WaitInterval)
    case anomaly(Anomaly.Kind)
  }

  /// How an acquire took the lock.
  enum Admission {
    /// The agent already held it: the first hold stands.
    case doubleAcquire
    /// A new hold; `collidingWith` is non-nil when holders it conflicts with were still
    /// there (an `acquire-while-held` anomaly: the log forced two exclusive holders).
    case admitted(collidingWith: [AgentID]?)
  }

  // MARK: Time

  /// Integrates the lock's time up to `time`, inside the window starting at `since`: held
  /// time, the queue, and the caused wait of each blocked waiter. Returns the elapsed time
  /// counted and how many waiters were blocked by somebody during it.
  mutating func advance(to time: Int64, since: Int64) -> (elapsed: Int64, blocked: Int) {
    let until = integratedUntil
    guard time > until else { return (0, 0) }
    let elapsed = time - max(until, since)
    integratedUntil = time
    guard elapsed > 0 else { return (0, 0) }
    if !holders.isEmpty { heldNanos += elapsed }
    guard !waiters.isEmpty else { return (elapsed, 0) }
    queueIntegral += Double(waiters.count) * Double(elapsed)
    return (elapsed, chargeWaitTargets(elapsed: elapsed))
  }

  // MARK: Requests

  /// A `request`: the agent queues. Returns whether the lock was unavailable to it and the
  /// queue's length with it.
  mutating func request(
    by agent: AgentID, mode: LockMode, at time: Int64, source: SourceLocation, site: Int32 = -1
  ) -> (contended: Bool, queueLength: Int) {
    let contended = isUnavailable(to: agent, mode: mode)
    enqueue(Waiter(agent: agent, mode: mode, since: time, queueIntegralAtJoin: queueIntegral, source: source, site: site))
    return (contended, waiters.count)
  }

  /// A `timeout` or `cancel`: the agent stops waiting.
  mutating func withdraw(by agent: AgentID, timedOut: Bool, at time: Int64, lock: LockID) -> WaitChange {
    guard let index = waiterIndex(agent) else { return .anomaly(timedOut ? .timeoutWithoutRequest : .cancelWithoutRequest) }
    return .ended(endWait(at: index, time: time, outcome: timedOut ? .timedOut : .cancelled, lock: lock))
  }

  // MARK: Acquires, in three steps (each reported before the next is taken)

  /// First: the agent's own request, if any, is granted; the waiters ahead of it were
  /// overtaken (FIFO grants overtake nobody). With no request, every waiter was.
  mutating func grant(to agent: AgentID, at time: Int64, lock: LockID) -> WaitInterval? {
    guard let index = waiterIndex(agent) else {
      for position in waiters.indices { waiters[position].overtaken += 1 }
      return nil
    }
    for ahead in 0..<index { waiters[ahead].overtaken += 1 }
    return endWait(at: index, time: time, outcome: .granted, lock: lock)
  }

  /// Second, repeated: an orphaned hold the acquire takes over (it would conflict with it,
  /// the semaphore is full, or the agent's own earlier life left it). It ends here,
  /// unfinished, and is not an anomaly (SPEC §1).
  mutating func takeOverOrphan(by agent: AgentID, mode: LockMode, at time: Int64, lock: LockID) -> HoldInterval? {
    guard orphanedHolders > 0 else { return nil }
    let full = capacity > 0 && holders.count >= Int(capacity)
    guard
      let index = holders.indices.first(where: { slot in
        let holder = holders[slot]
        return holder.isOrphaned && (holder.agent == agent || full || (capacity == 0 && holder.mode.conflicts(with: mode)))
      })
    else { return nil }
    return endHold(at: index, time: time, outcome: .crashed, lock: lock)
  }

  /// Third: the hold begins (`site`: its acquire's, else the request's it ended).
  mutating func admit(
    _ agent: AgentID, mode: LockMode, at time: Int64, leaseNanos: Int64, source: SourceLocation, site: Int32 = -1
  ) -> Admission {
    if holderIndex(agent) != nil { return .doubleAcquire }
    var colliding: [AgentID]? = nil
    if holdersConflict(with: mode) {
      colliding = holders.filter { blocks(holderMode: $0.mode, requestMode: mode) }.map(\.agent)
    }
    forgetLapse(of: agent)
    let deadline = max(leaseNanos >= 0 ? time.addingReportingOverflow(leaseNanos).partialValue : .max, time)
    addHolder(Holder(agent: agent, mode: mode, since: time, leaseDeadline: deadline, leaseLength: leaseNanos, source: source, site: site))
    earliestDeadline = min(earliestDeadline, deadline)
    return .admitted(collidingWith: colliding)
  }

  // MARK: Holds

  /// A `release` by `agent`.
  mutating func release(by agent: AgentID, at time: Int64, source: SourceLocation, lock: LockID) -> HoldChange {
    if let index = liveHolderIndex(agent) {
      return .ended(endHold(at: index, time: time, outcome: .released, endSource: source, lock: lock))
    }
    // A lapsed holder's mark stays: a second late release is late too.
    return .anomaly(lapsedHolders.contains(agent) ? .releaseAfterLeaseExpired : .releaseByNonHolder)
  }

  /// A `renew`: the lease restarts from `time` (with a new length, if given).
  mutating func renew(by agent: AgentID, leaseNanos: Int64, at time: Int64) -> Anomaly.Kind? {
    guard let index = liveHolderIndex(agent) else {
      return lapsedHolders.contains(agent) ? .renewAfterLeaseExpired : .renewByNonHolder
    }
    if leaseNanos >= 0 { holders[index].leaseLength = leaseNanos }
    let length = holders[index].leaseLength
    if length >= 0 {
      holders[index].leaseDeadline = time.addingReportingOverflow(length).partialValue
      refreshEarliestDeadline()
    }
    return nil
  }

  /// An `expire`: the lock manager took the lock back from `agent` (alive or dead).
  mutating func expire(by agent: AgentID, at time: Int64, source: SourceLocation, lock: LockID) -> HoldChange {
    if let index = holderIndex(agent) {
      return .ended(endHold(at: index, time: time, outcome: .expired, endSource: source, lock: lock))
    }
    return lapsedHolders.contains(agent) ? .none : .anomaly(.expireByNonHolder)
  }

  /// The holder whose lease ran out first before `time` (other than `sparing`, whose own
  /// `expire` is about to end its hold), and when its lease ran out (never before the
  /// integrals already counted). The engine advances to that time, then calls `lapse`.
  func nextLapse(before time: Int64, sparing: AgentID?) -> (slot: Int, at: Int64)? {
    guard earliestDeadline < time else { return nil }
    var earliest: Int? = nil
    // Slots, not offsets: the holder list may have holes (see HolderList).
    for index in holders.indices where holders[index].leaseDeadline < time && holders[index].agent != sparing {
      if earliest.map({ holders[index].leaseDeadline < holders[$0].leaseDeadline }) ?? true { earliest = index }
    }
    guard let slot = earliest else { return nil }
    return (slot, max(holders[slot].leaseDeadline, integratedUntil))
  }

  /// The hold at `slot` lost the lock at `time`, its lease run out. A living holder is
  /// marked lapsed (its late release is an anomaly of its own); a dead one's name is not:
  /// its next life never held the lock.
  mutating func lapse(slot: Int, at time: Int64, lock: LockID) -> HoldInterval {
    let hold = endHold(at: slot, time: time, outcome: .leaseExpired, lock: lock)
    if hold.crashedAt == nil { noteLapse(of: hold.agent) }
    return hold
  }

  // MARK: Crashes and the end

  /// `agent` crashed: its wait here, if any, ends unsampled.
  mutating func abandonWait(of agent: AgentID, at time: Int64, lock: LockID) -> WaitInterval? {
    guard let index = waiterIndex(agent) else { return nil }
    return endWait(at: index, time: time, outcome: .abandoned, lock: lock)
  }

  /// `agent` crashed: its hold here, if any, stays, orphaned.
  mutating func orphanHold(of agent: AgentID, at time: Int64, source: SourceLocation) {
    if let index = liveHolderIndex(agent) { orphan(at: index, time: time, source: source) }
  }

  /// The end of the log at `end`: the waits still open blocked the holds still open until
  /// then (the orphan rule reads it, so it is counted before the holds end).
  mutating func chargeOpenWaits(until end: Int64) {
    guard !holders.isEmpty else { return }
    for position in waiters.indices { chargeBlocked(by: waiters[position], until: end) }
  }

  /// The end of the log: the last open hold ends, if any (call until nil).
  mutating func endLastHold(at end: Int64, lock: LockID) -> HoldInterval? {
    guard let last = holders.indices.last else { return nil }
    return endHold(at: last, time: end, outcome: .endOfLog, lock: lock)
  }

  /// The end of the log: the last open wait ends, if any (call until nil).
  mutating func endLastWait(at end: Int64, lock: LockID) -> WaitInterval? {
    guard let last = waiters.indices.last else { return nil }
    return endWait(at: last, time: end, outcome: .endOfLog, lock: lock)
  }

  // MARK: Ending waits and holds

  /// Ends the wait at `index`: what it waited, how, and what it caused as a waiter ahead.
  mutating func endWait(at index: Int, time: Int64, outcome: WaitOutcome, lock: LockID) -> WaitInterval {
    let waiter = dequeue(at: index)
    chargeBlocked(by: waiter, until: time)
    return WaitInterval(
      agent: waiter.agent, lock: lock, mode: waiter.mode, start: waiter.since, end: time, outcome: outcome,
      queueIntegral: queueIntegral - waiter.queueIntegralAtJoin, source: waiter.source, overtaken: Int(waiter.overtaken),
      causedWait: waiter.causedWait, site: waiter.site)
  }

  /// Ends the hold at `index`. However an orphaned hold ends (reclaimed, lapsed, taken
  /// over, the end of the log) it is the crash's: its cause, and the crash's line as where
  /// it ended.
  mutating func endHold(at index: Int, time: Int64, outcome: HoldOutcome, endSource: SourceLocation? = nil, lock: LockID) -> HoldInterval {
    let (holder, causedWait, mostBlocked, longestBlocked) = removeHolder(at: index)
    if waitersThatHold > 0 && !holder.isOrphaned && waiterIndex(holder.agent) != nil { waitersThatHold -= 1 }
    if holder.leaseDeadline == earliestDeadline && holder.leaseDeadline != .max { refreshEarliestDeadline() }
    return HoldInterval(
      agent: holder.agent, lock: lock, mode: holder.mode, start: holder.since, end: time,
      outcome: holder.isOrphaned ? .crashed : outcome, source: holder.source,
      endSource: holder.isOrphaned ? holder.crashSource : endSource, causedWait: causedWait, mostBlocked: mostBlocked,
      crashedAt: holder.isOrphaned ? holder.crashedAt : nil, longestBlocked: longestBlocked, site: holder.site)
  }
}
