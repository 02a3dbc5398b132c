/// One measured value of a rule: over all locks, or for one lock or agent.
struct SLOCheck: Sendable {
  /// The lock or agent; nil for a rule over all locks.
  var subject: String?
  /// nil when there is nothing to measure (no events, or no samples of that statistic).
  var measured: Double?
  var passed: Bool
}

/// A rule and its checks, worst first.
struct SLOResult: Sendable {
  var rule: SLORule
  var checks: [SLOCheck]

  var passed: Bool { checks.allSatisfy(\.passed) }
}

/// Everything `lockscope check` prints: the report it measured and every rule's result.
struct CheckOutcome: Sendable {
  var report: Report
  var results: [SLOResult]
  /// No `--slo` or `--rule` was given: the default rules were checked.
  var usedDefaultRules: Bool
  /// `--allow-empty`: a rule with nothing to measure passes instead of failing.
  var allowEmpty: Bool

  var passed: Bool { results.allSatisfy(\.passed) }
  var failedRules: Int { results.filter { !$0.passed }.count }
  var passedRules: Int { results.count - failedRules }
  /// No event was analysed (an empty log, or filters that left nothing).
  var isEmpty: Bool { report.summary.firstTime == nil }
}

/// Measures each rule on a report.
enum SLOEvaluator {
  /// The results, and a diagnostic for each scoped rule whose glob matched no lock or agent
  /// of the log (a typo there would otherwise pass unnoticed).
  static func evaluate(_ rules: [SLORule], on report: Report, allowEmpty: Bool) -> (
    results: [SLOResult], unmatched: [SLODiagnostic]
  ) {
    var results: [SLOResult] = []
    var unmatched: [SLODiagnostic] = []
    let empty = report.summary.firstTime == nil
    for rule in rules {
      var checks: [SLOCheck]
      if empty {
        // Nothing was measured: a broken log capture must not pass a gate by saying nothing.
        checks = [SLOCheck(subject: nil, measured: nil, passed: allowEmpty)]
      } else {
        let subjects = subjects(of: rule.scope, in: report)
        if subjects.isEmpty {
          unmatched.append(noMatch(rule, report))
          continue
        }
        checks = subjects.map { subject in
          let value = measure(rule.metric, subject: subject, in: report)
          return SLOCheck(subject: subject.name, measured: value, passed: value.map(rule.holds) ?? allowEmpty)
        }
      }
      checks.sort { a, b in
        if a.passed != b.passed { return !a.passed }
        let (x, y) = (a.measured.map(rule.comparison.badness) ?? .infinity, b.measured.map(rule.comparison.badness) ?? .infinity)
        if x != y { return x > y }
        return (a.subject ?? "") < (b.subject ?? "")
      }
      results.append(SLOResult(rule: rule, checks: checks))
    }
    return (results, unmatched)
  }

  private enum Subject {
    case overall
    case lock(MetricsRow)
    case agent(MetricsRow)
    case family(MetricsRow)
    case site(MetricsRow)

    var name: String? {
      switch self {
      case .overall: nil
      case .lock(let row), .agent(let row), .family(let row), .site(let row): row.name
      }
    }
  }

  private static func subjects(of scope: SLOScope, in report: Report) -> [Subject] {
    switch scope {
    case .overall: [.overall]
    case .lock(let glob): report.locks.filter { glob.matches($0.name ?? "") }.map(Subject.lock)
    case .agent(let glob): report.agents.filter { glob.matches($0.name ?? "") }.map(Subject.agent)
    case .family(let glob): report.families.filter { glob.matches($0.name ?? "") }.map(Subject.family)
    case .site(let glob): report.sites.filter { glob.matches($0.name ?? "") }.map(Subject.site)
    }
  }

  private static func measure(_ metric: SLOMetric, subject: Subject, in report: Report) -> Double? {
    switch metric.source {
    case .row(let value):
      switch subject {
      case .overall: return value(report.overall)
      case .lock(let row), .agent(let row), .family(let row), .site(let row): return value(row)
      }
    case .anomalies:
      return Double(report.anomalyCounts.reduce(0) { $0 + $1.count })
    case .findings(let kind):
      switch subject {
      case .overall:
        return Double(report.findingCounts.first { $0.kind == kind }?.count ?? 0)
      case .lock(let row):
        return Double(counted(report.findings, kind) { $0.locks.contains(row.name ?? "") })
      case .agent(let row):
        return Double(counted(report.findings, kind) { $0.agents.contains(row.name ?? "") })
      case .family(let row):
        // Findings name concrete locks: those of the family's locks count for it.
        let members = Set(report.locks.lazy.filter { $0.family == row.name }.compactMap(\.name))
        return Double(counted(report.findings, kind) { !members.isDisjoint(with: $0.locks) })
      case .site(let row):
        return Double(counted(report.findings, kind) { $0.detail("site") == .string(row.name ?? "") })
      }
    }
  }

  /// Findings of `kind` that concern a subject, each counted for every event it stands
  /// for; a long hold's outlier note is not a long hold.
  private static func counted(_ findings: [Finding], _ kind: FindingKind, where concerns: (Finding) -> Bool) -> Int {
    findings.reduce(0) { total, finding in
      finding.kind == kind && finding.detail("outlier") == nil && concerns(finding) ? total + finding.count : total
    }
  }

  private static func noMatch(_ rule: SLORule, _ report: Report) -> SLODiagnostic {
    let (what, glob, names): (String, String, [String])
    switch rule.scope {
    case .overall: (what, glob, names) = ("lock", "", [])
    case .lock(let g): (what, glob, names) = ("lock", g.pattern, report.locks.compactMap(\.name))
    case .agent(let g): (what, glob, names) = ("agent", g.pattern, report.agents.compactMap(\.name))
    case .family(let g): (what, glob, names) = ("family", g.pattern, report.families.compactMap(\.name))
    case .site(let g): (what, glob, names) = ("site", g.pattern, report.sites.compactMap(\.name))
    }
    var message = "no \(what) in the log matches '\(glob)'"
    if let near = NearMiss.closest(to: glob, among: names) {
      message += "; did you mean '\(near)'?"
    } else if !names.isEmpty {
      let shown = names.sorted().prefix(4).map { "'\($0)'" }.joined(separator: ", ")
      message += " (\(what == "family" ? "families" : what + "s"): \(shown)\(names.count > 4 ? ", …" : ""))"
    }
    let span = rule.scopeSpan ?? (column: 1, length: rule.text.count)
    return SLODiagnostic(origin: rule.origin, column: span.column, length: span.length, message: message, lineText: rule.lineText)
  }
}
