/// Turns the finished engine and analyzers into a `Report`: rates and means computed,
/// names resolved, rows sorted.
struct ReportBuilder<Observer: TimelineObserver> {
  let engine: TimelineEngine<Observer>
  /// The engine's analyzers (its observer, or one half of it).
  let analyzers: Analyzers
  let agentNames: NameTable
  let lockNames: NameTable
  /// `site` values (`EventParser.sites`).
  var siteNames = NameTable()
  let inputNames: [String]
  let findingOptions: FindingOptions
  /// `--prometheus-histograms`: rows carry cumulative bucket counts.
  var histograms = false
  /// `--threads 2` or more: the first rows are made on another thread while the findings
  /// are worked out here (`RowsMadeAhead`).
  var makesRowsAhead = false

  func build(events: Int64, skipped: SkippedLines) -> Report {
    let statistics = analyzers.statistics
    let selection = engine.selection
    var report = Report()
    report.summary.inputs = inputNames
    report.summary.events = events
    report.summary.skippedLines = skipped.count
    report.summary.findingsAnalyzed = findingOptions.enabled
    report.summary.locks = lockNames.count
    report.summary.agents = agentNames.count
    report.skipped = skipped.shown
    let span = engine.span
    report.summary.firstTime = span?.start
    report.summary.lastTime = span?.end
    let spanNanos = Double(span.map { $0.end - $0.start } ?? 0)

    let fairness = ReportBuilder.fairness(statistics.blockedPairs)
    var families = analyzers.families  // its cache of each lock's family fills as rows are built
    var heldTotal: Int64 = 0
    var lockCount = 0
    // Rows are sorted as ids, by a comparison that reads each one's wait total and name
    // where they are kept: no key per row is made (a million rows' keys were 48 bytes each).
    var lockIndices: [Int32] = []
    lockIndices.reserveCapacity(engine.locks.count)  // one allocation, not a doubling past it
    for (index, state) in engine.locks.enumerated() {
      guard state.seen else { continue }
      // Lock time integrals stay whole under --agent: every lock counts for overall utilization.
      lockCount += 1
      heldTotal = heldTotal.addingSaturating(state.heldNanos)
      if selection.filtersAgents && (index >= statistics.locks.count || statistics.locks[index].isEmpty) { continue }
      lockIndices.append(Int32(index))
    }
    lockIndices.sort(by: ReportBuilder.rowOrder(statistics.locks, lockNames))
    // `--family`: each lock's family by id, worked out now (the analyzer caches it as it goes).
    var lockFamilies: [Int32] = []
    if !families.families.isEmpty {
      lockFamilies = engine.locks.indices.map { families.family(of: LockID(Int32($0))).map(Int32.init) ?? -1 }
    }
    var agentIndices: [Int32] = []
    agentIndices.reserveCapacity(statistics.agents.count)
    for (index, accumulator) in statistics.agents.enumerated() where selection.includes(AgentID(Int32(index))) {
      guard index < engine.agents.count, !accumulator.isEmpty else { continue }
      agentIndices.append(Int32(index))
    }
    agentIndices.sort(by: ReportBuilder.rowOrder(statistics.agents, agentNames))
    // The rows are made as the renderers read them, from the analyzers' totals: only the
    // order is kept here (a million rows of 400 bytes are never all made at once).
    let sources = RowSources(
      statistics: statistics, lockStates: engine.locks, agentStates: engine.agents, lockNames: lockNames,
      agentNames: agentNames, fairness: fairness.locks, familyNames: families.names, lockFamilies: lockFamilies,
      spanNanos: spanNanos, histograms: histograms)
    let (lockOrder, agentOrder) = (lockIndices, agentIndices)
    let ahead =
      makesRowsAhead
      ? RowsMadeAhead([
        .init(count: lockOrder.count) { sources.unnamedLockRow(Int(lockOrder[$0])) },
        .init(count: agentOrder.count) { sources.unnamedAgentRow(Int(agentOrder[$0])) },
      ]) : nil
    report.locks = MetricsRows(count: lockOrder.count) { sources.lockRow(Int(lockOrder[$0]), madeAhead: ahead?.row($0, of: 0)) }
    let agentTable = statistics.agents
    report.agents = MetricsRows(
      count: agentOrder.count, row: { sources.agentRow(Int(agentOrder[$0]), madeAhead: ahead?.row($0, of: 1)) },
      causedWait: { Int128(roundingNanos: agentTable.causedWait(Int(agentOrder[$0]))) })
    report.overall.fill(from: statistics.overall, histograms: histograms)
    report.overall.queueMax = engine.totalQueueMax
    report.overall.queueMean = ratio(engine.totalQueueIntegral, spanNanos)
    report.overall.utilization = ratio(Double(heldTotal), spanNanos * Double(lockCount))
    report.overall.fairness = fairness.overall

    // Families and sites are few rows (a million per-key locks make one family row).
    report.familiesAsked = !families.families.isEmpty
    report.families = MetricsRows(familyRows(&families, spanNanos: spanNanos).sorted(by: MetricsRow.reportOrder))
    report.sites = analyzers.sites.sites.enumerated().compactMap { index, accumulator in
      guard !accumulator.isEmpty, index < siteNames.count else { return nil }
      var row = MetricsRow(name: siteNames.name(Int32(index)))
      row.fill(from: accumulator, histograms: histograms)
      return row
    }.sorted(by: MetricsRow.reportOrder)

    let anomalies = analyzers.anomalies
    report.anomalyCounts = Anomaly.Kind.allCases.compactMap { kind in
      anomalies.counts[kind].map { (kind, $0) }
    }
    let context = FindingContext(
      agentName: { agentNames.name($0.rawValue) }, lockName: { lockNames.name($0.rawValue) }, source: source,
      statistics: statistics, locks: LockActivity(engine.locks), span: Int64(spanNanos), spanStart: engine.span?.start ?? .min,
      options: findingOptions, siteName: siteName)
    report.findings = analyzers.findings(in: context)
    report.findingCounts = ReportBuilder.count(report.findings, dropped: analyzers.droppedFindings)
    return report
  }

