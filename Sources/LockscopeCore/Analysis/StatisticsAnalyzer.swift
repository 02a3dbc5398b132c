/// Accumulates the metrics of SPEC §2 per lock, per agent and overall, as the timeline
/// reports attempts, waits and holds. Memory: one accumulator per lock and per agent, and
/// one sum per (lock, agent) pair that had a `blocked` sample (for `fairness`; the first of
/// each lock in an array of 16 bytes a lock, see `BlockedPairs`).
///
/// It takes the timeline's reports as `StatisticsChange`s, small values that name only what
/// the rows need, which `Analyzers` makes from what the timeline tells it: so they can be
/// handed to other threads to count (`StatisticsQueue`).
struct StatisticsAnalyzer {
  let selection: Selection
  private(set) var locks = MetricTable()
  private(set) var agents = MetricTable()
  /// The overall row's totals and counts. Its digests are left empty while events come:
  /// every sample also goes to exactly one selected agent's row, so `overall` merges those
  /// rows' digests once, at the end, instead of taking three more samples an acquisition.
  private var overallTotals = MetricAccumulator()
  /// `blocked` per (lock, agent): the per-lock means behind `fairness`.
  private(set) var blockedPairs = BlockedPairs()

  /// The sum and count of one (lock, agent) pair's `blocked` samples.
  struct BlockedSum: Sendable {
    var total: Int128 = 0
    var count = 0
    var mean: Double { count > 0 ? total.doubleValue / Double(count) : 0 }

    @inline(__always)
    mutating func add(_ nanos: Int64) {
      total += Int128(max(0, nanos))
      count += 1
    }
  }

  /// The row over every selected lock and agent: the totals kept as events came, and the
  /// agents' digests merged. A digest's answers depend only on the samples it holds, not
  /// their order, so this is the row that taking each sample here too would have made.
  var overall: MetricAccumulator {
    var row = overallTotals
    (row.wait, row.hold, row.blocked) = agents.mergedDigests()
    return row
  }

  init(selection: Selection) { self.selection = selection }

  /// Counts one report of the timeline. Reads of `selection` here are of `since` only, which
  /// never changes: this may run on another thread (`StatisticsQueue`).
  @inline(__always)
  mutating func apply(_ change: StatisticsChange) {
    switch change {
    case .attempted(let agent, let lock, let time, let contended, let queueLength, let bare, let selected):
      guard selected else { return }
      attempted(agent, lock, at: time, contended: contended, queueLength: queueLength, bare: bare)
    case .acquired(let agent, let lock, let time, let wait, let selected):
      guard selected else { return }
      acquired(agent, lock, at: time, wait: wait)
    case .waitEnded(let wait): waitEnded(wait)
    case .holdEnded(let hold): holdEnded(hold)
    case .waitersBlocked(let lock, let elapsed, let blocked): waitersBlocked(on: lock, elapsed: elapsed, blocked: blocked)
    }
  }

  // MARK: Counting

  @inline(__always)
  private mutating func sampleBlocked(_ lock: LockID, _ agent: AgentID, _ nanos: Int64) {
    ensure(lock, agent)
    locks.sampleBlocked(lock.index, nanos)
    agents.sampleBlocked(agent.index, nanos)
    blockedPairs.add(LockAgentKey(lock: lock, agent: agent), sample: nanos)
  }

  private mutating func attempted(_ agent: AgentID, _ lock: LockID, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    guard time >= selection.since else { return }
    ensure(lock, agent)
    locks.attempted(lock.index, contended: contended)
    agents.attempted(agent.index, contended: contended)
    overallTotals.attempted(contended: contended)
    if queueLength > 0 { agents.update(agent.index) { $0.queueMax = max($0.queueMax, queueLength) } }
    // A bare acquire was blocked for no time at all (SPEC §2 `blocked`).
    if bare { sampleBlocked(lock, agent, 0) }
  }

  private mutating func acquired(_ agent: AgentID, _ lock: LockID, at time: Int64, wait: Int64) {
    guard time >= selection.since else { return }
    ensure(lock, agent)
    locks.acquired(lock.index, wait: wait)
    agents.acquired(agent.index, wait: wait)
    overallTotals.acquisitions += 1  // the wait sample: see `overall`
  }

