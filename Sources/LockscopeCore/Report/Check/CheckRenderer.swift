/// Turns the outcome of `lockscope check` into text in one format.
protocol CheckRenderer {
  func render(_ outcome: CheckOutcome) -> String
}

/// The formats `check --format` accepts.
enum CheckFormat: String, CaseIterable, Sendable {
  case text, json, junit, github, markdown

  func renderer(style: TerminalStyle, top: Int) -> any CheckRenderer {
    switch self {
    case .text: CheckTextRenderer(style: style, top: top)
    case .json: CheckJSONRenderer()
    case .junit: JUnitRenderer()
    case .github: GitHubRenderer()
    case .markdown: CheckMarkdownRenderer(top: top)
    }
  }
}

extension SLOCheck {
  /// `18.0s`, `12.5%`, or `no data`.
  func measuredText(_ metric: SLOMetric) -> String {
    measured.map(metric.quantity.format) ?? "no data"
  }

  /// `lock 'db:users'`, `agent 'w1'`, or `all locks`.
  func subjectPhrase(_ scope: SLOScope) -> String {
    guard let subject else { return "all locks" }
    switch scope {
    case .agent: return "agent '\(subject)'"
    case .family: return "family '\(subject)'"
    case .site: return "site '\(subject)'"
    default: return "lock '\(subject)'"
    }
  }
}

extension SLORule {
  /// The scope's word in machine output: `overall`, `lock`, `agent`.
  var scopeKind: String { scope.kind.rawValue }

  var glob: String? { scope.glob?.pattern }

  /// The file a rule came from, when it came from one (not `--rule` or the defaults).
  var file: String? { origin.name.hasPrefix("<") ? nil : origin.name }

  /// Why a check failed, in one sentence.
  func failureSentence(_ check: SLOCheck) -> String {
    guard let measured = check.measured else {
      return "\(metric.name) has no data for \(check.subjectPhrase(scope)) (no events or no samples), so '\(text)' cannot pass"
    }
    return
      "\(metric.name) is \(metric.quantity.format(measured)) for \(check.subjectPhrase(scope)); the rule wants \(comparison.rawValue) \(thresholdText)"
  }
}
