/// `lockscope merge` (SPEC §7, the reduce): the report of every shard and partition summary
/// together. A lock's numbers and findings come whole from its shard; an agent's counts
/// and totals are sums over the shards, its percentiles merged digests; lock-order
/// inversions are searched over the union of every summary's edges, and deadlocks whose
/// wait-for cycle spans shards are found from the shards' wait spans (`possible-deadlock`).
enum SummaryMerge {
  /// More summaries than this are refused: counts are capped per summary
  /// (`SummaryReader.maximumCount`) so that the sums of this many still fit.
  static let maximumSummaries = 16_384

  /// What the merge could not know exactly, for a note on standard error.
  struct Caveats: Sendable, Equatable {
    /// Agents seen in more than one input partition: lock-order edges between their
    /// holds in different partitions were not recorded.
    var agentsInSeveralPartitions: [String] = []
  }

  static func merge(
    _ summaries: [FleetSummary], names: [String], options: FindingOptions = FindingOptions(), histograms: Bool = false
  )
    -> (report: Report, caveats: Caveats)
  {
    var report = Report()
    var caveats = Caveats()
    let partitions = summaries.filter { $0.kind == .partition }
    let shards = summaries.filter { $0.kind == .shard }
    report.summary.inputs = names
    // Partitions read every line once; shards also count the crashes route copied to each.
    report.summary.events = (partitions.isEmpty ? shards : partitions).reduce(0) { $0 + $1.events }
    report.summary.skippedLines = summaries.reduce(0) { $0 + $1.skippedLines }
    report.skipped = Array(summaries.flatMap(\.skipped).prefix(10))
    report.summary.findingsAnalyzed = summaries.allSatisfy(\.findingsAnalyzed)
    report.summary.firstTime = summaries.compactMap(\.firstTime).min()
    report.summary.lastTime = summaries.compactMap(\.lastTime).max()
    report.summary.locks = shards.reduce(0) { $0 + $1.lockCount }
    var agentNames = Set<String>()
    for summary in summaries { agentNames.formUnion(summary.agentNames) }
    report.summary.agents = agentNames.count
    var partitionsOfAgent: [String: Int] = [:]
    for partition in partitions {
      for agent in Set(partition.agentNames) { partitionsOfAgent[agent, default: 0] += 1 }
    }
    caveats.agentsInSeveralPartitions = partitionsOfAgent.filter { $0.value > 1 }.map(\.key).sorted()
    let span = Double(report.summary.firstTime.map { (report.summary.lastTime ?? $0) - $0 } ?? 0)

    let lockNames = NameTable()
    let agentTable = NameTable()
    var locks: [FleetSummary.LockPart] = []
    var agents: [FleetSummary.AgentPart] = []
    var pairs = BlockedPairs()
    var overall = MetricAccumulator()
    var (seenLocks, heldTotal, totalQueueMax, totalQueueIntegral) = (0, Int64(0), 0, 0.0)
    for summary in shards {
      seenLocks += summary.seenLocks
      heldTotal = heldTotal.addingSaturating(summary.heldTotal)
      totalQueueMax = max(totalQueueMax, summary.totalQueueMax)
      totalQueueIntegral += summary.totalQueueIntegral
      for part in summary.locks {
        let id = lockNames.intern(part.name)
        if Int(id) == locks.count { locks.append(FleetSummary.LockPart(name: part.name)) }
        locks[Int(id)].metrics.merge(part.metrics)
        locks[Int(id)].queueMax = max(locks[Int(id)].queueMax, part.queueMax)
        locks[Int(id)].queueIntegral += part.queueIntegral
        locks[Int(id)].heldNanos = locks[Int(id)].heldNanos.addingSaturating(part.heldNanos)
        overall.merge(part.metrics)
        for entry in part.blockedByAgent {
          let key = LockAgentKey(lock: LockID(id), agent: AgentID(agentTable.intern(entry.agent)))
          pairs.add(key, total: entry.total, count: entry.count)
        }
      }
      for part in summary.agents {
        let id = Int(agentTable.intern(part.name))
        if id >= agents.count {
          agents += (agents.count...id).map { FleetSummary.AgentPart(name: agentTable.name(Int32($0))) }
        }
        agents[id].metrics.merge(part.metrics)
        agents[id].heldAnyNanos = agents[id].heldAnyNanos.addingSaturating(part.heldAnyNanos)
      }
    }

    let fairness = ReportBuilder<Analyzers>.fairness(pairs)
    for (index, part) in locks.enumerated() {
      var row = MetricsRow(name: part.name)
      row.fill(from: part.metrics, histograms: histograms)
      row.queueMax = part.queueMax
      row.queueMean = MetricsRow.ratio(part.queueIntegral, span)
      row.utilization = MetricsRow.ratio(Double(part.heldNanos), span)
      row.fairness = fairness.locks[index]
      report.locks.append(row)
    }
    for part in agents where !part.metrics.isEmpty {
      var row = MetricsRow(name: part.name)
      row.fill(from: part.metrics, histograms: histograms)
      row.queueMax = part.metrics.queueMax
      row.blockedMax = part.metrics.blockedMax
      row.queueMean = MetricsRow.ratio(part.metrics.queueIntegral, part.metrics.waitNanos.doubleValue)
      // Held time of one agent in several shards may overlap: never more than the span.
      row.utilization = min(1, MetricsRow.ratio(Double(part.heldAnyNanos), span))
      report.agents.append(row)
    }
    report.overall.fill(from: overall, histograms: histograms)
    report.overall.queueMax = totalQueueMax
    report.overall.queueMean = MetricsRow.ratio(totalQueueIntegral, span)
    report.overall.utilization = MetricsRow.ratio(Double(heldTotal), span * Double(seenLocks))
    report.overall.fairness = fairness.overall
    report.locks.sort(by: MetricsRow.reportOrder)
    report.agents.sort(by: MetricsRow.reportOrder)

    var anomalyTotals: [String: Int] = [:]
    for summary in shards { for (kind, count) in summary.anomalyCounts { anomalyTotals[kind, default: 0] += count } }
    report.anomalyCounts = Anomaly.Kind.allCases.compactMap { kind in anomalyTotals[kind.rawValue].map { (kind, $0) } }

    // Findings: each shard's, but lock-order inversions again over the union of the edges.
    let inversion = FindingKind.lockOrderInversion
    var findings = shards.flatMap { $0.findings.filter { $0.kind != inversion } }
    var totals: [FindingKind: Int] = [:]
    for summary in shards {
      for (name, count) in summary.findingCounts {
        guard let kind = FindingKind(rawValue: name), kind != inversion else { continue }
        totals[kind, default: 0] += count
      }
    }
    if report.summary.findingsAnalyzed {
      let possible = PossibleDeadlocks.find(shards.enumerated().flatMap { index, summary in summary.waitSpans.map { (index, $0) } })
      // A cycle that did deadlock is reported as the deadlock, not again as an inversion.
      let deadlocks = findings.filter { $0.kind == .deadlock } + possible
      let inversions = lockOrderInversions(summaries, deadlocks: deadlocks, options: options)
      findings += inversions.findings + possible
      if inversions.total > 0 { totals[inversion] = inversions.total }
      if !possible.isEmpty { totals[.possibleDeadlock] = possible.count }
    }
    findings = findings.enumerated().sorted { a, b in
      if a.element.severity != b.element.severity { return a.element.severity < b.element.severity }
      if a.element.kind != b.element.kind { return a.element.kind < b.element.kind }
      if a.element.time != b.element.time { return a.element.time < b.element.time }
      return a.offset < b.offset
    }.map(\.element)
    var kept: [FindingKind: Int] = [:]
    report.findings = findings.filter { finding in
      kept[finding.kind, default: 0] += 1
      return kept[finding.kind, default: 0] <= options.keptPerKind
    }
    report.findingCounts = FindingKind.reported.compactMap { kind in totals[kind].map { (kind, $0) } }
    return (report, caveats)
  }

