/// The report as GitHub-flavoured Markdown, to paste as a pull-request comment: a header,
/// the findings as a list (grouped as in the text report), then the locks and agents with
/// the most wait as tables. Names come from logs, so every one is escaped (`Markdown.text`).
struct MarkdownReportRenderer: ReportRenderer {
  /// Rows per table and finding groups shown; 0 shows all.
  let top: Int

  init(top: Int) { self.top = top }

  func render(_ report: Report) -> String {
    var text = "## lockscope report\n\n" + Markdown.header(report.summary)
    guard report.summary.firstTime != nil else { return text + "\nNo events to analyse.\n" }
    let row = report.overall
    let stat = TextReportRenderer.stat
    text +=
      "\n**Overall:** \(TextReportRenderer.grouped(Int64(row.acquisitions))) acquisitions of "
      + "\(TextReportRenderer.grouped(Int64(row.attempts))) attempts · wait p50 \(stat(row.wait, \.p50)), "
      + "p99 \(stat(row.wait, \.p99)), max \(stat(row.wait, \.max)) · blocked p95 \(stat(row.blocked, \.p95)), "
      + "max \(stat(row.blocked, \.max)) · hold p50 \(stat(row.hold, \.p50)) · "
      + "contention \(TextReportRenderer.percent(row.contentionRate)) · timeouts \(TextReportRenderer.percent(row.timeoutRate)) · "
      + "fairness \(formatFixed(row.fairness ?? 1, decimals: 2))"
    if row.hold.unfinished > 0 {
      text +=
        " · \(row.hold.unfinished) unfinished \(row.hold.unfinished == 1 ? "hold" : "holds") (longest \(HumanDuration.human(row.unfinishedHoldMaxNanos)))"
    }
    if row.expectedHolds > 0 {
      text += " · holds over expected \(row.overExpected) of \(row.expectedHolds) (\(TextReportRenderer.percent(row.overExpectedShare)))"
    }
    text += "\n"
    text += findings(report)
    text += locks(report)
    if report.familiesAsked { text += locks(report, families: true) }
    text += agents(report)
    text += sites(report)
    if !report.anomalyCounts.isEmpty {
      text += "\n**Anomalies:** " + report.anomalyCounts.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ") + "\n"
    }
    return text
  }

  private func findings(_ report: Report) -> String {
    guard report.summary.findingsAnalyzed else { return "\n### Findings\n\nNot looked for (`--no-findings`).\n" }
    let shown = report.findings.filter { $0.kind != .anomaly }
    guard !shown.isEmpty else { return "\n### Findings\n\nNone: no deadlock, orphan, inversion or contention failure found.\n" }
    let groups = Finding.grouped(shown)
    let limit = top == 0 ? groups.count : max(top, groups.filter { $0[0].severity == .critical }.count)
    var text = "\n### Findings\n\n"
    for group in groups.prefix(limit) {
      let first = group[0]
      text += "- \(Markdown.badge(first.severity)) **\(first.kind.rawValue)**"
      if group.count == 1 {
        text += " — \(Markdown.text(first.message)) _(\(Markdown.text(place(first))))_\n"
      } else {
        text += " × \(group.count)\n"
        for finding in group.prefix(3) {
          text += "  - \(Markdown.text(finding.message)) _(\(Markdown.text(place(finding))))_\n"
        }
        if group.count > 3 { text += "  - … and \(group.count - 3) more (`--format json` lists each)\n" }
      }
      if !first.remedy.isEmpty { text += "  \n  → \(Markdown.text(first.remedy))\n" }
    }
    if groups.count > limit {
      text += "- … and \(TextReportRenderer.counted(Int64(groups.count - limit), "more group", "more groups")) of findings\n"
    }
    return text
  }

  private func place(_ finding: Finding) -> String {
    "at \(TextReportRenderer.shortTime(finding.time))" + (finding.source.isEmpty ? "" : ", \(finding.source)")
  }

