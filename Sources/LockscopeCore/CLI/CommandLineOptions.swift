/// The subcommands. `report` is the default when none is named.
public enum Command: String, CaseIterable, Sendable {
  case report, check

  var abstract: String {
    switch self {
    case .report: "Rebuild every lock's timeline and report wait, hold and contention statistics."
    case .check: "Check service level objectives over a log: exit 0 when every rule holds, 1 when one fails."
    }
  }
}

/// How `--color` decides on ANSI styling.
public enum ColorChoice: String, CaseIterable, Sendable {
  case auto, always, never
}

/// Everything the command line said, after parsing.
public struct CommandLineOptions: Sendable {
  public var command: Command = .report
  /// Whether a subcommand was named (`lockscope report …`), for choosing which help to show.
  public var commandNamed = false
  public var paths: [String] = []
  public var format: ReportFormat = .text
  public var checkFormat: CheckFormat = .text
  /// `--slo` files and `--rule` texts, in the order given.
  public var sloFiles: [String] = []
  public var rules: [String] = []
  public var allowEmpty = false
  public var top = 10
  public var color: ColorChoice = .auto
  public var analysis = AnalysisOptions()
  /// Raw `--since`/`--until`, read once `--time-unit` is known.
  public var sinceText: String?
  /// `--suppress` files, read before any log.
  public var suppressFiles: [String] = []
  public var untilText: String?
  public var showHelp = false
  public var showVersion = false

  public init() {}
}