  /// Replays every summary's lock-order edges, in time order, into one analyzer.
  static func lockOrderInversions(_ summaries: [FleetSummary], deadlocks: [Finding], options: FindingOptions)
    -> (findings: [Finding], total: Int)
  {
    let locks = NameTable()
    let agents = NameTable()
    var sources: [String] = []
    var sourceIndex: [String: Int32] = [:]
    func location(_ text: String) -> SourceLocation {
      if let index = sourceIndex[text] { return SourceLocation(input: index, line: 0) }
      let index = Int32(sources.count)
      sources.append(text)
      sourceIndex[text] = index
      return SourceLocation(input: index, line: 0)
    }
    var analyzer = LockOrderAnalyzer(options: options, lockNames: locks)
    for deadlock in deadlocks { analyzer.deadlocked(deadlock.locks.map { LockID(locks.intern($0)) }) }
    // A partition saw every hold of its agents; a shard only those of its own locks (its
    // edges miss the gates held in other shards): the shards' edges only without partitions.
    let partitions = summaries.filter { $0.kind == .partition }
    let steps = (partitions.isEmpty ? summaries : partitions).flatMap(\.edges).enumerated().sorted { a, b in
      a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
    }.map(\.element)
    for edge in steps {
      analyzer.replay(
        LockOrderAnalyzer.Witness(
          step: edge.step, at: edge.at, from: LockID(locks.intern(edge.from)), to: LockID(locks.intern(edge.to)),
          agents: edge.agents.map { AgentID(agents.intern($0)) }, gates: edge.gates.map { LockID(locks.intern($0)) },
          sharedOnly: edge.sharedOnly, heldAt: location(edge.heldAt), acquiredAt: location(edge.acquiredAt), time: edge.time))
    }
    let context = FindingContext(
      agentName: { agents.name($0.rawValue) }, lockName: { locks.name($0.rawValue) },
      source: { Int($0.input) < sources.count ? sources[Int($0.input)] : "?" },
      statistics: StatisticsAnalyzer(selection: Selection(lockNames: locks, agentNames: agents)), locks: LockActivity(LockTable()), span: 0,
      options: options)
    let findings = analyzer.findings(in: context).map(context.named)
    let dropped = analyzer.droppedFindings.reduce(0) { $0 + $1.count }
    return (findings, findings.count + dropped)
  }
}