  /// The locks table, or with `families` the families table (with their lock counts).
  private func locks(_ report: Report, families: Bool = false) -> String {
    let all = families ? report.families : report.locks
    let rows = top == 0 ? all[...] : all.prefix(top)
    let stat = TextReportRenderer.stat
    var columns = [(families ? "Family" : "Lock", false)]
    if families { columns.append(("Locks", true)) }
    var table = Markdown.Table(
      columns + [
        ("Acq", true), ("Contention", true), ("Timeouts", true), ("Wait p50", true), ("p95", true), ("p99", true),
        ("max", true), ("Total wait", true), ("Blocked p95", true), ("max", true), ("Hold p50", true), ("p95", true),
        ("Unfinished", true), ("Utilization", true), ("Queue max", true), ("Fairness", true),
      ])
    for row in rows {
      table.add(
        [row.name ?? ""] + (families ? ["\(row.lockCount)"] : []) + [
          "\(row.acquisitions)", TextReportRenderer.percent(row.contentionRate), TextReportRenderer.percent(row.timeoutRate),
          stat(row.wait, \.p50), stat(row.wait, \.p95), stat(row.wait, \.p99), stat(row.wait, \.max),
          HumanDuration.human(row.waitTotalNanos), stat(row.blocked, \.p95), stat(row.blocked, \.max), stat(row.hold, \.p50),
          stat(row.hold, \.p95), unfinished(row), TextReportRenderer.percent(row.utilization), "\(row.queueMax)",
          formatFixed(row.fairness ?? 1, decimals: 2),
        ])
    }
    return "\n### \(families ? "Lock families" : "Locks") by total wait (\(Markdown.count(rows.count, of: all.count)))\n\n" + table.render()
  }

  /// `2 (longest 5.2s)`, or `0`.
  private func unfinished(_ row: MetricsRow) -> String {
    row.hold.unfinished > 0 ? "\(row.hold.unfinished) (longest \(HumanDuration.human(row.unfinishedHoldMaxNanos)))" : "0"
  }

  private func agents(_ report: Report) -> String {
    let rows = top == 0 ? report.agents[...] : report.agents.prefix(top)
    let stat = TextReportRenderer.stat
    var table = Markdown.Table([
      ("Agent", false), ("Acq", true), ("Contention", true), ("Wait p50", true), ("p95", true), ("max", true),
      ("Total wait", true), ("Blocked p95", true), ("max", true), ("Hold p95", true), ("Unfinished", true), ("Wait share", true),
      ("Caused wait", true),
    ])
    for row in rows {
      table.add([
        row.name ?? "", "\(row.acquisitions)", TextReportRenderer.percent(row.contentionRate), stat(row.wait, \.p50),
        stat(row.wait, \.p95), stat(row.wait, \.max), HumanDuration.human(row.waitTotalNanos), stat(row.blocked, \.p95),
        stat(row.blocked, \.max), stat(row.hold, \.p95), unfinished(row), TextReportRenderer.percent(row.waitShare),
        HumanDuration.human(row.causedWaitNanos),
      ])
    }
    return "\n### Agents by total wait (\(Markdown.count(rows.count, of: report.agents.count)))\n\n" + table.render()
  }
}

extension MarkdownReportRenderer {
  /// Where in the code, as the text report shows it: the requests' sites by the wait spent
  /// there, the blocking holds' sites by the wait they caused. Nothing without sites.
  func sites(_ report: Report) -> String {
    let stat = TextReportRenderer.stat
    var text = ""
    let waited = report.waitedAtSites
    if !waited.isEmpty {
      let rows = top == 0 ? waited[...] : waited.prefix(top)
      var table = Markdown.Table([
        ("Site", false), ("Attempts", true), ("Total wait", true), ("Wait p95", true), ("max", true), ("Blocked p95", true), ("max", true),
        ("Timeouts", true),
      ])
      for row in rows {
        table.add([
          row.name ?? "", "\(row.attempts)", HumanDuration.human(row.waitTotalNanos), stat(row.wait, \.p95), stat(row.wait, \.max),
          stat(row.blocked, \.p95), stat(row.blocked, \.max), "\(row.timeouts)",
        ])
      }
      text += "\n### Waited at: where agents waited (\(Markdown.count(rows.count, of: waited.count)))\n\n" + table.render()
    }
    let blocking = report.blockingSites
    if !blocking.isEmpty {
      let rows = top == 0 ? blocking[...] : blocking.prefix(top)
      let total = max(1, report.overall.causedWaitNanos).doubleValue
      var table = Markdown.Table([
        ("Site", false), ("Holds", true), ("Caused wait", true), ("Share", true), ("Hold p95", true), ("max", true),
      ])
      for row in rows {
        table.add([
          row.name ?? "", "\(row.hold.count + row.hold.unfinished)", HumanDuration.human(row.causedWaitNanos),
          TextReportRenderer.percent(row.causedWaitNanos.doubleValue / total), stat(row.hold, \.p95), stat(row.hold, \.max),
        ])
      }
      text +=
        "\n### Blocked others from: where the holds that made others wait were taken (\(Markdown.count(rows.count, of: blocking.count)))\n\n"
        + table.render()
    }
    return text
  }
}

