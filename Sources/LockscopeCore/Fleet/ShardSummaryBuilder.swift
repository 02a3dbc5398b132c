extension LogAnalysis {
  /// `report --format summary` (SPEC §7): the pipeline of `run`, kept as a mergeable summary
  /// instead of a report.
  static func summarize(
    paths: [String], options: AnalysisOptions, pairsScanned: Int = ShardRecorder.defaultPairsScanned, warn: @escaping (String) -> Void
  ) throws(InputError) -> FleetSummary {
    var options = options
    options.findings.recordsEdgeHistory = true
    let sources = try openAll(paths)
    let (report, builder) = try analyze(
      sources: sources, options: options, warn: warn,
      observe: { analyzers, context in ObserverPair(analyzers, ShardRecorder(agentNames: context.agents, pairsScanned: pairsScanned)) },
      analyzers: { $0.first },
      drive: { streams, engine throws(InputError) in try stream(streams, into: engine) })
    return builder.shardSummary(report, recorder: builder.engine.observer.second)
  }
}

extension ReportBuilder {
  /// The summary of this run's locks: the report's header and findings, and the raw
  /// accumulators and integrals behind its rows, by name.
  func shardSummary(_ report: Report, recorder: ShardRecorder) -> FleetSummary {
    let statistics = analyzers.statistics
    let selection = engine.selection
    var summary = FleetSummary(kind: .shard)
    summary.inputs = report.summary.inputs
    // Route's span marks are not events of the log.
    summary.events = report.summary.events - recorder.marks
    summary.skippedLines = report.summary.skippedLines
    summary.skipped = report.skipped
    summary.firstTime = report.summary.firstTime
    summary.lastTime = report.summary.lastTime
    summary.lockCount = report.summary.locks
    summary.agentNames = (0..<agentNames.count).map { agentNames.name(Int32($0)) }.filter { $0 != RouteCommand.spanAgent }
    summary.findingsAnalyzed = report.summary.findingsAnalyzed

    var blockedByLock: [Int32: [(agent: String, total: Int128, count: Int)]] = [:]
    for (key, blocked) in statistics.blockedPairs where blocked.count > 0 {
      let agent = key.agent
      blockedByLock[key.lock.rawValue, default: []].append(
        (agentNames.name(agent.rawValue), blocked.total, blocked.count))
    }
    for (index, state) in engine.locks.enumerated() where state.seen {
      summary.seenLocks += 1
      summary.heldTotal = summary.heldTotal.addingSaturating(state.heldNanos)
      let accumulator = index < statistics.locks.count ? statistics.locks[index] : MetricAccumulator()
      if selection.filtersAgents && accumulator.isEmpty { continue }
      var part = FleetSummary.LockPart(name: lockNames.name(Int32(index)))
      part.metrics = accumulator
      part.queueMax = state.queueMax
      part.queueIntegral = state.queueIntegral
      part.heldNanos = state.heldNanos
      part.blockedByAgent = (blockedByLock[Int32(index)] ?? []).sorted { $0.agent < $1.agent }
      summary.locks.append(part)
    }
    for (index, accumulator) in statistics.agents.enumerated() where selection.includes(AgentID(Int32(index))) {
      guard index < engine.agents.count, !accumulator.isEmpty else { continue }
      var part = FleetSummary.AgentPart(name: agentNames.name(Int32(index)))
      part.metrics = accumulator
      part.heldAnyNanos = engine.agents[index].heldAnyNanos
      summary.agents.append(part)
    }
    summary.totalQueueMax = engine.totalQueueMax
    summary.totalQueueIntegral = engine.totalQueueIntegral
    summary.findings = report.findings
    summary.findingCounts = report.findingCounts.map { ($0.kind.rawValue, $0.count) }
    summary.anomalyCounts = report.anomalyCounts.map { ($0.kind.rawValue, $0.count) }
    summary.edges = analyzers.lockOrder.history.map { edge in
      FleetSummary.OrderEdge(
        step: edge.step, at: edge.at, from: lockNames.name(edge.from.rawValue), to: lockNames.name(edge.to.rawValue),
        agents: edge.agents.map { agentNames.name($0.rawValue) }, gates: edge.gates.map { lockNames.name($0.rawValue) },
        sharedOnly: edge.sharedOnly, heldAt: source(edge.heldAt), acquiredAt: source(edge.acquiredAt), time: edge.time)
    }
    for (key, spans) in recorder.spans.sorted(by: { $0.key < $1.key }) {
      // The pair of agents, packed as a (lock, agent) key: the waiter in the lock's half.
      let waiter = agentNames.name(key.lock.rawValue)
      let holder = agentNames.name(key.agent.rawValue)
      for span in spans {
        summary.waitSpans.append(
          FleetSummary.WaitSpan(
            waiter: waiter, holder: holder, lock: lockNames.name(span.lock.rawValue), start: span.start, end: span.end,
            endedBy: span.endedBy?.name, source: source(span.source)))
      }
    }
    summary.waitSpansDropped = recorder.dropped
    return summary
  }
}