  /// SPEC §2 lock families: each family's locks' rows folded into one as the report is
  /// built (no second row per lock is kept): counts and totals summed, digests merged;
  /// utilization and the queue's maximum from what `FamilyAnalyzer` followed live.
  private func familyRows(_ families: inout FamilyAnalyzer, spanNanos: Double) -> [MetricsRow] {
    guard !families.families.isEmpty else { return [] }
    let statistics = analyzers.statistics
    var accumulators: [MetricAccumulator] = []
    var queueIntegrals: [Double] = []
    var lockCounts: [Int] = []
    for (index, state) in engine.locks.enumerated() where state.seen {
      guard let family = families.family(of: LockID(Int32(index))) else { continue }
      if family >= accumulators.count {
        let missing = family + 1 - accumulators.count
        accumulators.append(contentsOf: repeatElement(MetricAccumulator(), count: missing))
        queueIntegrals.append(contentsOf: repeatElement(0, count: missing))
        lockCounts.append(contentsOf: repeatElement(0, count: missing))
      }
      if index < statistics.locks.count { accumulators[family].merge(statistics.locks[index]) }
      queueIntegrals[family] += state.queueIntegral
      lockCounts[family] += 1
    }
    let fairness = ReportBuilder.fairness(statistics.blockedPairs) { families.family(of: $0).map(Int32.init) }
    return accumulators.indices.compactMap { family in
      let accumulator = accumulators[family]
      if engine.selection.filtersAgents && accumulator.isEmpty { return nil }
      var row = MetricsRow(name: families.names[family])
      row.fill(from: accumulator, histograms: histograms)
      row.lockCount = lockCounts[family]
      row.queueMax = families.live[family].queueMax
      row.queueMean = ratio(queueIntegrals[family], spanNanos)
      row.utilization = ratio(Double(families.live[family].heldNanos), spanNanos)
      row.fairness = fairness[Int32(family)] ?? 1
      return row
    }
  }

  static func count(_ findings: [Finding], dropped: [(kind: FindingKind, count: Int)]) -> [(kind: FindingKind, count: Int)] {
    var totals: [FindingKind: Int] = [:]
    for finding in findings where finding.detail("outlier") == nil { totals[finding.kind, default: 0] += finding.count }
    for (kind, count) in dropped { totals[kind, default: 0] += count }
    return FindingKind.reported.compactMap { kind in totals[kind].map { (kind, $0) } }
  }

  /// Jain's index (Σx)²/(n·Σx²) of SPEC §2 `fairness`: per lock over its agents' mean
  /// blocked time on it, overall over every agent's mean blocked time (its blocked samples
  /// on all locks together). 1 when every agent waits alike or none waits.
  ///
  /// Totals in arrays indexed by lock and agent id, not dictionaries: a million per-key
  /// locks each used by its own agent are a million pairs (a (lock, agent) key is already
  /// one per lock, so the per-lock totals need no grouping). Ids are interned, from 0. A
  /// lock blocked on by one agent has index 1 (x²/x²), so only locks up to the highest
  /// one shared by several agents get totals: none, with per-key locks.
  static func fairness(_ pairs: BlockedPairs) -> (locks: LockFairness, overall: Double) {
    var locks = [JainTotals](repeating: JainTotals(), count: Int(pairs.maxSharedLock) + 1)
    var agents = AgentBlockedTotals(count: Int(pairs.maxAgent) + 1)
    for (key, blocked) in pairs where blocked.count > 0 {
      let (lock, agent) = (Int(key.lock.rawValue), Int(key.agent.rawValue))
      if lock >= 0 && lock < locks.count { locks[lock].add(blocked.mean) }
      if agent >= 0 { agents.add(agent, blocked) }
    }
    return (LockFairness(indices: locks.map(\.index)), agents.fairness)
  }

