extension Finding {
  /// Findings of one kind, severity (and orphan cause) together, in the order their first
  /// member comes: how the text and Markdown reports show many similar findings at once.
  static func grouped(_ findings: [Finding]) -> [[Finding]] {
    var groups: [[Finding]] = []
    var index: [String: Int] = [:]
    for finding in findings {
      var key = finding.kind.rawValue + "/" + finding.severity.rawValue
      if case .string(let cause)? = finding.detail("cause") { key += "/" + cause }
      if let at = index[key] {
        groups[at].append(finding)
      } else {
        index[key] = groups.count
        groups.append([finding])
      }
    }
    return groups
  }
}
