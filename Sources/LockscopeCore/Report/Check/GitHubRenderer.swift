/// `check --format github`: GitHub Actions workflow commands. Each failing check is an
/// `::error` (annotated on the SLO file's line when it came from one), each passing rule a
/// `::notice`, then the `N passed, M failed` line.
struct GitHubRenderer: CheckRenderer {
  init() {}

  func render(_ outcome: CheckOutcome) -> String {
    var text = ""
    for result in outcome.results {
      let rule = result.rule
      if result.passed {
        let scope = result.checks.count == 1 ? result.checks[0].subjectPhrase(rule.scope) : "all \(result.checks.count) \(rule.scopeKind)s"
        let measured = result.checks.count == 1 ? " (\(result.checks[0].measuredText(rule.metric)))" : ""
        text += command("notice", rule, title: "SLO passed: \(rule.text)", message: "'\(rule.text)' holds for \(scope)\(measured).")
        continue
      }
      for check in result.checks where !check.passed {
        text += command("error", rule, title: "SLO failed: \(rule.text)", message: rule.failureSentence(check) + ".")
      }
    }
    text += "lockscope check: \(outcome.passedRules) passed, \(outcome.failedRules) failed\n"
    return text
  }

  private func command(_ name: String, _ rule: SLORule, title: String, message: String) -> String {
    var properties: [String] = []
    if let file = rule.file { properties += ["file=\(property(file))", "line=\(rule.origin.line)"] }
    properties.append("title=\(property(title))")
    return "::\(name) \(properties.joined(separator: ","))::\(data(message))\n"
  }

  /// Message text: `%`, CR and LF escaped, as the runner expects; then the other control
  /// characters of names (an ESC the log viewer would interpret) made visible.
  func data(_ text: String) -> String {
    TerminalText.escaped(text.replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A"]))
  }

  /// Property values: also `:` and `,`, which delimit properties.
  func property(_ text: String) -> String {
    TerminalText.escaped(text.replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"]))
  }
}

extension String {
  /// Replaces each scalar that is a key of `table` by its value, in one pass. Scalars, not
  /// characters: "\r\n" is one Character, and both of its halves must be escaped.
  func replacingAll(_ table: [Unicode.Scalar: String]) -> String {
    var out = ""
    for scalar in unicodeScalars {
      if let replacement = table[scalar] { out += replacement } else { out.unicodeScalars.append(scalar) }
    }
    return out
  }
}