  private mutating func waitEnded(_ wait: EndedWait) {
    // Later waiters queued behind this one blamed it (SPEC §2 wait-for edges): settled for
    // it, like a hold's, whether or not its own row is selected.
    if wait.causedWait > 0 { charge(wait.agent, wait.causedWait) }
    guard wait.selected else { return }
    let clipped = max(0, wait.end - max(wait.start, selection.since))
    let timedOut = wait.outcome == .timedOut && wait.end >= selection.since ? 1 : 0
    if timedOut > 0 {
      update(wait.lock, wait.agent) { row in
        row.waitNanos += Int128(clipped)
        row.timeouts += timedOut
      }
    } else {
      ensure(wait.lock, wait.agent)
      locks.waited(wait.lock.index, clipped)
      agents.waited(wait.agent.index, clipped)
      overallTotals.waited(clipped)
    }
    if wait.queueIntegral != 0 { agents.update(wait.agent.index) { $0.queueIntegral += wait.queueIntegral } }
    // Waits ended by a crash or by the end of the log are not `blocked` samples.
    switch wait.outcome {
    case .granted, .timedOut, .cancelled:
      if wait.end >= selection.since { sampleBlocked(wait.lock, wait.agent, wait.end - wait.start) }
    case .abandoned, .endOfLog: break
    }
  }

  private mutating func holdEnded(_ hold: EndedHold) {
    // The wait the hold caused is settled here, once, for the holder, whether or not its
    // own row is selected.
    if hold.causedWait > 0 || hold.mostBlocked > 0 {
      charge(hold.agent, hold.causedWait)
      agents.update(hold.agent.index) { $0.blockedMax = max($0.blockedMax, hold.mostBlocked) }
    }
    guard hold.selected else { return }
    let clipped = max(0, hold.end - max(hold.start, selection.since))
    let inWindow = hold.end >= selection.since
    let released = hold.outcome == .released
    let length = hold.end - hold.start
    var (expectedBump, overBump) = (0, 0)
    if released && hold.expected >= 0 { (expectedBump, overBump) = (1, length > hold.expected ? 1 : 0) }
    if (released || !inWindow) && expectedBump == 0 {
      // The common hold, made in a cell when it fits one.
      let sampled = inWindow
      ensure(hold.lock, hold.agent)
      locks.held(hold.lock.index, clipped: clipped, length: length, sampled: sampled)
      agents.held(hold.agent.index, clipped: clipped, length: length, sampled: sampled)
      overallTotals.held(clipped: clipped, length: length, sampled: false)  // the sample: see `overall`
      return
    }
    update(hold.lock, hold.agent) { row in
      row.holdNanos += Int128(clipped)
      guard inWindow else { return }
      if released {
        row.hold.add(length)
        if expectedBump > 0 {
          row.expectedHolds += expectedBump
          row.overExpected += overBump
        }
      } else {
        row.unfinishedHolds += 1
        row.unfinishedMax = max(row.unfinishedMax, length)
      }
    }
  }

  /// The lock's caused wait: the time of every waiter blocked by somebody (SPEC §2). Who
  /// gets it is settled when the holds and waits it was charged to end.
  private mutating func waitersBlocked(on lock: LockID, elapsed: Int64, blocked: Int) {
    guard blocked > 0 else { return }
    let waited = Double(elapsed) * Double(blocked)
    ensure(lock, AgentID(0))
    locks.update(lock.index) { $0.causedWait += waited }
    overallTotals.causedWait += waited
  }

  @inline(__always)
  private mutating func charge(_ agent: AgentID, _ nanos: Double) {
    ensure(LockID(0), agent)
    if nanos != 0 { agents.update(agent.index) { $0.causedWait += nanos } }
  }

  @inline(__always)
  private mutating func update(_ lock: LockID, _ agent: AgentID, _ body: (inout MetricAccumulator) -> Void) {
    ensure(lock, agent)
    locks.update(lock.index, body)
    agents.update(agent.index, body)
    body(&overallTotals)
  }

  @inline(__always)
  private mutating func ensure(_ lock: LockID, _ agent: AgentID) {
    locks.ensure(lock.index)
    agents.ensure(agent.index)
  }
}