/// GitHub-flavoured Markdown pieces shared by the report and check renderers.
enum Markdown {
  /// Text from a log (a lock name, a message) made inert: Markdown punctuation is
  /// backslash-escaped, HTML's `<` and `&` become entities, and line breaks become spaces,
  /// so no name can open a link, a code span, an HTML tag or a new table row.
  static func text(_ raw: String) -> String {
    var escaped = ""
    for scalar in raw.unicodeScalars {
      switch scalar {
      case "\\", "`", "*", "_", "[", "]", "|", "#", "~", "!", "{", "}", ">": escaped += "\\" + String(scalar)
      case "<": escaped += "&lt;"
      case "&": escaped += "&amp;"
      case "\n", "\r", "\t": escaped += " "
      // Other control and bidi characters shown as `\u{1b}` (TerminalText's spelling, its
      // braces escaped for Markdown): a comment may be read in a terminal too.
      case _ where TerminalText.needsEscape(scalar): escaped += "\\\\u\\{" + String(scalar.value, radix: 16) + "\\}"
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }

  static func badge(_ severity: Finding.Severity) -> String {
    switch severity {
    case .critical: "🔴 critical"
    case .warning: "🟠 warning"
    case .info: "⚪ info"
    }
  }

  static func count(_ shown: Int, of total: Int) -> String {
    shown < total ? "top \(shown) of \(total)" : "\(total)"
  }

  /// `**Inputs:** a.jsonl · **Events:** 60 · …`
  static func header(_ summary: Summary) -> String {
    var facts = ["**Inputs:** " + summary.inputs.map(text).joined(separator: ", ")]
    facts.append("**Events:** \(TextReportRenderer.grouped(summary.events))")
    if let first = summary.firstTime, let last = summary.lastTime {
      facts.append(
        "**Span:** \(TextReportRenderer.shortTime(first)) → \(TextReportRenderer.shortTime(last)) (\(HumanDuration.human(last - first)))")
    }
    facts.append("**Locks:** \(summary.locks)")
    facts.append("**Agents:** \(summary.agents)")
    var header = facts.joined(separator: " · ") + "\n"
    if summary.skippedLines > 0 {
      header += "\n> ⚠️ \(TextReportRenderer.counted(Int64(summary.skippedLines), "line was", "lines were")) skipped as not valid events.\n"
    }
    for (input, events, skew) in summary.outOfOrder {
      header += "\n> ⚠️ \(text(input)): \(events) events out of order, up to \(HumanDuration.human(skew)) behind.\n"
    }
    return header
  }

  /// A pipe table; every cell escaped.
  struct Table {
    let columns: [(title: String, right: Bool)]
    private var rows: [[String]] = []

    init(_ columns: [(String, Bool)]) { self.columns = columns.map { (title: $0.0, right: $0.1) } }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
      var text = "| " + columns.map(\.title).joined(separator: " | ") + " |\n"
      text += "|" + columns.map { $0.right ? " ---: |" : " --- |" }.joined() + "\n"
      for row in rows { text += "| " + row.map(Markdown.text).joined(separator: " | ") + " |\n" }
      return text
    }
  }
}
