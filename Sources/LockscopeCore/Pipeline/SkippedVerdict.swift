/// What to tell the user when most lines of the input could not be read as events: the
/// summary says so loudly, and with no event at all the command says why (SPEC §1).
enum NoEvents {
  /// More lines were skipped than read as events.
  static func mostLinesSkipped(_ summary: Summary) -> Bool {
    summary.skippedLines > 0 && Int64(summary.skippedLines) > summary.events
  }

  /// `most lines were skipped: 88 of 90 lines are not events; …` with the remap hint.
  static func warning(_ summary: Summary) -> String? {
    guard mostLinesSkipped(summary) else { return nil }
    let total = Int64(summary.skippedLines) + summary.events
    var text = "most lines were skipped: \(summary.skippedLines) of \(total) lines could not be read as events"
    if let hint = summary.remapHint { text += "; " + hint }
    return text
  }

  /// Why no event was read from an input that had lines: the first bad line, and the hint.
  static func reason(_ summary: Summary, firstSkipped: SkippedLines.Entry? = nil) -> String {
    var text = "all \(summary.skippedLines) \(summary.skippedLines == 1 ? "line was" : "lines were") skipped"
    if let firstSkipped { text += " (the first: \(firstSkipped.description))" }
    if let hint = summary.remapHint { text += "; " + hint }
    return text
  }
}
