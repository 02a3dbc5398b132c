extension Finding {
  /// Findings of one kind, severity (and orphan cause) together, in the order their first
  /// member comes: how the text and Markdown reports show many similar findings at once.
  static func grouped(_ findings: [Finding]) -> [[Finding]] {
    var groups: [[Finding]] = []
    var index: [GroupKey: Int] = [:]
    for finding in findings {
      var cause: String?
      if case .string(let text)? = finding.detail("cause") { cause = text }
      let key = GroupKey(kind: finding.kind, severity: finding.severity, cause: cause)
      if let at = index[key] {
        groups[at].append(finding)
      } else {
        index[key] = groups.count
        groups.append([finding])
      }
    }
    return groups
  }

  /// What puts findings in one group: the parts compared as they are, not joined into a
  /// string for each finding.
  private struct GroupKey: Hashable {
    var kind: FindingKind
    var severity: Severity
    var cause: String?
  }
}
