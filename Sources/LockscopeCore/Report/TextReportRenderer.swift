/// The report for people: a header, the locks and agents with the most total wait in
/// aligned tables with human units, then anomalies. Statistics first, as perf lock and
/// hyperfine print them.
struct TextReportRenderer: ReportRenderer {
  let style: TerminalStyle
  /// Rows per table; 0 shows all.
  let top: Int

  func render(_ report: Report) -> String {
    let report = report.terminalSafe  // names and messages from the log: no raw control characters
    var text = header(report)
    guard report.summary.firstTime != nil else {
      return text + "\nNo events to analyse.\n"
    }
    text += "\n" + overallLine(report.overall) + "\n"
    text += findings(report)
    text += "\n" + locksTable(report)
    if report.familiesAsked { text += "\n" + locksTable(report, families: true) }
    text += "\n" + agentsTable(report)
    text += blockingTable(report)
    text += sitesTables(report)
    text += anomalies(report)
    text += skippedLines(report)
    return text
  }

  private func header(_ report: Report) -> String {
    let summary = report.summary
    let inputs = summary.inputs.count <= 3 ? summary.inputs.joined(separator: ", ") : "\(summary.inputs.count) inputs"
    var text = style.bold("lockscope report") + ": " + inputs + "\n"
    var events = "  events   \(grouped(summary.events))"
    if summary.skippedLines > 0 {
      events += "  " + style.yellow("(\(Self.counted(Int64(summary.skippedLines), "line", "lines")) skipped)")
    }
    text += events + "\n"
    if let (locks, ignored) = summary.otlpSpans {
      text += "  otlp     \(grouped(locks)) lock \(locks == 1 ? "span" : "spans")"
      text += ignored > 0 ? ", \(grouped(ignored)) without lock.name ignored\n" : "\n"
    }
    if let first = summary.firstTime, let last = summary.lastTime {
      text +=
        "  span     \(TextReportRenderer.shortTime(first)) … \(TextReportRenderer.shortTime(last))  (\(HumanDuration.human(last - first)))\n"
    }
    text += "  locks    \(summary.locks)   agents \(summary.agents)\n"
    if let zone = summary.assumedTimeZone {
      text += "  timezone timestamps without an offset read in \(zone) (--timezone)\n"
    }
    if let warning = NoEvents.warning(summary) {
      text += style.yellow(style.bold("  WARNING  " + warning)) + "\n"
    }
    for (input, events, skew) in summary.outOfOrder {
      let advice =
        skew <= summary.reorderWindow
        ? "put back in order by --reorder-window"
        : "--reorder-window \(HumanDuration.human(skew)) would put them back in order"
      text +=
        style.yellow(
          "  out of order  \(input): \(grouped(events)) \(events == 1 ? "event" : "events") up to \(HumanDuration.human(skew)) behind (\(advice))"
        ) + "\n"
    }
    return text
  }

  private func overallLine(_ row: MetricsRow) -> String {
    var parts = ["\(grouped(Int64(row.acquisitions))) acquisitions of \(grouped(Int64(row.attempts))) attempts"]
    parts.append("wait p50 \(stat(row.wait, \.p50)) p99 \(stat(row.wait, \.p99)) max \(stat(row.wait, \.max))")
    parts.append("blocked p95 \(stat(row.blocked, \.p95)) max \(stat(row.blocked, \.max))")
    parts.append("hold p50 \(stat(row.hold, \.p50)) p99 \(stat(row.hold, \.p99))")
    if row.hold.unfinished > 0 { parts.append(unfinished(row)) }
    parts.append("contention \(percent(row.contentionRate))")
    parts.append("timeouts \(percent(row.timeoutRate))")
    if let fairness = row.fairness { parts.append("fairness \(formatFixed(fairness, decimals: 2))") }
    if row.expectedHolds > 0 { parts.append("over expected \(percent(row.overExpectedShare))") }
    return style.bold("overall") + "  " + parts.joined(separator: " · ")
  }

  /// A statistic of `stats`, or `–` when it has no samples (a 0 would read as "no wait").
  private func stat(_ stats: DurationStats, _ value: KeyPath<DurationStats, Int64>) -> String { Self.stat(stats, value) }

  static func stat(_ stats: DurationStats, _ value: KeyPath<DurationStats, Int64>) -> String {
    stats.count > 0 ? HumanDuration.human(stats[keyPath: value]) : "–"
  }

  /// `2 unfinished (longest 5.2s)`.
  private func unfinished(_ row: MetricsRow) -> String {
    "\(grouped(Int64(row.hold.unfinished))) unfinished (longest \(HumanDuration.human(row.unfinishedHoldMaxNanos)))"
  }

