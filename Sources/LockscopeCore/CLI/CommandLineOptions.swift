/// The subcommands. `report` is the default when none is named.
enum Command: String, CaseIterable, Sendable {
  case report, check, timeline, watch, whatif, diff, route, merge, completions

  /// The commands that read logs (all but `merge` and `completions`), which share the
  /// analysis options.
  static let readingLogs: [Command] = [.report, .check, .timeline, .watch, .whatif, .diff, .route]

  var abstract: String {
    switch self {
    case .report: "Rebuild every lock's timeline and report wait, hold and contention statistics."
    case .check: "Check service level objectives over a log: exit 0 when every rule holds, 1 when one fails."
    case .timeline:
      "Show what happened, event by event or as a Gantt chart, or export the waits and holds (JSON Lines, a Chrome/Perfetto trace)."
    case .whatif:
      "Predict the gain of a narrower critical section: replay the log with the chosen locks' holds scaled, capped, sharded or made shared for reads, and compare waits, makespan and throughput."
    case .diff:
      "Compare two logs of the same system, before and after a change: per lock, family and agent the change in waits, holds, contention and utilization, the findings gone and new, and each side's makespan and throughput."
    case .route:
      "Fleet map step: read one input partition once and write each event to its lock's shard file in --out DIR (shard = FNV-1a of the lock name mod --shards), with a partition summary of its lock-order edges."
    case .merge:
      "Fleet reduce step: merge summaries (report --format summary of each shard, route's partition summaries) into the report of the whole log."
    case .completions:
      "Print a completion script for bash, zsh or fish, generated from the option table (source it from your shell's startup file)."
    case .watch:
      "Follow a log as it is written: alert the moment a deadlock closes, a holder crashes, a lease runs out, a hold or a queue grows too long; the report at the end or on Ctrl-C."
    }
  }
}

/// How `--color` decides on ANSI styling.
enum ColorChoice: String, CaseIterable, Sendable {
  case auto, always, never
}

/// Everything the command line said, after parsing.
struct CommandLineOptions: Sendable {
  var command: Command = .report
  /// Whether a subcommand was named (`lockscope report …`), for choosing which help to show.
  var commandNamed = false
  var paths: [String] = []
  var format: ReportFormat = .text
  var checkFormat: CheckFormat = .text
  /// `--slo` files and `--rule` texts, in the order given.
  var sloFiles: [String] = []
  var rules: [String] = []
  var allowEmpty = false
  var timelineFormat: TimelineFormat = .text
  var watch = WatchOptions()
  /// `whatif`: the changes named (exactly one is allowed) and the output format.
  var whatifChanges: [WhatIfChange] = []
  var whatifFormat: WhatIfFormat = .text
  var gantt = false
  /// `--around` (raw, read once `--time-unit` is known) and `--window`.
  var aroundText: String?
  var window: Int64 = 5_000_000_000
  /// `--width`: the Gantt chart's width in columns (nil: the terminal's, or 100).
  var width: Int?
  var top = 10
  var color: ColorChoice = .auto
  var analysis = AnalysisOptions()
  /// Whether `--reorder-window` was given (`watch` reads with none unless it was).
  var reorderWindowGiven = false
  /// Raw `--since`/`--until`, read once `--time-unit` is known.
  var sinceText: String?
  /// `--suppress` files, read before any log.
  var suppressFiles: [String] = []
  var untilText: String?
  /// `diff`: where `--` split the files into the before and after sets (nil: no `--`).
  var pathSeparator: Int?
  var diffFormat: DiffFormat = .text
  /// `diff --fail-on-regression PCT` and the statistic it watches (`--stat`).
  var failOnRegression: Double?
  var regressionStatistic = DiffStatistic.named("wait.p95")!  // a name of DiffStatistic.rows
  var showHelp = false
  var showVersion = false
  /// `report --format summary`: a mergeable fleet summary instead of a report (SPEC §7).
  var writeSummary = false
  /// `route --shards N --out DIR`.
  var shards: Int?
  var outDirectory: String?
  /// `check --summaries`: the files are summaries to merge, not logs.
  var readSummaries = false
  /// `--prometheus-histograms`: cumulative `_bucket` series beside the summaries.
  var prometheusHistograms = false

  init() {}
}

/// The formats `diff --format` accepts.
enum DiffFormat: String, CaseIterable, Sendable {
  case text, markdown, json
}

/// The formats `whatif --format` accepts.
enum WhatIfFormat: String, CaseIterable, Sendable {
  case text, json
}

/// The formats `timeline --format` accepts.
enum TimelineFormat: String, CaseIterable, Sendable {
  case text, json, chrome
}
