/// `lockscope check` for people: one row per rule (per failing lock or agent for scoped
/// rules, worst first), measured value, threshold, PASS/FAIL, and `N passed, M failed`.
struct CheckTextRenderer: CheckRenderer {
  let style: TerminalStyle
  /// Rows shown per scoped rule; 0 shows all.
  let top: Int

  func render(_ outcome: CheckOutcome) -> String {
    var text = header(outcome.report)
    if outcome.usedDefaultRules {
      text += "No --slo or --rule given: checking the default rules.\n"
    }
    if outcome.isEmpty {
      text += style.yellow(
        outcome.allowEmpty
          ? "No events were analysed: rules with no data pass (--allow-empty).\n"
          : "No events were analysed: every rule fails for lack of data (--allow-empty lets them pass).\n")
    }
    var table = Table([("RESULT", .left), ("RULE", .left), ("SCOPE", .left), ("MEASURED", .right), ("WANTED", .left)])
    for result in outcome.results {
      let rule = result.rule
      let failing = result.checks.filter { !$0.passed }
      let passing = result.checks.count - failing.count
      // A scoped rule shows its failing subjects, worst first; when all pass, its closest call.
      var shown = failing.isEmpty ? Array(result.checks.prefix(1)) : failing
      let limit = top > 0 ? top : shown.count
      let hiddenFailing = max(0, shown.count - limit)
      shown = Array(shown.prefix(limit))
      for (index, check) in shown.enumerated() {
        let status = check.passed ? style.green("PASS") : style.red("FAIL")
        let scope = check.subject.map { Table.fit($0, 32) } ?? "all locks"
        table.add([
          status, index == 0 ? TerminalText.escaped(rule.text) : "", scope, check.measuredText(rule.metric),
          "\(rule.comparison.rawValue) \(rule.thresholdText)",
        ])
      }
      var more: [String] = []
      if hiddenFailing > 0 { more.append("\(hiddenFailing) more failing") }
      let hiddenPassing = passing - (failing.isEmpty ? shown.count : 0)
      if hiddenPassing > 0 { more.append("\(hiddenPassing) more passing") }
      if !more.isEmpty { table.add(["", "", "… and " + more.joined(separator: ", "), "", ""]) }
    }
    text += "\n" + table.render(style: style)
    let summary = "\(outcome.passedRules) passed, \(outcome.failedRules) failed"
    text += "\n" + (outcome.passed ? style.green(summary) : style.red(summary)) + "\n"
    return text
  }

  private func header(_ report: Report) -> String {
    let summary = report.terminalSafe.summary
    let inputs = summary.inputs.count <= 3 ? summary.inputs.joined(separator: ", ") : "\(summary.inputs.count) inputs"
    var facts = ["\(summary.events) events"]
    if let first = summary.firstTime, let last = summary.lastTime { facts.append(HumanDuration.human(last - first)) }
    facts.append("\(summary.locks) \(summary.locks == 1 ? "lock" : "locks")")
    facts.append("\(summary.agents) \(summary.agents == 1 ? "agent" : "agents")")
    var text = style.bold("lockscope check") + ": " + inputs + "  (" + facts.joined(separator: ", ") + ")\n"
    if summary.skippedLines > 0 {
      text += style.yellow("\(summary.skippedLines) lines skipped (see the messages above)") + "\n"
    }
    return text
  }
}