  /// Under a table: the shown rows with unfinished holds (crash, expire, lease, end of log),
  /// which are not hold samples and would otherwise go unseen, and the rows whose holds had
  /// an expected length, with how many ran over it.
  private func rowNotes(_ rows: ArraySlice<MetricsRow>) -> String {
    var text = ""
    let withUnfinished = rows.filter { $0.hold.unfinished > 0 }
    if !withUnfinished.isEmpty {
      let items = withUnfinished.map { "\(Table.fit($0.name ?? "")) \(unfinished($0))" }
      text += "  unfinished holds (crash, expire, lease, end of log): " + items.joined(separator: " · ") + "\n"
    }
    // Holds with an expected length (expected_ms, --expect-hold): how many ran over.
    let withExpectation = rows.filter { $0.expectedHolds > 0 }
    if !withExpectation.isEmpty {
      let items = withExpectation.map {
        "\(Table.fit($0.name ?? "")) \(grouped(Int64($0.overExpected))) of \(grouped(Int64($0.expectedHolds))) (\(percent($0.overExpectedShare)))"
      }
      text += "  holds over expected: " + items.joined(separator: " · ") + "\n"
    }
    return text
  }

  /// The LOCKS table, or with `families` the FAMILIES table (its rows with their lock counts).
  private func locksTable(_ report: Report, families: Bool = false) -> String {
    var columns: [(String, Table.Alignment)] = [(families ? "FAMILY" : "LOCK", .left)]
    if families { columns.append(("LOCKS", .right)) }
    var table = Table(
      columns + [
        ("ACQ", .right), ("CONT", .right), ("TMO", .right), ("WAIT p50", .right),
        ("p95", .right), ("p99", .right), ("max", .right), ("TOTAL WAIT", .right), ("BLOCKED p95", .right),
        ("max", .right), ("HOLD p50", .right), ("p95", .right), ("max", .right), ("UTIL", .right),
        ("QUEUE max", .right), ("mean", .right), ("FAIR", .right),
      ])
    let all = families ? report.families : report.locks
    let rows = shown(all)
    for row in rows {
      table.add(
        [Table.fit(row.name ?? "")] + (families ? [grouped(Int64(row.lockCount))] : []) + [
          grouped(Int64(row.acquisitions)), percent(row.contentionRate),
          percent(row.timeoutRate), stat(row.wait, \.p50), stat(row.wait, \.p95), stat(row.wait, \.p99),
          stat(row.wait, \.max), HumanDuration.human(row.waitTotalNanos), stat(row.blocked, \.p95), stat(row.blocked, \.max),
          stat(row.hold, \.p50), stat(row.hold, \.p95), stat(row.hold, \.max), percent(row.utilization),
          String(row.queueMax), formatFixed(row.queueMean, decimals: 2), formatFixed(row.fairness ?? 1, decimals: 2),
        ])
    }
    return title(families ? "FAMILIES" : "LOCKS", shown: rows.count, of: all.count) + table.render(style: style) + rowNotes(rows)
  }

  private func agentsTable(_ report: Report) -> String {
    var table = Table([
      ("AGENT", .left), ("ACQ", .right), ("CONT", .right), ("TMO", .right), ("WAIT p50", .right),
      ("p95", .right), ("max", .right), ("TOTAL WAIT", .right), ("BLOCKED p95", .right), ("max", .right),
      ("HOLD p95", .right), ("UTIL", .right), ("WAIT SHARE", .right), ("CAUSED WAIT", .right),
    ])
    let rows = shown(report.agents)
    for row in rows {
      table.add([
        Table.fit(row.name ?? ""), grouped(Int64(row.acquisitions)), percent(row.contentionRate),
        percent(row.timeoutRate), stat(row.wait, \.p50), stat(row.wait, \.p95), stat(row.wait, \.max),
        HumanDuration.human(row.waitTotalNanos), stat(row.blocked, \.p95), stat(row.blocked, \.max), stat(row.hold, \.p95),
        percent(row.utilization), percent(row.waitShare), HumanDuration.human(row.causedWaitNanos),
      ])
    }
    return title("AGENTS", shown: rows.count, of: report.agents.count) + table.render(style: style) + rowNotes(rows)
  }

