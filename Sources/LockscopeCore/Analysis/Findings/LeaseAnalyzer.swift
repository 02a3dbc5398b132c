/// The failures of leased locks: two holders at once (an agent took the lock after the
/// previous holder's lease ran out, while that holder had not released it), and fencing
/// tokens that do not rise.
///
/// A takeover after a lapsed lease is what leases are for when the old holder is dead; it is
/// two holders when the old holder is still working. The log proves the latter when the old
/// holder later releases or renews the lock (critical). Without such proof the takeover is
/// reported as a possible two-holders (warning): the log cannot tell a dead holder from a
/// silent one.
struct LeaseAnalyzer: FindingAnalyzer {
  struct Lapse {
    var lock: LockID
    var agent: AgentID
    var mode: LockMode
    var deadline: Int64
    var acquiredAt: SourceLocation
    /// Who took the lock while the lapsed holder had not released it.
    var takenBy: AgentID?
    var takenAt: Int64 = 0
    var takenSource: SourceLocation?
  }

  struct TwoHolders {
    var lapse: Lapse
    /// The old holder's late release or renew, when the log shows one.
    var lateActivity: (kind: String, time: Int64, source: SourceLocation)?
  }

  struct Fencing {
    var lock: LockID
    var agent: AgentID
    var token: Int64
    var time: Int64
    var source: SourceLocation
    var previous: (agent: AgentID, token: Int64, source: SourceLocation)
  }

  /// Lapsed holds nobody has taken over yet, per lock (one per agent).
  private var pending: [Int32: [Lapse]] = [:]
  /// Takeovers waiting for proof that the old holder was alive: (lock, old holder) → index.
  private var awaitingProof: [LockAgentKey: Int] = [:]
  private var twoHolders: BoundedList<TwoHolders>
  private var fencing: BoundedList<Fencing>
  var droppedFindings: [(kind: FindingKind, count: Int)] { [(.twoHolders, twoHolders.dropped), (.fencing, fencing.dropped)] }
  /// Highest token granted per lock, and by whom.
  private var highestToken: [Int32: (agent: AgentID, token: Int64, source: SourceLocation)] = [:]

  init(options: FindingOptions) {
    twoHolders = BoundedList(limit: options.keptPerKind)
    fencing = BoundedList(limit: options.keptPerKind)
  }

  /// Inline where the timeline calls it: most holds end otherwise, and do nothing here.
  @inline(__always)
  mutating func holdEnded(_ hold: HoldInterval) {
    guard hold.outcome == .leaseExpired else { return }
    leaseLapsed(hold)
  }

  private mutating func leaseLapsed(_ hold: HoldInterval) {
    var list = pending[hold.lock.rawValue] ?? []
    list.removeAll { $0.agent == hold.agent }
    list.append(Lapse(lock: hold.lock, agent: hold.agent, mode: hold.mode, deadline: hold.end, acquiredAt: hold.source))
    pending[hold.lock.rawValue] = list
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    if !awaitingProof.isEmpty { awaitingProof[LockAgentKey(lock: event.lock, agent: event.agent)] = nil }
    if !pending.isEmpty, let lapsed = pending.removeValue(forKey: event.lock.rawValue) {
      var kept: [Lapse] = []
      for var lapse in lapsed where lapse.agent != event.agent {
        guard lapse.mode.conflicts(with: event.mode) else {
          kept.append(lapse)
          continue
        }
        lapse.takenBy = event.agent
        lapse.takenAt = time
        lapse.takenSource = event.source
        if twoHolders.items.count < twoHolders.limit {
          awaitingProof[LockAgentKey(lock: lapse.lock, agent: lapse.agent)] = twoHolders.items.count
        }
        twoHolders.append(TwoHolders(lapse: lapse, lateActivity: nil))
      }
      if !kept.isEmpty { pending[event.lock.rawValue] = kept }
    }
    guard event.hasToken else { return }
    if let previous = highestToken[event.lock.rawValue], event.token <= previous.token {
      fencing.append(
        Fencing(lock: event.lock, agent: event.agent, token: event.token, time: time, source: event.source, previous: previous))
    } else {
      highestToken[event.lock.rawValue] = (event.agent, event.token, event.source)
    }
  }

  /// A release or renew by the old holder after its lease ran out: proof it was alive.
  mutating func anomaly(_ anomaly: Anomaly) {
    guard anomaly.kind == .releaseAfterLeaseExpired || anomaly.kind == .renewAfterLeaseExpired else { return }
    if let index = awaitingProof.removeValue(forKey: LockAgentKey(lock: anomaly.lock, agent: anomaly.agent)) {
      let kind = anomaly.kind == .renewAfterLeaseExpired ? "renew" : "release"
      twoHolders.update(at: index) { $0.lateActivity = (kind, anomaly.time, anomaly.source) }
    } else if var list = pending[anomaly.lock.rawValue] {
      list.removeAll { $0.agent == anomaly.agent }
      pending[anomaly.lock.rawValue] = list.isEmpty ? nil : list
    }
  }

  func findings(in context: FindingContext) -> [FindingDraft] {
    var findings: [FindingDraft] = []
    for item in twoHolders.items {
      let lapse = item.lapse
      guard let taker = lapse.takenBy, let takenSource = lapse.takenSource else { continue }
      let old: FindingText = "\(quoted: lapse.agent)"
      let lock: FindingText = "\(quoted: lapse.lock)"
      var message: FindingText = "\(quoted: taker) acquired \(lock) after the lease of \(old) ran out, but \(old) never released it"
      var details: [(key: String, value: JSONValue)] = [
        ("previous_holder", .string(context.agentName(lapse.agent))), ("lease_expired_at", .string(Timestamp.rfc3339(lapse.deadline))),
        ("previous_acquired_at", .string(context.source(lapse.acquiredAt))),
      ]
      let severity: Finding.Severity
      if let late = item.lateActivity {
        message +=
          " before: it was still working and \(late.kind == "renew" ? "renewed" : "released") the lock \(HumanDuration.human(late.time - lapse.takenAt)) later (\(source: late.source)). Both agents held it at once."
        details.append(("late_\(late.kind)_at", .string(context.source(late.source))))
        details.append(("overlap_ns", .int(late.time - lapse.takenAt)))
        details.append(("confirmed", .bool(true)))
        severity = .critical
      } else {
        message += "; if it was still working, both held the lock at once."
        details.append(("confirmed", .bool(false)))
        severity = .warning
      }
      findings.append(
        FindingDraft(
          kind: .twoHolders, severity: severity, locks: [lapse.lock], agents: [taker, lapse.agent], time: lapse.takenAt,
          source: takenSource, message: message,
          remedy:
            "Pass the lock's fencing token with every write to the protected resource and reject stale tokens; renew leases well before they run out (heartbeat at a third of the lease).",
          details: details))
    }
    for item in fencing.items {
      let message: FindingText =
        "\(quoted: item.agent) was granted \(quoted: item.lock) with fencing token \(item.token), not above the \(item.previous.token) granted earlier to \(quoted: item.previous.agent) (\(source: item.previous.source))."
      findings.append(
        FindingDraft(
          kind: .fencing, severity: .critical, locks: [item.lock], agents: unique([item.agent, item.previous.agent]), time: item.time,
          source: item.source, message: message,
          remedy:
            "The lock service must issue strictly increasing tokens per lock, and the resource must reject any write whose token is not above the last one it accepted.",
          details: [("token", .int(item.token)), ("previous_token", .int(item.previous.token))]))
    }
    return findings
  }
}
