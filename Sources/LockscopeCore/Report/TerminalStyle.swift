/// ANSI styling for the text report: on only for a terminal, and never with `NO_COLOR`.
public struct TerminalStyle: Sendable {
  public let enabled: Bool

  public init(enabled: Bool) { self.enabled = enabled }

  public static let plain = TerminalStyle(enabled: false)

  /// `--color auto` rules: a terminal, and `NO_COLOR` unset or empty (no-color.org).
  public static func auto(isTerminal: Bool, environment: [String: String]) -> TerminalStyle {
    TerminalStyle(enabled: isTerminal && (environment["NO_COLOR"] ?? "").isEmpty)
  }

  public func bold(_ text: String) -> String { wrap(text, "1") }
  public func dim(_ text: String) -> String { wrap(text, "2") }
  public func yellow(_ text: String) -> String { wrap(text, "33") }
  public func red(_ text: String) -> String { wrap(text, "31") }
  public func green(_ text: String) -> String { wrap(text, "32") }

  private func wrap(_ text: String, _ code: String) -> String {
    enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
