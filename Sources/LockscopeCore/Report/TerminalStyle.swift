/// ANSI styling for the text report: on only for a terminal, and never with `NO_COLOR`.
struct TerminalStyle: Sendable {
  let enabled: Bool

  init(enabled: Bool) { self.enabled = enabled }

  static let plain = TerminalStyle(enabled: false)

  /// `--color auto` rules: a terminal, and `NO_COLOR` unset or empty (no-color.org).
  static func auto(isTerminal: Bool, environment: [String: String]) -> TerminalStyle {
    TerminalStyle(enabled: isTerminal && (environment["NO_COLOR"] ?? "").isEmpty)
  }

  func bold(_ text: String) -> String { wrap(text, "1") }
  func dim(_ text: String) -> String { wrap(text, "2") }
  func yellow(_ text: String) -> String { wrap(text, "33") }
  func red(_ text: String) -> String { wrap(text, "31") }
  func green(_ text: String) -> String { wrap(text, "32") }

  private func wrap(_ text: String, _ code: String) -> String {
    enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
