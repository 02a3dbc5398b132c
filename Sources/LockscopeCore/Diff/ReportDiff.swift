/// `lockscope diff`: two reports of the same system, before and after a change, compared
/// per lock, family and agent, their findings matched, and each side's makespan and
/// throughput — the "wrong: 52 s, right: 5.2 s" comparison, made by the tool.
struct ReportDiff: Sendable {
  /// One side's run as a whole.
  struct Side: Sendable {
    var inputs: [String]
    var events: Int64
    /// First to last event analysed.
    var makespan: Int64
    var acquisitions: Int
    /// Acquisitions per second of makespan (0 over an empty span).
    var throughput: Double

    init(_ report: Report) {
      inputs = report.summary.inputs
      events = report.summary.events
      makespan = (report.summary.lastTime ?? 0) - (report.summary.firstTime ?? 0)
      acquisitions = report.overall.acquisitions
      throughput = makespan > 0 ? Double(acquisitions) / (Double(makespan) / 1e9) : 0
    }
  }

  /// One statistic before and after.
  struct Change: Sendable {
    var statistic: DiffStatistic
    /// nil: no samples on that side (or the subject was not there).
    var before: Double?
    var after: Double?

    /// (after − before) / before; nil when it has no finite value (from 0 or from nothing).
    var relative: Double? {
      guard let before, let after else { return nil }
      if before == after { return 0 }
      return before != 0 ? (after - before) / abs(before) : nil
    }

    /// How big the change is, to rank changes across units: its relative size, and a rise
    /// from 0 as the largest of all.
    var magnitude: Double {
      guard let before, let after, before != after else { return 0 }
      return relative.map(abs) ?? .infinity
    }

    enum Verdict: String, Sendable { case improved, regressed, unchanged, neutral }

    var verdict: Verdict {
      guard let before, let after, before != after else { return .unchanged }
      guard let higherIsBetter = statistic.higherIsBetter else { return .neutral }
      return (after > before) == higherIsBetter ? .improved : .regressed
    }

    /// `-90.0%`, `+12.5%`, `new` (from 0), `=`.
    var changeText: String {
      guard let before, let after else { return before == nil && after == nil ? "–" : (before == nil ? "new" : "gone") }
      if before == after { return "=" }
      guard let relative else { return "from 0" }
      return (relative > 0 ? "+" : "") + formatFixed(relative * 100, decimals: 1) + "%"
    }
  }

  enum Scope: String, Sendable {
    case overall, lock, family, agent

    /// Locks first on a tie: the change was made to them.
    var rank: Int { [.overall, .lock, .family, .agent].firstIndex(of: self) ?? 0 }
  }

  /// A lock, family or agent of either side (or overall), with every statistic's change.
  struct Subject: Sendable {
    var scope: Scope
    var name: String?
    var inBefore: Bool
    var inAfter: Bool
    var changes: [Change]
  }

  var before, after: Side
  var makespan, throughput: Change
  var overall: Subject
  var locks: [Subject]
  var families: [Subject]
  var agents: [Subject]
  /// Findings of the before side with no like finding after (same kind, locks, agents and
  /// cause), and the other way round.
  var gone: [Finding]
  var new: [Finding]

  init(before: Report, after: Report) {
    self.before = Side(before)
    self.after = Side(after)
    makespan = Change(statistic: .makespan, before: Double(self.before.makespan), after: Double(self.after.makespan))
    throughput = Change(statistic: .throughput, before: self.before.throughput, after: self.after.throughput)
    overall = ReportDiff.subject(.overall, name: nil, before.overall, after.overall)
    locks = ReportDiff.subjects(.lock, before.locks, after.locks)
    families = ReportDiff.subjects(.family, before.families, after.families)
    agents = ReportDiff.subjects(.agent, before.agents, after.agents)
    (gone, new) = ReportDiff.unmatched(before.findings.filter { $0.kind != .anomaly }, after.findings.filter { $0.kind != .anomaly })
  }