  /// Jain's index per group of locks (a lock, a family, all of them) over the agents that
  /// were blocked on them: x = an agent's mean blocked time over its attempts on the group.
  /// Locks `groupOf` leaves out (nil) count for no group.
  static func fairness(_ pairs: BlockedPairs, groupOf: (LockID) -> Int32?) -> [Int32: Double] {
    var perGroupAgent: [LockAgentKey: StatisticsAnalyzer.BlockedSum] = [:]
    for (key, blocked) in pairs where blocked.count > 0 {
      guard let group = groupOf(key.lock) else { continue }
      let groupKey = LockAgentKey(lock: LockID(group), agent: key.agent)
      perGroupAgent[groupKey, default: .init()].total += blocked.total
      perGroupAgent[groupKey, default: .init()].count += blocked.count
    }
    var totals: [Int32: JainTotals] = [:]
    for (key, blocked) in perGroupAgent { totals[key.lock.rawValue, default: JainTotals()].add(blocked.mean) }
    return totals.mapValues(\.index)
  }

  private func ratio(_ part: Double, _ whole: Double) -> Double {
    whole > 0 ? part / whole : 0
  }

  /// `MetricsRow.reportOrder` of the rows of ids in `table`, named in `names`.
  private static func rowOrder(_ table: MetricTable, _ names: NameTable) -> (Int32, Int32) -> Bool {
    { a, b in
      let aWait = Int(a) < table.count ? table.waitNanos(Int(a)) : 0
      let bWait = Int(b) < table.count ? table.waitNanos(Int(b)) : 0
      return aWait != bWait ? aWait > bWait : names.precedes(a, b)
    }
  }

  /// The name of a `site` id, nil for none.
  func siteName(_ site: Int32) -> String? {
    site >= 0 && Int(site) < siteNames.count ? siteNames.name(site) : nil
  }

  func source(_ location: SourceLocation) -> String {
    location.text(inputNames: inputNames)
  }
}

/// What a lock or agent row is made from, once the log is read (`MetricsRows`): the
/// analyzers' totals and the engine's per-lock and per-agent state, shared, not copied.
private struct RowSources<Observer: TimelineObserver>: @unchecked Sendable {  // the name tables are no longer written to
  let statistics: StatisticsAnalyzer
  let lockStates: LockTable
  let agentStates: [TimelineEngine<Observer>.AgentState]
  let lockNames, agentNames: NameTable
  let fairness: LockFairness
  let familyNames: [String]
  /// Per lock id, its family's index (-1: none); empty without `--family`.
  let lockFamilies: [Int32]
  let spanNanos: Double
  let histograms: Bool

  /// Lock `index`'s row, from its unnamed row if one was made ahead (`RowsMadeAhead`).
  func lockRow(_ index: Int, madeAhead: MetricsRow? = nil) -> MetricsRow {
    var row = madeAhead ?? unnamedLockRow(index)
    row.name = lockNames.name(Int32(index))
    return row
  }

  func agentRow(_ index: Int, madeAhead: MetricsRow? = nil) -> MetricsRow {
    var row = madeAhead ?? unnamedAgentRow(index)
    row.name = agentNames.name(Int32(index))
    return row
  }

  /// Lock `index`'s row but its name (the name tables are the report thread's: see `NameTable.name`).
  func unnamedLockRow(_ index: Int) -> MetricsRow {
    let state = lockStates[index]
    var row = MetricsRow(name: nil)
    row.fill(from: index < statistics.locks.count ? statistics.locks[index] : MetricAccumulator(), histograms: histograms)
    row.queueMax = state.queueMax
    row.queueMean = ratio(state.queueIntegral, spanNanos)
    row.utilization = ratio(Double(state.heldNanos), spanNanos)
    row.fairness = fairness[index]
    if index < lockFamilies.count, lockFamilies[index] >= 0 { row.family = familyNames[Int(lockFamilies[index])] }
    return row
  }

  func unnamedAgentRow(_ index: Int) -> MetricsRow {
    let accumulator = statistics.agents[index]
    var row = MetricsRow(name: nil)
    row.fill(from: accumulator, histograms: histograms)
    row.queueMax = accumulator.queueMax
    row.blockedMax = accumulator.blockedMax
    row.queueMean = ratio(accumulator.queueIntegral, accumulator.waitNanos.doubleValue)
    row.utilization = ratio(Double(agentStates[index].heldAnyNanos), spanNanos)
    return row
  }

