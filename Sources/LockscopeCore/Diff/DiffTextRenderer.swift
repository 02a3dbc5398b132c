/// `lockscope diff` for people: each side's makespan and throughput, the overall
/// statistics before and after, then the changes of locks, families and agents ranked by
/// size (improvements green, regressions red on a terminal), the locks that came or went,
/// and the findings that disappeared or are new.
struct DiffTextRenderer {
  let style: TerminalStyle
  /// Changes listed; 0 lists all.
  let top: Int

  func render(_ diff: ReportDiff) -> String {
    var text = style.bold("lockscope diff") + "\n"
    text += "  before  \(side(diff.before))\n"
    text += "  after   \(side(diff.after))\n"
    var overall = Table([("", .left), ("BEFORE", .right), ("AFTER", .right), ("CHANGE", .left)])
    for change in [diff.makespan, diff.throughput] + diff.overall.changes { overall.add(cells(change)) }
    text += "\n" + style.bold("OVERALL") + "\n" + overall.render(style: style)
    text += changes(diff)
    text += presence("LOCKS", diff.locks) + presence("FAMILIES", diff.families) + presence("AGENTS", diff.agents)
    text += findings("gone", diff.gone) + findings("new", diff.new)
    return text
  }

  private func side(_ side: ReportDiff.Side) -> String {
    let inputs = side.inputs.count <= 3 ? side.inputs.map(TerminalText.escaped).joined(separator: ", ") : "\(side.inputs.count) inputs"
    return "\(inputs)  (\(TextReportRenderer.counted(side.events, "event", "events")), \(HumanDuration.human(side.makespan)))"
  }

  /// A statistic's name, before, after and coloured change.
  private func cells(_ change: ReportDiff.Change) -> [String] {
    let show = { (value: Double?) in value.map(change.statistic.format) ?? "–" }
    return [change.statistic.name, show(change.before), show(change.after), coloured(change)]
  }

  private func coloured(_ change: ReportDiff.Change) -> String {
    switch change.verdict {
    case .improved: style.green(change.changeText)
    case .regressed: style.red(change.changeText)
    case .unchanged, .neutral: change.changeText
    }
  }

  private func changes(_ diff: ReportDiff) -> String {
    let ranked = diff.ranked
    guard !ranked.isEmpty else { return "\n" + style.bold("CHANGES") + " none in any lock, family or agent\n" }
    let shown = top == 0 ? ranked[...] : ranked.prefix(top)
    var table = Table([("", .left), ("NAME", .left), ("STAT", .left), ("BEFORE", .right), ("AFTER", .right), ("CHANGE", .left)])
    for (subject, change) in shown {
      table.add([subject.scope.rawValue, Table.fit(subject.name ?? "")] + cells(change))
    }
    let count = shown.count < ranked.count ? "top \(shown.count) of \(ranked.count)" : "\(ranked.count)"
    return "\n" + style.bold("CHANGES") + " largest first (\(count))\n" + table.render(style: style)
  }

  /// The rows of a table that only one side has.
  private func presence(_ title: String, _ subjects: [ReportDiff.Subject]) -> String {
    let gone = subjects.filter { !$0.inAfter }.compactMap(\.name)
    let new = subjects.filter { !$0.inBefore }.compactMap(\.name)
    var text = ""
    if !gone.isEmpty { text += "  \(title.lowercased()) only before: " + names(gone) + "\n" }
    if !new.isEmpty { text += "  \(title.lowercased()) only after: " + names(new) + "\n" }
    return text.isEmpty ? "" : "\n" + text
  }

  private func names(_ names: [String]) -> String {
    let shown = top == 0 ? names[...] : names.prefix(top)
    return shown.map { Table.fit($0) }.joined(separator: ", ") + (shown.count < names.count ? ", … (\(names.count) in all)" : "")
  }

  private func findings(_ which: String, _ findings: [Finding]) -> String {
    var text = "\n" + style.bold("FINDINGS \(which)") + " (\(findings.count))\n"
    let shown = top == 0 ? findings[...] : findings.prefix(top)
    for finding in shown {
      let line = "  \(finding.severity.rawValue) \(finding.kind)  \(TerminalText.escaped(finding.message))\n"
      text += which == "gone" ? style.green(line) : style.red(line)
    }
    if shown.count < findings.count { text += style.dim("  … and \(findings.count - shown.count) more (--top 0 shows all)") + "\n" }
    return text
  }
}
