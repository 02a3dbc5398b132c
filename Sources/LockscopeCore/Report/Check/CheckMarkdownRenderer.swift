/// `lockscope check` as GitHub-flavoured Markdown for a pull-request comment: the verdict
/// first, then a table of the rules (failing subjects of scoped rules, worst first).
struct CheckMarkdownRenderer: CheckRenderer {
  /// Rows shown per scoped rule; 0 shows all.
  let top: Int

  init(top: Int) { self.top = top }

  func render(_ outcome: CheckOutcome) -> String {
    let verdict = outcome.passed ? "✅ passed" : "❌ failed"
    var text = "## lockscope check: \(verdict)\n\n"
    text += "**\(outcome.passedRules) passed, \(outcome.failedRules) failed** · " + Markdown.header(outcome.report.summary)
    if outcome.usedDefaultRules { text += "\nNo `--slo` or `--rule` given: the default rules were checked.\n" }
    if outcome.isEmpty {
      text +=
        outcome.allowEmpty
        ? "\n> ⚠️ No events were analysed: rules with no data pass (`--allow-empty`).\n"
        : "\n> ⚠️ No events were analysed: every rule fails for lack of data.\n"
    }
    var table = Markdown.Table([("Result", false), ("Rule", false), ("Scope", false), ("Measured", true), ("Wanted", false)])
    for result in outcome.results {
      let rule = result.rule
      let failing = result.checks.filter { !$0.passed }
      var shown = failing.isEmpty ? Array(result.checks.prefix(1)) : failing
      let hidden = top > 0 ? max(0, shown.count - top) : 0
      if top > 0 { shown = Array(shown.prefix(top)) }
      for (index, check) in shown.enumerated() {
        table.add([
          check.passed ? "✅ pass" : "❌ FAIL", index == 0 ? rule.text : "", check.subject ?? "all locks",
          check.measuredText(rule.metric), "\(rule.comparison.rawValue) \(rule.thresholdText)",
        ])
      }
      if hidden > 0 { table.add(["", "", "… and \(hidden) more failing", "", ""]) }
    }
    return text + "\n" + table.render()
  }
}
