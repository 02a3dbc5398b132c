/// The lines under a text timeline: how many events were shown, and the findings of the
/// window, so the reader knows where to look.
enum TimelineSummary {
  static func render(_ report: Report, shown: Int, style: TerminalStyle) -> String {
    guard shown > 0 else { return "No events in the window.\n" }
    let report = report.terminalSafe
    var text = "\n\(shown) \(shown == 1 ? "event" : "events") shown"
    let since = report.summary.firstTime ?? .min
    let until = report.summary.lastTime ?? .max
    // In time order: the reader is following a timeline.
    let findings = report.findings.filter { $0.time >= since && $0.time <= until && $0.kind != .anomaly }
      .enumerated().sorted { $0.element.time != $1.element.time ? $0.element.time < $1.element.time : $0.offset < $1.offset }
      .map(\.element)
    guard !findings.isEmpty else { return text + "; no findings in the window.\n" }
    text += "; findings in the window:\n"
    for finding in findings.prefix(20) {
      let word = finding.severity.rawValue.uppercased()
      let padded = word + String(repeating: " ", count: max(0, 8 - word.count))
      let label = finding.severity == .critical ? style.red(padded) : style.yellow(padded)
      let what =
        finding.message.lowercased().hasPrefix(finding.kind.rawValue) ? finding.message : "\(finding.kind.rawValue): \(finding.message)"
      text += "  \(TextTimelineWriter.timeOfDay(finding.time))  \(label)  \(what)\n"
    }
    if findings.count > 20 { text += "  … and \(findings.count - 20) more (lockscope report shows them all)\n" }
    return text
  }
}
