/// What `lockscope watch` raises the moment it happens: the failures an on-call engineer
/// acts on, found from the timeline as it is rebuilt (the report's analyzers only speak at
/// the end of the log). Each alert is a `Finding`, so it renders like one.
///
/// Alerts come from three places: the engine's callbacks (a cycle closes, a crash ends
/// holds, a queue grows), and `scan`, which the watch loop calls as the log's clock moves —
/// also while the stream is quiet — for holds that are now too long or whose lease ran out.
struct LiveAlerts: TimelineObserver {
  struct Thresholds: Sendable {
    /// A hold still open this long is announced (once).
    var longHold: Int64 = 30_000_000_000
    /// More waiters than this on one lock is announced (again once the queue has drained to it).
    var maxQueue = 16

    init() {}
  }

  /// An open hold, as the scan needs it.
  struct OpenHold {
    var since: Int64
    var source: SourceLocation
    var announcedLong = false
    var announcedLapse = false
  }

  let scope: TimelineScope
  let thresholds: Thresholds
  /// Receives each alert as it is raised (the watch loop writes and flushes it at once).
  private let raise: (Finding) -> Void
  /// Open holds: bounded by what is held at once, not by the log.
  private(set) var openHolds: [LockAgentKey: OpenHold] = [:]
  /// Locks whose long queue was announced and has not drained since.
  private var longQueues: Set<LockID> = []
  /// Locks held by the agent whose `crash` is being applied.
  private var crashedHolding: [LockID] = []
  private(set) var raised = 0

  init(_ context: LogAnalysis.Context, thresholds: Thresholds, raise: @escaping (Finding) -> Void) {
    scope = context
    self.thresholds = thresholds
    self.raise = raise
  }

