/// `lockscope diff --format markdown`: the comparison for the pull request that made the
/// change — each side's run, the overall statistics, the largest changes, the findings gone
/// and new. Names from logs are escaped (`Markdown.text`).
struct DiffMarkdownRenderer {
  /// Changes listed; 0 lists all.
  let top: Int

  init(top: Int) { self.top = top }

  func render(_ diff: ReportDiff) -> String {
    var text = "## lockscope diff\n\n"
    for (label, side) in [("Before", diff.before), ("After", diff.after)] {
      text +=
        "**\(label):** " + side.inputs.map(Markdown.text).joined(separator: ", ")
        + " · \(TextReportRenderer.grouped(side.events)) events · makespan \(HumanDuration.human(side.makespan))"
        + " · \(formatFixed(side.throughput, decimals: 2)) acquisitions/s  \n"
    }
    var overall = Markdown.Table([("Statistic", false), ("Before", true), ("After", true), ("Change", true)])
    for change in [diff.makespan, diff.throughput] + diff.overall.changes { overall.add(cells(change)) }
    text += "\n### Overall\n\n" + overall.render()
    let ranked = diff.ranked
    let shown = top == 0 ? ranked[...] : ranked.prefix(top)
    text += "\n### Largest changes (\(Markdown.count(shown.count, of: ranked.count)))\n\n"
    if shown.isEmpty {
      text += "None in any lock, family or agent.\n"
    } else {
      var table = Markdown.Table([
        ("Scope", false), ("Name", false), ("Statistic", false), ("Before", true), ("After", true), ("Change", true),
      ])
      for (subject, change) in shown { table.add([subject.scope.rawValue, subject.name ?? ""] + cells(change)) }
      text += table.render()
    }
    for (title, subjects) in [("Locks", diff.locks), ("Families", diff.families), ("Agents", diff.agents)] {
      let gone = subjects.filter { !$0.inAfter }.compactMap(\.name).map(Markdown.text)
      let new = subjects.filter { !$0.inBefore }.compactMap(\.name).map(Markdown.text)
      if !gone.isEmpty { text += "\n**\(title) only before:** " + gone.joined(separator: ", ") + "  " }
      if !new.isEmpty { text += "\n**\(title) only after:** " + new.joined(separator: ", ") + "  " }
      if !gone.isEmpty || !new.isEmpty { text += "\n" }
    }
    for (which, findings) in [("gone", diff.gone), ("new", diff.new)] {
      text += "\n### Findings \(which) (\(findings.count))\n\n"
      if findings.isEmpty { text += "None.\n" }
      for finding in findings {
        text += "- \(Markdown.badge(finding.severity)) **\(Markdown.text(finding.kind.rawValue))** — \(Markdown.text(finding.message))\n"
      }
    }
    return text
  }

  /// A change's row: `✅ -90.0%` for an improvement, `❌ +12.5%` for a regression.
  private func cells(_ change: ReportDiff.Change) -> [String] {
    let show = { (value: Double?) in value.map(change.statistic.format) ?? "–" }
    let mark =
      switch change.verdict {
      case .improved: "✅ "
      case .regressed: "❌ "
      case .unchanged, .neutral: ""
      }
    return [change.statistic.name, show(change.before), show(change.after), mark + change.changeText]
  }
}