  /// Most severe first. Findings of one kind (orphans: one kind and cause) are grouped: a
  /// single one is shown in full with its remedy; a group gets a line with its totals,
  /// its first three, and one remedy.
  private func findings(_ report: Report) -> String {
    let shown = report.findings.filter { $0.kind != .anomaly }
    guard report.summary.findingsAnalyzed else {
      return "\n" + style.bold("FINDINGS") + " not looked for (--no-findings)\n"
    }
    guard !shown.isEmpty else {
      return "\n" + style.bold("FINDINGS") + " none: no deadlock, orphan, inversion or contention failure found\n"
    }
    let groups = Finding.grouped(shown)
    let counts = [Finding.Severity.critical, .warning, .info].compactMap { severity -> String? in
      let n = shown.filter { $0.severity == severity }.count
      return n == 0 ? nil : "\(n) \(severity.rawValue)"
    }
    var text = "\n" + style.bold("FINDINGS") + " " + counts.joined(separator: ", ") + "\n"
    let limit = top == 0 ? groups.count : max(top, groups.filter { $0[0].severity == .critical }.count)
    let indent = String(repeating: " ", count: 11)
    for group in groups.prefix(limit) {
      let first = group[0]
      text += "  \(label(first.severity)) "
      if group.count == 1 {
        text += style.bold(first.kind.rawValue) + "  " + first.message + "\n"
        text += indent + style.dim(place(first)) + "\n"
      } else {
        let locks = Set(group.flatMap(\.locks)).count
        let agents = Set(group.flatMap(\.agents)).count
        var title = "\(group.count) × \(first.kind.rawValue)"
        if case .string(let cause)? = first.detail("cause") { title += " (\(cause))" }
        text += style.bold(title) + " on \(locks) \(locks == 1 ? "lock" : "locks") by \(agents) \(agents == 1 ? "agent" : "agents")\n"
        for finding in group.prefix(3) {
          text += indent + "• " + finding.message + " " + style.dim(place(finding)) + "\n"
        }
        if group.count > 3 { text += indent + style.dim("… and \(group.count - 3) more (--format json lists each)") + "\n" }
      }
      if !first.remedy.isEmpty { text += indent + "→ " + first.remedy + "\n" }
    }
    if groups.count > limit {
      text +=
        style.dim("  … and \(Self.counted(Int64(groups.count - limit), "more group", "more groups")) of findings (--top 0 shows all)")
        + "\n"
    }
    return text
  }

  private func label(_ severity: Finding.Severity) -> String {
    switch severity {
    case .critical: style.red(style.bold("CRITICAL"))
    case .warning: style.yellow("WARNING ")
    case .info: style.dim("INFO    ")
    }
  }

  /// `(at 2026-11-22T10:00:02Z, log.jsonl:4)`.
  private func place(_ finding: Finding) -> String {
    var text = "(at \(TextReportRenderer.shortTime(finding.time))"
    if !finding.source.isEmpty { text += ", \(finding.source)" }
    return text + ")"
  }

  /// "Who made them wait": holders by the wait they imposed on others.
  private func blockingTable(_ report: Report) -> String {
    let blockers = report.agents.causingWait.sorted {
      $0.causedWaitNanos != $1.causedWaitNanos ? $0.causedWaitNanos > $1.causedWaitNanos : ($0.name ?? "") < ($1.name ?? "")
    }
    guard !blockers.isEmpty else { return "" }
    let total = max(1, report.overall.causedWaitNanos)
    var table = Table([
      ("HOLDER", .left), ("CAUSED WAIT", .right), ("SHARE", .right), ("MAX BLOCKED", .right), ("HOLD p95", .right), ("HOLD max", .right),
    ])
    let rows = top == 0 ? blockers[...] : blockers.prefix(top)
    for row in rows {
      table.add([
        Table.fit(row.name ?? ""), HumanDuration.human(row.causedWaitNanos), percent(row.causedWaitNanos.doubleValue / total.doubleValue),
        String(row.blockedMax), stat(row.hold, \.p95), stat(row.hold, \.max),
      ])
    }
    let count = rows.count < blockers.count ? "top \(rows.count) of \(blockers.count)" : "\(blockers.count)"
    return "\n" + style.bold("BLOCKING") + " who made others wait (\(count))\n" + table.render(style: style)
  }

