/// A mistake in an SLO rule, pointed at like a compiler does: `FILE:LINE:COLUMN: message`,
/// then the line with a caret under the fault, so it is fixed in one look.
struct SLODiagnostic: Error, Sendable, Equatable {
  var origin: SLOOrigin
  /// 1-based, in characters.
  var column: Int
  /// Characters underlined (at least 1).
  var length: Int
  var message: String
  /// The whole line as written.
  var lineText: String

  init(origin: SLOOrigin, column: Int, length: Int, message: String, lineText: String) {
    self.origin = origin
    self.column = column
    self.length = max(1, length)
    self.message = message
    self.lineText = lineText
  }

  /// `locks.slo:3:1: unknown metric 'wait.p59'; did you mean 'wait.p95'?` and the caret lines.
  var rendered: String {
    // Tabs become spaces so the caret lines up under the fault.
    let shown = lineText.map { $0 == "\t" ? " " : String($0) }.joined()
    let caret = String(repeating: " ", count: column - 1) + "^" + String(repeating: "~", count: length - 1)
    return "\(origin.name):\(origin.line):\(column): \(message)\n    \(shown)\n    \(caret)\n"
  }
}
