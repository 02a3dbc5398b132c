/// The run's name tables as a finding reads them: what turns a `FindingDraft`'s ids into
/// the names a report prints.
struct FindingNames {
  let agentName: (AgentID) -> String
  let lockName: (LockID) -> String
  /// `FILE:LINE`.
  let source: (SourceLocation) -> String
  /// The name of a `site` id (nil for -1: the event had none).
  var siteName: (Int32) -> String? = { _ in nil }
}
