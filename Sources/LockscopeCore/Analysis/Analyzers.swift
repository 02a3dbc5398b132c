/// The analyzers a report runs, fed together from one pass over the timeline: the
/// statistics, and one finding analyzer per family of failure.
struct Analyzers: TimelineObserver {
  /// Complete once the stream has ended (`streamEnded`): until then, with a
  /// `statisticsQueue`, they are counted off this thread.
  private(set) var statistics: StatisticsAnalyzer
  /// Where the statistics' changes go when they are counted off this thread (nil: here).
  private(set) var statisticsQueue: StatisticsQueue?
  /// The changes not yet handed to `statisticsQueue`: gathered here, in a value, so a
  /// change touches no shared object (see `StatisticsQueue.handOver`).
  private var pendingChanges: [StatisticsChange] = []
  /// The open holds' expected lengths, kept here, beside the timeline: the long-hold
  /// finding reads them as holds end, and each ended hold takes its own to the statistics.
  private var holdExpectations: OpenHoldExpectations
  var anomalies = AnomalyLog()
  var deadlocks: DeadlockAnalyzer
  var lockOrder: LockOrderAnalyzer
  var orphans: OrphanAnalyzer
  var leases: LeaseAnalyzer
  var contention: ContentionAnalyzer
  /// `--family`: what family rows need beyond their locks' rows (inert without families).
  var families: FamilyAnalyzer
  /// `site` on events: the WAITED AT and BLOCKED OTHERS FROM tables (inert without sites).
  var sites: SiteAnalyzer
  /// False under `--no-findings`: only the statistics (and anomaly counts) run.
  let findingsEnabled: Bool

  /// Where the statistics are counted.
  enum StatisticsCounting {
    /// Here, as the timeline reports.
    case inline
    /// Off the timeline's thread, by whichever thread waits (`--threads 2`).
    case shared
    /// Also on a thread that only counts (`--threads 3`).
    case ownThread
  }

  init(
    selection: Selection, options: FindingOptions = FindingOptions(), lockNames: NameTable? = nil,
    expectedHolds: [(glob: Glob, nanos: Int64)] = [], families: LockFamilies = LockFamilies(),
    counting: StatisticsCounting = .inline
  ) {
    sites = SiteAnalyzer(selection: selection)
    self.families = FamilyAnalyzer(families: families, lockNames: lockNames, since: selection.since)
    statistics = StatisticsAnalyzer(selection: selection)
    holdExpectations = OpenHoldExpectations(HoldExpectations(rules: expectedHolds, lockNames: lockNames))
    if counting != .inline {
      statisticsQueue = StatisticsQueue(statistics, ownThread: counting == .ownThread)
      pendingChanges.reserveCapacity(StatisticsQueue.batchSize)
    }
    deadlocks = DeadlockAnalyzer(options: options)
    lockOrder = LockOrderAnalyzer(options: options, lockNames: lockNames)
    orphans = OrphanAnalyzer(options: options)
    leases = LeaseAnalyzer(options: options)
    contention = ContentionAnalyzer(options: options)
    findingsEnabled = options.enabled
  }

  /// Every finding, most severe first, then by kind, then in time order: named here, where
  /// the report is built.
  func findings(in context: FindingContext) -> [Finding] {
    guard findingsEnabled else { return anomalies.findings(in: context).map(context.named) }
    // Each analyzer's drafts are named and let go before the next one's are made: a
    // thousand lock-order inversions' drafts are megabytes.
    var named: [Finding] = []
    named += deadlocks.findings(in: context).map(context.named)
    named += leases.findings(in: context).map(context.named)
    named += orphans.findings(in: context).map(context.named)
    named += lockOrder.findings(in: context).map(context.named)
    named += contention.findings(in: context).map(context.named)
    named += anomalies.findings(in: context).map(context.named)
    let all = RemedyFit.apply(
      to: named,
      lockNames: context.locks.seenLocks.map(context.lockName),
      families: families.families)
    // Sorted by index: the sort moves integers, not thousands of findings (each a copy of
    // its strings and details, a retain and release apiece).
    return all.indices.sorted { a, b in
      if all[a].severity != all[b].severity { return all[a].severity < all[b].severity }
      if all[a].kind != all[b].kind { return all[a].kind < all[b].kind }
      if all[a].time != all[b].time { return all[a].time < all[b].time }
      return a < b
    }.map { all[$0] }
  }

