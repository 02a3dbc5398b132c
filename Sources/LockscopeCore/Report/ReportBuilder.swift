/// Turns the finished engine and analyzers into a `Report`: rates and means computed,
/// names resolved, rows sorted.
struct ReportBuilder {
  let engine: TimelineEngine<Analyzers>
  let agentNames: NameTable
  let lockNames: NameTable
  let inputNames: [String]

  func build(events: Int64, skipped: SkippedLines) -> Report {
    let statistics = engine.observer.statistics
    let selection = engine.selection
    var report = Report()
    report.summary.inputs = inputNames
    report.summary.events = events
    report.summary.skippedLines = skipped.count
    report.summary.locks = lockNames.count
    report.summary.agents = agentNames.count
    report.skipped = skipped.shown
    let span = engine.span
    report.summary.firstTime = span?.start
    report.summary.lastTime = span?.end
    let spanNanos = Double(span.map { $0.end - $0.start } ?? 0)

    var heldTotal: Int64 = 0
    var lockCount = 0
    for (index, state) in engine.locks.enumerated() {
      guard let state else { continue }
      let accumulator = index < statistics.locks.count ? statistics.locks[index] : MetricAccumulator()
      if selection.filtersAgents && accumulator.isEmpty { continue }
      lockCount += 1
      heldTotal += state.heldNanos
      var row = MetricsRow(name: lockNames.name(Int32(index)))
      fill(&row, accumulator)
      row.queueMax = state.queueMax
      row.queueMean = ratio(state.queueIntegral, spanNanos)
      row.utilization = ratio(Double(state.heldNanos), spanNanos)
      report.locks.append(row)
    }
    for (index, accumulator) in statistics.agents.enumerated() where selection.includes(AgentID(Int32(index))) {
      guard index < engine.agents.count, !accumulator.isEmpty else { continue }
      var row = MetricsRow(name: agentNames.name(Int32(index)))
      fill(&row, accumulator)
      row.queueMax = accumulator.queueMax
      row.queueMean = ratio(accumulator.queueIntegral, Double(accumulator.waitNanos))
      row.utilization = ratio(Double(engine.agents[index].heldAnyNanos), spanNanos)
      report.agents.append(row)
    }
    fill(&report.overall, statistics.overall)
    report.overall.queueMax = engine.totalQueueMax
    report.overall.queueMean = ratio(engine.totalQueueIntegral, spanNanos)
    report.overall.utilization = ratio(Double(heldTotal), spanNanos * Double(lockCount))

    let byWait: (MetricsRow, MetricsRow) -> Bool = { a, b in
      a.waitTotalNanos != b.waitTotalNanos ? a.waitTotalNanos > b.waitTotalNanos : (a.name ?? "") < (b.name ?? "")
    }
    report.locks.sort(by: byWait)
    report.agents.sort(by: byWait)

    let anomalies = engine.observer.anomalies
    report.anomalyCounts = Anomaly.Kind.allCases.compactMap { kind in
      anomalies.counts[kind].map { (kind.rawValue, $0) }
    }
    report.findings = anomalies.kept.map(finding(for:))
    return report
  }

  private func fill(_ row: inout MetricsRow, _ accumulator: MetricAccumulator) {
    row.attempts = accumulator.attempts
    row.acquisitions = accumulator.acquisitions
    row.timeouts = accumulator.timeouts
    row.wait = DurationStats(accumulator.wait)
    row.hold = DurationStats(accumulator.hold, unfinished: accumulator.unfinishedHolds)
    row.contentionRate = ratio(Double(accumulator.contendedAttempts), Double(accumulator.attempts))
    row.timeoutRate = ratio(Double(accumulator.timeouts), Double(accumulator.attempts))
    row.waitShare = ratio(Double(accumulator.waitNanos), Double(accumulator.waitNanos + accumulator.holdNanos))
    row.causedWaitNanos = Int64(accumulator.causedWait.rounded())
    row.waitTotalNanos = accumulator.waitNanos
    row.holdTotalNanos = accumulator.holdNanos
  }

  private func ratio(_ part: Double, _ whole: Double) -> Double {
    whole > 0 ? part / whole : 0
  }

  func source(_ location: SourceLocation) -> String {
    let input = Int(location.input) < inputNames.count ? inputNames[Int(location.input)] : "?"
    return "\(input):\(location.line)"
  }

  private func finding(for anomaly: Anomaly) -> Finding {
    let agent = agentNames.name(anomaly.agent.rawValue)
    let lock = anomaly.lock == .none ? nil : lockNames.name(anomaly.lock.rawValue)
    let others = anomaly.others.map { agentNames.name($0.rawValue) }
    let lockText = lock.map { "'\($0)'" } ?? "a lock"
    let message: String
    switch anomaly.kind {
    case .clockBackwards:
      message = "Event by '\(agent)' is \(Duration.human(anomaly.skew)) earlier than the event before it; it was analysed as if it happened then."
    case .duplicateRequest:
      message = "'\(agent)' requested \(lockText) again while its first request was still open; the first request stands."
    case .doubleAcquire:
      message = "'\(agent)' acquired \(lockText), which it already held; the first hold stands."
    case .acquireWhileHeld:
      message = "'\(agent)' acquired \(lockText) while \(others.map { "'\($0)'" }.joined(separator: ", ")) still held it in a conflicting mode."
    case .releaseByNonHolder:
      message = "'\(agent)' released \(lockText), which it did not hold."
    case .releaseAfterLeaseExpired:
      message = "'\(agent)' released \(lockText) after its lease had already run out."
    case .timeoutWithoutRequest:
      message = "'\(agent)' timed out on \(lockText) with no open request."
    case .cancelWithoutRequest:
      message = "'\(agent)' cancelled a request for \(lockText) that was not open."
    case .renewByNonHolder:
      message = "'\(agent)' renewed the lease of \(lockText), which it did not hold."
    case .renewAfterLeaseExpired:
      message = "'\(agent)' renewed its lease on \(lockText) after the lease had run out."
    case .expireByNonHolder:
      message = "\(lockText.prefix(1).uppercased() + lockText.dropFirst()) expired for '\(agent)', which did not hold it."
    }
    var finding = Finding(
      kind: "anomaly", severity: .warning, locks: lock.map { [$0] } ?? [], agents: [agent] + others,
      time: anomaly.time, source: source(anomaly.source), message: message)
    finding.details = [("anomaly", anomaly.kind.rawValue)]
    if anomaly.kind == .clockBackwards { finding.details.append(("skew_ns", String(anomaly.skew))) }
    return finding
  }
}
