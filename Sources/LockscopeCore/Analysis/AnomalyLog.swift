/// Counts every anomaly by kind and keeps the first few in full for the report, so a log
/// full of them cannot grow memory.
struct AnomalyLog: FindingAnalyzer, Sendable {
  static let keptLimit = 100
  private(set) var counts: [Anomaly.Kind: Int] = [:]
  private(set) var kept: [Anomaly] = []
  private(set) var total = 0

  init() {}

  mutating func anomaly(_ anomaly: Anomaly) {
    total += 1
    counts[anomaly.kind, default: 0] += 1
    if kept.count < AnomalyLog.keptLimit { kept.append(anomaly) }
  }

  var droppedFindings: [(kind: FindingKind, count: Int)] { [(.anomaly, total - kept.count)] }

  func findings(in context: FindingContext) -> [FindingDraft] {
    kept.map(finding(for:))
  }

  private func finding(for anomaly: Anomaly) -> FindingDraft {
    let agent: FindingText = "\(quoted: anomaly.agent)"
    let lock: FindingText = anomaly.lock == .none ? "a lock" : "\(quoted: anomaly.lock)"
    let others = anomaly.others.map { "\(quoted: $0)" as FindingText }.joined(separator: ", ")
    let message: FindingText
    var remedy: FindingText =
      "Check the logging around this line: each lock event should be logged once, after it happened, by the agent it names."
    switch anomaly.kind {
    case .clockBackwards:
      message =
        "Event by \(agent) is \(HumanDuration.human(anomaly.skew)) earlier than the event before it; it was analysed as if it happened then."
      remedy = "Synchronise the clocks of the agents (NTP/chrony), or log with a monotonic clock; per-agent files are merged by timestamp."
    case .duplicateRequest:
      message = "\(agent) requested \(lock) again while its first request was still open; the first request stands."
    case .doubleAcquire:
      message = "\(agent) acquired \(lock), which it already held; the first hold stands."
    case .acquireWhileHeld:
      message = "\(agent) acquired \(lock) while \(others) still held it in a conflicting mode."
      remedy =
        "Either a release is missing from the log, or the lock does not exclude: check that both agents use the same lock (name, scope) and that releases are logged."
    case .releaseByNonHolder:
      message = "\(agent) released \(lock), which it did not hold."
    case .releaseAfterLeaseExpired:
      message = "\(agent) released \(lock) after its lease had already run out."
      remedy = "The holder worked past its lease: renew the lease while working, and check fencing tokens on writes."
    case .timeoutWithoutRequest:
      message = "\(agent) timed out on \(lock) with no open request."
    case .cancelWithoutRequest:
      message = "\(agent) cancelled a request for \(lock) that was not open."
    case .renewByNonHolder:
      message = "\(agent) renewed the lease of \(lock), which it did not hold."
    case .renewAfterLeaseExpired:
      message = "\(agent) renewed its lease on \(lock) after the lease had run out."
      remedy = "Heartbeat well before the lease runs out (at a third of its length)."
    case .expireByNonHolder:
      message = "\(lock) expired for \(agent), which did not hold it."
    }
    var details: [(key: String, value: JSONValue)] = [("anomaly", .string(anomaly.kind.rawValue))]
    if anomaly.kind == .clockBackwards { details.append(("skew_ns", .int(anomaly.skew))) }
    return FindingDraft(
      kind: .anomaly, severity: anomaly.kind == .clockBackwards ? .info : .warning, locks: anomaly.lock == .none ? [] : [anomaly.lock],
      agents: [anomaly.agent] + anomaly.others, time: anomaly.time, source: anomaly.source, message: message, remedy: remedy,
      details: details)
  }
}