  /// Every change of a lock, family or agent that got better or worse, largest first (then
  /// by scope, name and statistic, so the order is stable).
  var ranked: [(subject: Subject, change: Change)] {
    let all = (locks + families + agents).flatMap { subject in
      subject.changes.filter { $0.verdict == .improved || $0.verdict == .regressed }.map { (subject: subject, change: $0) }
    }
    return all.sorted { a, b in
      if a.change.magnitude != b.change.magnitude { return a.change.magnitude > b.change.magnitude }
      if a.subject.scope != b.subject.scope { return a.subject.scope.rank < b.subject.scope.rank }
      if a.subject.name != b.subject.name { return (a.subject.name ?? "") < (b.subject.name ?? "") }
      return a.change.statistic.name < b.change.statistic.name
    }
  }

  /// The overall change of `statistic` (`makespan`, `throughput`, or a row statistic).
  func overallChange(_ statistic: DiffStatistic) -> Change {
    switch statistic.name {
    case DiffStatistic.makespan.name: makespan
    case DiffStatistic.throughput.name: throughput
    default: overall.changes.first { $0.statistic.name == statistic.name } ?? Change(statistic: statistic)
    }
  }

  /// `--fail-on-regression PCT`: whether `statistic` got worse overall by more than
  /// `percent` (a rise from 0 is worse by any amount).
  func regressed(_ statistic: DiffStatistic, byMoreThan percent: Double) -> Bool {
    let change = overallChange(statistic)
    guard change.verdict == .regressed else { return false }
    guard let relative = change.relative else { return true }
    return abs(relative) * 100 > percent
  }

  private static func subject(_ scope: Scope, name: String?, _ before: MetricsRow?, _ after: MetricsRow?) -> Subject {
    Subject(
      scope: scope, name: name, inBefore: before != nil, inAfter: after != nil,
      changes: DiffStatistic.rows.map { statistic in
        Change(statistic: statistic, before: before.flatMap(statistic.value), after: after.flatMap(statistic.value))
      })
  }

  /// The rows of both sides matched by name: those of the before side in its order, then
  /// those only after.
  private static func subjects(_ scope: Scope, _ before: MetricsRows, _ after: MetricsRows) -> [Subject] {
    var afterByName: [String: MetricsRow] = [:]
    for row in after { afterByName[row.name ?? ""] = row }
    var subjects: [Subject] = []
    var seen = Set<String>()
    for row in before {
      let name = row.name ?? ""
      seen.insert(name)
      subjects.append(subject(scope, name: name, row, afterByName[name]))
    }
    for row in after where !seen.contains(row.name ?? "") { subjects.append(subject(scope, name: row.name, nil, row)) }
    return subjects
  }

  /// A finding's identity across two logs: its kind, locks, agents and cause (its time and
  /// line differ from one log to the other).
  private static func identity(_ finding: Finding) -> String {
    var cause = ""
    if case .string(let text)? = finding.detail("cause") { cause = text }
    return [finding.kind.rawValue, finding.locks.sorted().joined(separator: ","), finding.agents.sorted().joined(separator: ","), cause]
      .joined(separator: "\u{1}")
  }

  /// The findings of each side with no like one on the other, matched one for one.
  private static func unmatched(_ before: [Finding], _ after: [Finding]) -> (gone: [Finding], new: [Finding]) {
    var remaining: [String: Int] = [:]
    for finding in after { remaining[identity(finding), default: 0] += 1 }
    var gone: [Finding] = []
    for finding in before {
      let key = identity(finding)
      if let count = remaining[key], count > 0 { remaining[key] = count - 1 } else { gone.append(finding) }
    }
    remaining = [:]
    for finding in before { remaining[identity(finding), default: 0] += 1 }
    var new: [Finding] = []
    for finding in after {
      let key = identity(finding)
      if let count = remaining[key], count > 0 { remaining[key] = count - 1 } else { new.append(finding) }
    }
    return (gone, new)
  }
}
