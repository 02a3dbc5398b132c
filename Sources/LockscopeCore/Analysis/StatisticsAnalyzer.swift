/// Accumulates the metrics of SPEC §2 per lock, per agent and overall, as the timeline
/// reports attempts, waits and holds. Memory: one accumulator per lock and per agent.
public struct StatisticsAnalyzer: TimelineObserver {
  public let selection: Selection
  public private(set) var locks: [MetricAccumulator] = []
  public private(set) var agents: [MetricAccumulator] = []
  public private(set) var overall = MetricAccumulator()

  public init(selection: Selection) {
    self.selection = selection
  }

  public mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    let (agent, lock) = (event.agent, event.lock)
    guard time >= selection.since, selection.includes(agent) else { return }
    let bump = contended ? 1 : 0
    update(lock, agent) { row in
      row.attempts += 1
      row.contendedAttempts += bump
    }
    agents[agent.index].queueMax = max(agents[agent.index].queueMax, queueLength)
  }

  public mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard time >= selection.since, selection.includes(event.agent) else { return }
    update(event.lock, event.agent) { row in
      row.acquisitions += 1
      row.wait.add(wait)
    }
  }

  public mutating func waitEnded(_ wait: WaitInterval) {
    guard selection.includes(wait.agent) else { return }
    let clipped = max(0, wait.end - max(wait.start, selection.since))
    let timedOut = wait.outcome == .timedOut && wait.end >= selection.since ? 1 : 0
    update(wait.lock, wait.agent) { row in
      row.waitNanos += Int128(clipped)
      row.timeouts += timedOut
    }
    agents[wait.agent.index].queueIntegral += wait.queueIntegral
  }

  public mutating func holdEnded(_ hold: HoldInterval) {
    // What the hold imposed while every waiter was blocked alike is settled here, once, for
    // the holder (see `waitersBlocked`), whether or not its own row is selected.
    if hold.uniformBlockedWait > 0 || hold.mostBlocked > 0 {
      charge(hold.agent, hold.uniformBlockedWait)
      agents[hold.agent.index].blockedMax = max(agents[hold.agent.index].blockedMax, hold.mostBlocked)
    }
    guard selection.includes(hold.agent) else { return }
    let clipped = max(0, hold.end - max(hold.start, selection.since))
    let inWindow = hold.end >= selection.since
    let released = hold.outcome == .released
    update(hold.lock, hold.agent) { row in
      row.holdNanos += Int128(clipped)
      guard inWindow else { return }
      if released { row.hold.add(hold.end - hold.start) } else { row.unfinishedHolds += 1 }
    }
  }

  /// Charges each blocked waiter's `elapsed` to its blockers, split evenly (SPEC §2).
  public mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64) {
    guard let firstHolder = state.holders.first else { return }
    let span = Double(elapsed)
    ensure(lock, firstHolder.agent)
    // Usually every waiter is blocked by every holder: one exclusive holder, shared
    // holders and a writer, or a semaphore. Then each holder gets an equal share, which the
    // lock state integrates (`LockState.uniformShare`) and the hold's end settles: a loop
    // over the holders here would cost a crowd of readers O(holders) per event.
    if state.blocksEveryWaiterAlike {
      locks[lock.index].causedWait += span * Double(state.waiters.count)
      overall.causedWait += span * Double(state.waiters.count)
      return
    }
    var blockedBy: [AgentID: Int] = [:]
    for waiter in state.waiters {
      let blockers = state.blockers(of: waiter)
      guard !blockers.isEmpty else { continue }
      for agent in blockers {
        charge(agent, span / Double(blockers.count))
        blockedBy[agent, default: 0] += 1
      }
      locks[lock.index].causedWait += span
      overall.causedWait += span
    }
    for (agent, count) in blockedBy { agents[agent.index].blockedMax = max(agents[agent.index].blockedMax, count) }
  }

  @inline(__always)
  private mutating func charge(_ agent: AgentID, _ nanos: Double) {
    ensure(LockID(0), agent)
    agents[agent.index].causedWait += nanos
  }

  @inline(__always)
  private mutating func update(_ lock: LockID, _ agent: AgentID, _ body: (inout MetricAccumulator) -> Void) {
    ensure(lock, agent)
    body(&locks[lock.index])
    body(&agents[agent.index])
    body(&overall)
  }

  @inline(__always)
  private mutating func ensure(_ lock: LockID, _ agent: AgentID) {
    if lock.index >= locks.count {
      locks.append(contentsOf: repeatElement(MetricAccumulator(), count: lock.index + 1 - locks.count))
    }
    if agent.index >= agents.count {
      agents.append(contentsOf: repeatElement(MetricAccumulator(), count: agent.index + 1 - agents.count))
    }
  }
}