  /// Findings found but not kept, by kind.
  var droppedFindings: [(kind: FindingKind, count: Int)] {
    guard findingsEnabled else { return anomalies.droppedFindings.filter { $0.count > 0 } }
    let each = [
      anomalies.droppedFindings, deadlocks.droppedFindings, lockOrder.droppedFindings, orphans.droppedFindings, leases.droppedFindings,
    ]
    return each.joined().filter { $0.count > 0 }
  }

  /// Counts `change` in the statistics, here or through their queue.
  @inline(__always)
  private mutating func count(_ change: StatisticsChange) {
    // A test of the reference for nil, not a binding: a binding retained the shared queue.
    guard statisticsQueue != nil else { return statistics.apply(change) }
    pendingChanges.append(change)
    if pendingChanges.count >= StatisticsQueue.batchSize { handOverChanges() }
  }

  @inline(never)
  private mutating func handOverChanges() {
    statisticsQueue?.handOver(&pendingChanges)
  }

  /// Counts every change still queued (with whoever else is counting) and takes the
  /// statistics back.
  mutating func streamEnded() {
    guard let queue = statisticsQueue else { return }
    if !pendingChanges.isEmpty { queue.handOver(&pendingChanges) }
    pendingChanges = []
    statisticsQueue = nil
    statistics = queue.finish()
  }

  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {
    count(.waitersBlocked(lock: lock, elapsed: elapsed, blocked: blocked))
    guard findingsEnabled else { return }
    orphans.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
    contention.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
  }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    count(.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare, in: statistics.selection))
    families.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
    sites.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
    guard findingsEnabled else { return }
    contention.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
    lockOrder.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    holdExpectations.acquired(event)
    count(.acquired(event, at: time, wait: wait, in: statistics.selection))
    families.acquired(event, at: time, wait: wait)
    guard findingsEnabled else { return }
    lockOrder.acquired(event, at: time, wait: wait)
    orphans.acquired(event, at: time, wait: wait)
    leases.acquired(event, at: time, wait: wait)
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    count(.waitEnded(wait, in: statistics.selection))
    families.waitEnded(wait)
    sites.waitEnded(wait)
    guard findingsEnabled else { return }
    deadlocks.waitEnded(wait)
    contention.waitEnded(wait)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    let expected = holdExpectations.holdEnded(hold)
    count(.holdEnded(hold, expected: expected, in: statistics.selection))
    families.holdEnded(hold)
    sites.holdEnded(hold)
    guard findingsEnabled else { return }
    deadlocks.holdEnded(hold)
    lockOrder.holdEnded(hold)
    orphans.holdEnded(hold)
    leases.holdEnded(hold)
    contention.holdEnded(hold, expected: expected ?? -1)
  }

  mutating func anomaly(_ anomaly: Anomaly) {
    holdExpectations.anomaly(anomaly)
    families.anomaly(anomaly)
    anomalies.anomaly(anomaly)
    guard findingsEnabled else { return }
    leases.anomaly(anomaly)
  }

  var wantsCycles: Bool { findingsEnabled }

  mutating func crashed(_ agent: AgentID, at time: Int64) {
    guard findingsEnabled else { return }
    lockOrder.crashed(agent)
  }

  mutating func cycleFormed(_ cycle: WaitCycle) {
    deadlocks.cycleFormed(cycle)
    lockOrder.deadlocked(cycle.locks)
  }

  mutating func finished(at end: Int64) {
    if findingsEnabled { orphans.finished(at: end, deadlocked: deadlocks.agentsInOpenCycles) }
    deadlocks.finished(at: end)
  }
}