  var wantsCycles: Bool { true }
  var wantsEvents: Bool { true }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard scope.selection.includes(event.agent) else { return }
    openHolds[LockAgentKey(lock: event.lock, agent: event.agent)] = OpenHold(since: time, source: event.source)
  }

  /// The holds a crash orphaned, in the order they were taken: the alert names them when
  /// the crash's line is applied. They are followed no further (no long-hold alert for a
  /// dead holder).
  mutating func crashed(_ agent: AgentID, at time: Int64) {
    let held = openHolds.filter { $0.key.agent == agent }
    for (key, _) in held { openHolds[key] = nil }
    crashedHolding = held.sorted { ($0.value.since, $0.key) < ($1.value.since, $1.key) }.map(\.key.lock)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    guard let open = openHolds.removeValue(forKey: LockAgentKey(lock: hold.lock, agent: hold.agent)) else { return }
    switch hold.outcome {
    case .leaseExpired where !open.announcedLapse:
      // The log moved past the deadline between two scans: say it now, at the deadline.
      announceLapse(hold.agent, hold.lock, deadline: hold.end, source: open.source)
    default: break
    }
  }

  mutating func cycleFormed(_ cycle: WaitCycle) {
    var steps: [FindingText] = []
    for (index, (agent, lock)) in zip(cycle.agents, cycle.locks).enumerated() {
      let next = cycle.agents[(index + 1) % cycle.agents.count]
      let how = cycle.viaQueue[index] ? "queued behind" : "held by"
      steps.append("\(agent: agent) waits for \(quoted: lock) \(how) \(agent: next)")
    }
    let message: FindingText =
      cycle.agents.count == 1
      ? "\(agent: cycle.agents[0]) waits for \(quoted: cycle.locks[0]), which it holds itself"
      : steps.joined(separator: "; ")
    emit(
      .deadlock, .critical, locks: cycle.locks, agents: cycle.agents, time: cycle.time, source: cycle.source,
      message: message,
      remedy:
        "Break the cycle now: end one of the waits (time out, cancel, or restart that agent); then take these locks in one order everywhere."
    )
  }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    guard let state else {
      // A crash: the holds it orphaned were collected by `crashed` just before.
      if !crashedHolding.isEmpty {
        let names = crashedHolding.map { "\(quoted: $0)" as FindingText }.joined(separator: ", ")
        emit(
          .orphan, .critical, locks: crashedHolding, agents: [event.agent], time: time, source: event.source,
          message: "\(agent: event.agent) crashed holding \(names): waiters will stall until the lock is broken",
          remedy: "Break or expire the lock so the waiters can go on; leases with heartbeats reclaim such locks by themselves.")
        crashedHolding.removeAll()
      }
      return
    }
    let lock = event.lock
    if state.waiters.count > thresholds.maxQueue {
      guard !longQueues.contains(lock) else { return }
      longQueues.insert(lock)
      let holders = state.holders.map { "\(agent: $0.agent)" as FindingText }.joined(separator: ", ")
      emit(
        .longQueue, .warning, locks: [lock], agents: state.holders.map(\.agent), time: time, source: event.source,
        message: "\(state.waiters.count) waiters queued on \(quoted: lock) (over --max-queue \(thresholds.maxQueue))"
          + (holders.isEmpty ? "" : ", held by \(holders)"),
        remedy: "See what the holder is doing: the lock is the bottleneck now.")
    } else if !longQueues.isEmpty {
      longQueues.remove(lock)
    }
  }

  /// Announces holds that reached `--long-hold` and leases that ran out, as of `now` on the
  /// log's clock. `locks` is the engine's state (for lease deadlines, which renewals move).
  mutating func scan(now: Int64, locks: LockTable) {
    // Collected first, then raised in the order they became due (a dictionary has none).
    var due: [(time: Int64, key: LockAgentKey, lapse: Bool)] = []
    for (key, open) in openHolds where !(open.announcedLong && open.announcedLapse) {
      if !open.announcedLong && now - open.since >= thresholds.longHold {
        due.append((open.since &+ thresholds.longHold, key, false))
      }
      let (lock, agent) = (key.lock, key.agent)
      if !open.announcedLapse, lock.index < locks.count,
        let holder = locks[lock.index].holders.first(where: { $0.agent == agent }), holder.leaseDeadline < now
      {
        due.append((holder.leaseDeadline, key, true))
      }
    }
    for (time, key, lapse) in due.sorted(by: { ($0.time, $0.key) < ($1.time, $1.key) }) {
      let (lock, agent) = (key.lock, key.agent)
      guard let source = openHolds[key]?.source, let since = openHolds[key]?.since else { continue }
      if lapse {
        openHolds[key]?.announcedLapse = true
        announceLapse(agent, lock, deadline: time, source: source)
      } else {
        openHolds[key]?.announcedLong = true
        emit(
          .longHold, .warning, locks: [lock], agents: [agent], time: time, source: source,
          message: "\(agent: agent) has held \(quoted: lock) for \(HumanDuration.human(time - since)) and counting",
          remedy: "See what the holder is doing while it holds the lock (a slow call, a hang).")
      }
    }
  }

  private mutating func announceLapse(_ agent: AgentID, _ lock: LockID, deadline: Int64, source: SourceLocation) {
    emit(
      .leaseExpired, .critical, locks: [lock], agents: [agent], time: deadline, source: source,
      message: "the lease of \(agent: agent) on \(quoted: lock) ran out with no renew: "
        + "another agent may take the lock while it still works",
      remedy: "Stop the old holder or make writers check fencing tokens before trusting the lock.")
  }

  private mutating func emit(
    _ kind: FindingKind, _ severity: Finding.Severity, locks: [LockID], agents: [AgentID], time: Int64, source: SourceLocation,
    message: FindingText, remedy: FindingText
  ) {
    raised += 1
    raise(
      FindingDraft(
        kind: kind, severity: severity, locks: locks, agents: agents, time: time, source: source, message: message, remedy: remedy
      ).named(scope.names))
  }
}