  private func ratio(_ part: Double, _ whole: Double) -> Double { MetricsRow.ratio(part, whole) }
}

/// Jain's index of each lock by id (1 for a lock nobody was blocked on).
struct LockFairness {
  var indices: [Double]

  subscript(lock: Int) -> Double { lock >= 0 && lock < indices.count ? indices[lock] : 1 }
}

/// Each agent's `blocked` total and count over all its (lock, agent) pairs, by agent id:
/// 16 bytes an agent while its total fits 64 bits, then exact in `wide`.
private struct AgentBlockedTotals {
  private var totals: [Int64]
  private var counts: [Int]
  private var wide: [Int: StatisticsAnalyzer.BlockedSum] = [:]

  init(count: Int) {
    totals = Array(repeating: 0, count: count)
    counts = Array(repeating: 0, count: count)
  }

  mutating func add(_ agent: Int, _ blocked: StatisticsAnalyzer.BlockedSum) {
    if counts[agent] >= 0, let sum = Int64(exactly: Int128(totals[agent]) + blocked.total) {
      totals[agent] = sum
      counts[agent] += blocked.count
      return
    }
    if counts[agent] >= 0 {
      wide[agent] = StatisticsAnalyzer.BlockedSum(total: Int128(totals[agent]), count: counts[agent])
      counts[agent] = -1  // its sum is in `wide` from now on
    }
    wide[agent]!.total += blocked.total  // made just above if not before
    wide[agent]!.count += blocked.count
  }

  /// Jain's index over the agents' mean blocked times, in id order.
  var fairness: Double {
    var overall = JainTotals()
    for agent in counts.indices {
      let blocked =
        counts[agent] >= 0
        ? StatisticsAnalyzer.BlockedSum(total: Int128(totals[agent]), count: counts[agent]) : wide[agent]!  // counts -1: in `wide`
      if blocked.count > 0 { overall.add(blocked.mean) }
    }
    return overall.index
  }
}

/// The sums behind Jain's index over a group's values.
struct JainTotals {
  var sum = 0.0
  var squares = 0.0
  var n = 0

  mutating func add(_ value: Double) {
    sum += value
    squares += value * value
    n += 1
  }

  /// (Σx)²/(n·Σx²), at most 1; 1 with no values or all of them 0.
  var index: Double {
    guard n > 0, squares > 0 else { return 1 }
    return min(1, sum * sum / (Double(n) * squares))
  }
}

extension MetricsRow {
  /// The order of lock, agent, family and site rows (SPEC §5): by total wait, most first,
  /// then by name.
  static func reportOrder(_ a: MetricsRow, _ b: MetricsRow) -> Bool {
    precedes(waitTotal: a.waitTotalNanos, name: a.name ?? "", waitTotal: b.waitTotalNanos, name: b.name ?? "")
  }

  static func precedes(waitTotal a: Int128, name aName: String, waitTotal b: Int128, name bName: String) -> Bool {
    a != b ? a > b : aName < bName
  }

  /// The counts, digests and rates of one accumulator (the rest depends on the scope).
  mutating func fill(from accumulator: MetricAccumulator, histograms: Bool = false) {
    attempts = accumulator.attempts
    acquisitions = accumulator.acquisitions
    timeouts = accumulator.timeouts
    wait = DurationStats(accumulator.wait, histogram: histograms)
    hold = DurationStats(accumulator.hold, unfinished: accumulator.unfinishedHolds, histogram: histograms)
    unfinishedHoldMaxNanos = accumulator.unfinishedMax
    blocked = DurationStats(accumulator.blocked, histogram: histograms)
    blockedTotalNanos = accumulator.blocked.sum
    expectedHolds = accumulator.expectedHolds
    overExpected = accumulator.overExpected
    contentionRate = MetricsRow.ratio(Double(accumulator.contendedAttempts), Double(accumulator.attempts))
    timeoutRate = MetricsRow.ratio(Double(accumulator.timeouts), Double(accumulator.attempts))
    waitShare = MetricsRow.ratio(accumulator.waitNanos.doubleValue, accumulator.waitNanos.doubleValue + accumulator.holdNanos.doubleValue)
    causedWaitNanos = Int128(roundingNanos: accumulator.causedWait)
    waitTotalNanos = accumulator.waitNanos
    holdTotalNanos = accumulator.holdNanos
  }

  /// part / whole, 0 when there is no whole.
  static func ratio(_ part: Double, _ whole: Double) -> Double {
    whole > 0 ? part / whole : 0
  }
}
