/// A finding as an analyzer makes it: the run's lock and agent ids, the event's source
/// location, and a message and remedy whose names are filled in only when the report is
/// built (`named(_:)`, the one step where a finding becomes text).
struct FindingDraft: Sendable {
  var kind: FindingKind
  var severity: Finding.Severity
  var locks: [LockID]
  var agents: [AgentID]
  var time: Int64
  /// The event it comes from (nil: none, an empty `source`).
  var source: SourceLocation?
  var message: FindingText
  /// What to do about it, chosen from what the data shows.
  var remedy: FindingText = ""
  /// Finding-specific keys (a deadlock's `cycle`, an orphan's `cause`, …).
  var details: [(key: String, value: JSONValue)] = []
  /// How many events this finding stands for (a group of long holds, say).
  var count = 1

  /// The finding as the report shows it; its ids are kept beside the names.
  func named(_ names: FindingNames) -> Finding {
    var finding = Finding(
      kind: kind, severity: severity, locks: locks.map(names.lockName), agents: agents.map(names.agentName),
      time: time, source: source.map(names.source) ?? "", message: message.named(names), remedy: remedy.named(names), details: details,
      count: count)
    finding.lockIDs = locks
    finding.agentIDs = agents
    return finding
  }
}