  /// Where in the code (SPEC §2 sites): WAITED AT, the requests' sites by the wait spent
  /// there (perf's view), and BLOCKED OTHERS FROM, the blocking holds' acquire sites by the
  /// wait they caused (Go's view). Nothing when no event has a site.
  private func sitesTables(_ report: Report) -> String {
    let (waited, blocking) = (report.waitedAtSites, report.blockingSites)
    var text = ""
    if !waited.isEmpty {
      var table = Table([
        ("SITE", .left), ("ATTEMPTS", .right), ("TOTAL WAIT", .right), ("WAIT p95", .right), ("max", .right),
        ("BLOCKED p95", .right), ("max", .right), ("TMO", .right),
      ])
      let rows = shown(waited)
      for row in rows {
        table.add([
          Table.fit(row.name ?? "", 50), grouped(Int64(row.attempts)), HumanDuration.human(row.waitTotalNanos), stat(row.wait, \.p95),
          stat(row.wait, \.max), stat(row.blocked, \.p95), stat(row.blocked, \.max), grouped(Int64(row.timeouts)),
        ])
      }
      let count = rows.count < waited.count ? "top \(rows.count) of \(waited.count)" : "\(waited.count)"
      text += "\n" + style.bold("WAITED AT") + " where agents waited, by total wait (\(count))\n" + table.render(style: style)
    }
    if !blocking.isEmpty {
      let total = max(1, report.overall.causedWaitNanos)
      var table = Table([
        ("SITE", .left), ("HOLDS", .right), ("CAUSED WAIT", .right), ("SHARE", .right), ("HOLD p95", .right), ("max", .right),
      ])
      let rows = shown(blocking)
      for row in rows {
        table.add([
          Table.fit(row.name ?? "", 50), grouped(Int64(row.hold.count + row.hold.unfinished)), HumanDuration.human(row.causedWaitNanos),
          percent(row.causedWaitNanos.doubleValue / total.doubleValue), stat(row.hold, \.p95), stat(row.hold, \.max),
        ])
      }
      let count = rows.count < blocking.count ? "top \(rows.count) of \(blocking.count)" : "\(blocking.count)"
      text +=
        "\n" + style.bold("BLOCKED OTHERS FROM") + " where the holds that made others wait were taken (\(count))\n"
        + table.render(style: style)
    }
    return text
  }

  private func anomalies(_ report: Report) -> String {
    guard !report.anomalyCounts.isEmpty else { return "" }
    let total = report.anomalyCounts.reduce(0) { $0 + $1.count }
    var text =
      "\n" + style.yellow(style.bold("ANOMALIES"))
      + " \(grouped(Int64(total))) \(total == 1 ? "event" : "events") did not fit the lock state (counted, analysed as described in lockscope(1))\n"
    let counts = report.anomalyCounts.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ")
    text += "  " + counts + "\n"
    // The anomalies themselves, not the first findings of any kind: other findings rank first.
    let kept = report.findings.filter { $0.kind == .anomaly }
    let shown = top == 0 ? kept : Array(kept.prefix(top))
    for finding in shown { text += "  \(finding.source): \(finding.message)\n" }
    if total > shown.count {
      text +=
        style.dim("  … and \(grouped(Int64(total - shown.count))) more (--format json lists the first \(AnomalyLog.keptLimit))") + "\n"
    }
    return text
  }

  private func skippedLines(_ report: Report) -> String {
    guard report.summary.skippedLines > 0 else { return "" }
    var text =
      "\n" + style.yellow(style.bold("SKIPPED LINES"))
      + " \(Self.counted(Int64(report.summary.skippedLines), "line", "lines")) could not be read as events\n"
    for entry in report.skipped { text += "  \(entry.description)\n" }
    if report.summary.skippedLines > report.skipped.count {
      text += style.dim("  … and \(grouped(Int64(report.summary.skippedLines - report.skipped.count))) more") + "\n"
    }
    return text
  }

  private func title(_ name: String, shown: Int, of total: Int) -> String {
    let count = shown < total ? "top \(shown) of \(total)" : "\(total)"
    return style.bold(name) + " by total wait (\(count))\n"
  }

  /// The rows a table shows: only these are made (`MetricsRows`).
  private func shown(_ rows: some Collection<MetricsRow>) -> ArraySlice<MetricsRow> {
    Array(top == 0 ? rows.prefix(rows.count) : rows.prefix(top))[...]
  }

  private func percent(_ fraction: Double) -> String { Self.percent(fraction) }

  /// `12.5%`.
  static func percent(_ fraction: Double) -> String {
    formatFixed(fraction * 100, decimals: 1) + "%"
  }

  /// `1,234,567`.
  private func grouped(_ n: Int64) -> String { Self.grouped(n) }

  /// "1 line", "18 lines": a count with its noun in the right number, digits grouped.
  static func counted(_ n: Int64, _ singular: String, _ plural: String) -> String {
    "\(grouped(n)) \(n == 1 ? singular : plural)"
  }

  static func grouped(_ n: Int64) -> String {
    let digits = String(n.magnitude)
    var text = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { text += "," }
      text.append(digit)
    }
    return (n < 0 ? "-" : "") + text
  }

  /// RFC 3339 without trailing zeros in the fraction: `2026-11-22T10:00:00Z`, `…:00.25Z`.
  static func shortTime(_ nanos: Int64) -> String {
    var text = Timestamp.rfc3339(nanos)
    text.removeLast()  // Z
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text + "Z"
  }
}
