/// Turns the finished engine and analyzers into a `Report`: rates and means computed,
/// names resolved, rows sorted.
struct ReportBuilder<Observer: TimelineObserver> {
  let engine: TimelineEngine<Observer>
  /// The engine's analyzers (its observer, or one half of it).
  let analyzers: Analyzers
  let agentNames: NameTable
  let lockNames: NameTable
  let inputNames: [String]
  let findingOptions: FindingOptions
  /// `--prometheus-histograms`: rows carry cumulative bucket counts.
  var histograms = false

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
    var heldTotal: Int64 = 0
    var lockCount = 0
    for (index, state) in engine.locks.enumerated() {
      guard state.seen else { continue }
      let accumulator = index < statistics.locks.count ? statistics.locks[index] : MetricAccumulator()
      // Lock time integrals stay whole under --agent: every lock counts for overall utilization.
      lockCount += 1
      heldTotal = heldTotal.addingSaturating(state.heldNanos)
      if selection.filtersAgents && accumulator.isEmpty { continue }
      var row = MetricsRow(name: lockNames.name(Int32(index)))
      row.fill(from: accumulator, histograms: histograms)
      row.queueMax = state.queueMax
      row.queueMean = ratio(state.queueIntegral, spanNanos)
      row.utilization = ratio(Double(state.heldNanos), spanNanos)
      row.fairness = fairness.locks[Int32(index)] ?? 1
      report.locks.append(row)
    }
    for (index, accumulator) in statistics.agents.enumerated() where selection.includes(AgentID(Int32(index))) {
      guard index < engine.agents.count, !accumulator.isEmpty else { continue }
      var row = MetricsRow(name: agentNames.name(Int32(index)))
      row.fill(from: accumulator, histograms: histograms)
      row.queueMax = accumulator.queueMax
      row.blockedMax = accumulator.blockedMax
      row.queueMean = ratio(accumulator.queueIntegral, accumulator.waitNanos.doubleValue)
      row.utilization = ratio(Double(engine.agents[index].heldAnyNanos), spanNanos)
      report.agents.append(row)
    }
    report.overall.fill(from: statistics.overall, histograms: histograms)
    report.overall.queueMax = engine.totalQueueMax
    report.overall.queueMean = ratio(engine.totalQueueIntegral, spanNanos)
    report.overall.utilization = ratio(Double(heldTotal), spanNanos * Double(lockCount))
    report.overall.fairness = fairness.overall

    let byWait: (MetricsRow, MetricsRow) -> Bool = { a, b in
      a.waitTotalNanos != b.waitTotalNanos ? a.waitTotalNanos > b.waitTotalNanos : (a.name ?? "") < (b.name ?? "")
    }
    report.locks.sort(by: byWait)
    report.agents.sort(by: byWait)

    let anomalies = analyzers.anomalies
    report.anomalyCounts = Anomaly.Kind.allCases.compactMap { kind in
      anomalies.counts[kind].map { (kind.rawValue, $0) }
    }
    let context = FindingContext(
      agentName: { agentNames.name($0.rawValue) }, lockName: { lockNames.name($0.rawValue) }, source: source,
      statistics: statistics, lockStates: engine.locks, span: Int64(spanNanos), spanStart: engine.span?.start ?? .min,
      options: findingOptions)
    report.findings = analyzers.findings(in: context)
    report.findingCounts = ReportBuilder.count(report.findings, dropped: analyzers.droppedFindings)
    return report
  }

  static func count(_ findings: [Finding], dropped: [(kind: String, count: Int)]) -> [(kind: String, count: Int)] {
    var totals: [String: Int] = [:]
    for finding in findings where finding.detail("outlier") == nil { totals[finding.kind, default: 0] += finding.count }
    for (kind, count) in dropped { totals[kind, default: 0] += count }
    return Analyzers.kindOrder.compactMap { kind in totals[kind].map { (kind, $0) } }
  }

  /// Jain's index (Σx)²/(n·Σx²) of SPEC §2 `fairness`: per lock over its agents' mean
  /// blocked time on it, overall over every agent's mean blocked time (its blocked samples
  /// on all locks together). 1 when every agent waits alike or none waits.
  static func fairness(_ pairs: [Int64: StatisticsAnalyzer.BlockedSum]) -> (locks: [Int32: Double], overall: Double) {
    var perLock: [Int32: (sum: Double, squares: Double, n: Int)] = [:]
    var perAgent: [Int32: StatisticsAnalyzer.BlockedSum] = [:]
    for (key, blocked) in pairs where blocked.count > 0 {
      let mean = blocked.mean
      let lock = StatisticsAnalyzer.lock(ofPair: key).rawValue
      perLock[lock, default: (0, 0, 0)].sum += mean
      perLock[lock, default: (0, 0, 0)].squares += mean * mean
      perLock[lock, default: (0, 0, 0)].n += 1
      let agent = StatisticsAnalyzer.agent(ofPair: key).rawValue
      perAgent[agent, default: .init()].total += blocked.total
      perAgent[agent, default: .init()].count += blocked.count
    }
    var overall = (sum: 0.0, squares: 0.0, n: 0)
    for blocked in perAgent.values {
      let mean = blocked.mean
      overall = (overall.sum + mean, overall.squares + mean * mean, overall.n + 1)
    }
    return (perLock.mapValues(jain), jain(overall))
  }

  private static func jain(_ totals: (sum: Double, squares: Double, n: Int)) -> Double {
    guard totals.n > 0, totals.squares > 0 else { return 1 }
    return min(1, totals.sum * totals.sum / (Double(totals.n) * totals.squares))
  }

  private func ratio(_ part: Double, _ whole: Double) -> Double {
    whole > 0 ? part / whole : 0
  }

  func source(_ location: SourceLocation) -> String {
    let input = Int(location.input) < inputNames.count ? inputNames[Int(location.input)] : "?"
    return "\(input):\(location.line)"
  }

}

extension MetricsRow {
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
