/// Where `watch` writes: alerts the moment they are raised (flushed at once: they are for
/// a person or a pager, not for a buffer), the live summary, and the final report.
///
/// On a terminal the summary stays at the bottom and is redrawn in place: an alert erases
/// it, prints itself above, and draws it again. Off a terminal everything is appended.
final class LiveOutput {
  enum Format { case text, json }

  private let sink: TextSink
  private let format: Format
  private let style: TerminalStyle
  private let redraws: Bool
  /// The summary on screen (terminal only), to erase and draw again.
  private var summary: [String] = []
  private(set) var isBroken = false

  init(sink: TextSink, format: Format, style: TerminalStyle) {
    self.sink = sink
    self.format = format
    self.style = style
    redraws = sink.isTerminal && format == .text
  }

  func alert(_ finding: Finding) {
    switch format {
    case .json: write(Self.json(finding) + "\n", keepSummaryBelow: false)
    case .text: write(text(finding) + "\n", keepSummaryBelow: true)
    }
  }

  /// The live summary; JSON Lines carry alerts only, so there it is not shown.
  func show(summary lines: [String]) {
    guard format == .text else { return }
    if redraws {
      let erase = erasing()
      summary = lines
      write(erase + lines.joined(separator: "\n") + "\n", keepSummaryBelow: false)
    } else {
      write(lines.joined(separator: "\n") + "\n", keepSummaryBelow: false)
    }
  }

  /// The report at the end, in place of the summary.
  func final(_ report: Report, top: Int) {
    let erase = erasing()
    summary = []
    switch format {
    case .text:
      write(erase + "\n" + TextReportRenderer(style: style, top: top).render(report), keepSummaryBelow: false)
    case .json:
      write(#"{"type":"report","report":"# + JSONReportRenderer(compact: true).render(report) + "}\n", keepSummaryBelow: false)
    }
  }

  /// A line an alert reads as: time, severity, kind, what happened, where in the log.
  private func text(_ finding: Finding) -> String {
    let finding = finding.terminalSafe
    let severity: String
    switch finding.severity {
    case .critical: severity = style.red("CRITICAL")
    case .warning: severity = style.yellow("WARNING ")
    case .info: severity = "INFO    "
    }
    return
      "\(TextReportRenderer.shortTime(finding.time))  \(severity)  \(style.bold(finding.kind.rawValue))  \(finding.message)  (\(finding.source))"
  }

  /// One JSON object a line: `{"type":"alert", …}` and the keys of a report's finding.
  static func json(_ finding: Finding) -> String {
    var json = JSONWriter(compact: true)
    json.beginObject()
    json.field("type", "alert")
    JSONReportRenderer.write(finding, into: &json)
    json.endObject()
    return json.text
  }

  /// Cursor up over the summary and clear to the end of the screen.
  private func erasing() -> String {
    guard redraws, !summary.isEmpty else { return "" }
    return "\u{1B}[\(summary.count)A\u{1B}[J"
  }

  /// Writes and flushes; `keepSummaryBelow`: the text goes above the summary on screen.
  private func write(_ text: String, keepSummaryBelow: Bool) {
    guard !isBroken else { return }
    var output = text
    if redraws && keepSummaryBelow && !summary.isEmpty {
      output = erasing() + text + summary.joined(separator: "\n") + "\n"
    }
    do {
      try sink.write(output)
      try sink.flush()
    } catch {
      isBroken = true
    }
  }
}
