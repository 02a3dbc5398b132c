/// `check --format junit`: JUnit XML as Jenkins, GitLab and GitHub test reporters read it:
/// one testsuite, one testcase per rule and scope, a `<failure>` with measured vs wanted.
struct JUnitRenderer: CheckRenderer {
  init() {}

  func render(_ outcome: CheckOutcome) -> String {
    var cases: [String] = []
    var failures = 0
    for result in outcome.results {
      let rule = result.rule
      for check in result.checks {
        var name = rule.text
        if let subject = check.subject { name += " [\(rule.scopeKind) \(subject)]" }
        var attributes = "name=\"\(xml(name))\" classname=\"lockscope.slo\" time=\"0\""
        if let file = rule.file { attributes += " file=\"\(xml(file))\" line=\"\(rule.origin.line)\"" }
        if check.passed {
          cases.append("    <testcase \(attributes)/>")
        } else {
          failures += 1
          let measured = check.measuredText(rule.metric)
          let body =
            "rule: \(rule.text) (\(rule.origin.description))\nscope: \(check.subjectPhrase(rule.scope))\nmeasured: \(measured)\nwanted: \(rule.comparison.rawValue) \(rule.thresholdText)"
          cases.append(
            "    <testcase \(attributes)>\n      <failure type=\"SLOViolation\" message=\"\(xml(rule.failureSentence(check)))\">\(xml(body))</failure>\n    </testcase>"
          )
        }
      }
    }
    let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\""
    var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    text += "<testsuites name=\"lockscope check\" \(counts) time=\"0\">\n"
    text += "  <testsuite name=\"lockscope check\" \(counts) time=\"0\">\n"
    let inputs = outcome.report.summary.inputs.joined(separator: " ")
    text += "    <properties>\n      <property name=\"inputs\" value=\"\(xml(inputs))\"/>\n"
    text += "      <property name=\"events\" value=\"\(outcome.report.summary.events)\"/>\n    </properties>\n"
    for testcase in cases { text += testcase + "\n" }
    text += "  </testsuite>\n</testsuites>\n"
    return text
  }

  /// Escapes text for an attribute or element; drops characters XML 1.0 cannot carry.
  func xml(_ text: String) -> String { text.replacingAll(Self.xmlReplacements) }

  /// The five entities; line feed, tab and carriage return as character references; the
  /// other C0 controls, U+FFFE and U+FFFF (which XML 1.0 cannot carry) as U+FFFD.
  private static let xmlReplacements: [Unicode.Scalar: String] = {
    var table: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]
    for value in UInt8(0)..<0x20 { table[Unicode.Scalar(value)] = "\u{FFFD}" }
    for kept: Unicode.Scalar in ["\n", "\t", "\r"] { table[kept] = "&#\(kept.value);" }
    table["\u{FFFE}"] = "\u{FFFD}"
    table["\u{FFFF}"] = "\u{FFFD}"
    return table
  }()
}
