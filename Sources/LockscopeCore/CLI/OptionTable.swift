/// One command-line option: its spelling, its help, and what it does. The same table
/// drives parsing, `--help` and the man page check, so they cannot drift apart.
struct OptionSpec: Sendable {
  let long: String
  let short: Character?
  /// The value's placeholder (`<format>`); nil for a flag.
  let value: String?
  let help: String
  let defaultValue: String?
  let commands: [Command]
  /// The values it accepts, when they are a fixed set (for shell completion).
  let choices: [String]
  /// Whether its value is a file to read (shells complete file names).
  let takesFile: Bool
  let apply: @Sendable (inout CommandLineOptions, String) throws(UsageError) -> Void

  init(
    _ long: String, short: Character? = nil, value: String? = nil, default defaultValue: String? = nil,
    commands: [Command] = Command.readingLogs, choices: [String] = [], takesFile: Bool = false, help: String,
    apply: @escaping @Sendable (inout CommandLineOptions, String) throws(UsageError) -> Void
  ) {
    self.long = long
    self.choices = choices
    self.takesFile = takesFile
    self.short = short
    self.value = value
    self.help = help
    self.defaultValue = defaultValue
    self.commands = commands
    self.apply = apply
  }

  /// `-h, --help` or `--format <format>`, as help shows it.
  var synopsis: String {
    var text = short.map { "-\($0), " } ?? ""
    text += "--\(long)"
    if let value { text += " <\(value)>" }
    return text
  }
}

/// Sizes in bytes as options take them: `4M`, `512K`, `1G` (1024-based), or plain bytes.
enum ByteSize {
  static func parse(_ text: String) -> Int? {
    var digits = Substring(text)
    var scale = 1
    if let last = digits.last, let unit = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30][last.uppercased()] {
      scale = unit
      digits = digits.dropLast()
    } else if digits.hasSuffix("B") || digits.hasSuffix("b") {
      digits = digits.dropLast()
    }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), value >= 0 else { return nil }
    let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
    return overflow ? nil : bytes
  }
}

extension OptionSpec {
  /// An option whose value is a duration (`250ms`, `30s`), stored at `field` in nanoseconds.
  static func duration(
    _ long: String, default defaultValue: String? = nil, commands: [Command] = Command.readingLogs,
    _ field: WritableKeyPath<CommandLineOptions, Int64> & Sendable, help: String
  ) -> OptionSpec {
    OptionSpec(long, value: "duration", default: defaultValue, commands: commands, help: help) { options, value throws(UsageError) in
      options[keyPath: field] = try OptionTable.duration(value, option: long)
    }
  }

  /// A flag that turns `field` on.
  static func flag(
    _ long: String, short: Character? = nil, commands: [Command] = Command.readingLogs,
    _ field: WritableKeyPath<CommandLineOptions, Bool> & Sendable, help: String
  ) -> OptionSpec {
    OptionSpec(long, short: short, commands: commands, help: help) { options, _ in options[keyPath: field] = true }
  }

  /// `--format` of `command`: one of the cases of `Format`, stored at `field`.
  static func format<Format: RawRepresentable & CaseIterable & SendableMetatype>(
    of command: Command, _ field: WritableKeyPath<CommandLineOptions, Format> & Sendable, help: String
  ) -> OptionSpec where Format.RawValue == String {
    OptionSpec(
      "format", value: "format", default: "text", commands: [command], choices: Format.allCases.map(\.rawValue), help: help
    ) { options, value throws(UsageError) in
      options[keyPath: field] = try OptionTable.choice(value, option: "format", among: Format.allCases)
    }
  }
}

enum OptionTable {
  static let all: [OptionSpec] = [
    OptionSpec(
      "format", value: "format", default: "text", commands: [.report], choices: ReportFormat.allCases.map(\.rawValue) + ["summary"],
      help:
        "Output format: text, json, markdown (a pull-request comment), prometheus (text exposition format, for node_exporter's textfile collector), summary (a versioned, mergeable JSON summary for 'lockscope merge')."
    ) { options, value throws(UsageError) in
      if value == "summary" {
        options.writeSummary = true
        return
      }
      guard let format = ReportFormat(rawValue: value) else {
        throw UsageError(
          "Unknown format '\(value)'; expected one of: \((ReportFormat.allCases.map(\.rawValue) + ["summary"]).joined(separator: ", ")).")
      }
      options.format = format
      options.writeSummary = false
    },
    .format(
      of: .merge, \.format,
      help: "Output format: text, json, markdown, prometheus: the same as report's, over every summary together."),
    OptionSpec(
      "shards", value: "n", commands: [.route],
      help: "How many shards to route the events to (1 to 4096; required)."
    ) { options, value throws(UsageError) in
      guard let n = Int(value), n >= 1, n <= RouteCommand.maximumShards else {
        throw UsageError("--shards takes a whole number from 1 to \(RouteCommand.maximumShards), not '\(value)'.")
      }
      options.shards = n
    },
    OptionSpec(
      "out", value: "dir", commands: [.route], takesFile: true,
      help: "The directory to write shard-NNNN.jsonl files and partition.summary.json to (created if missing; required)."
    ) { options, value throws(UsageError) in
      guard !value.isEmpty else { throw UsageError("--out takes a directory, not an empty name.") }
      options.outDirectory = value
    },
    .flag(
      "summaries", commands: [.check], \.readSummaries,
      help: "The files are summaries (report --format summary, route's partition summaries), merged and checked as one log."),
    .flag(
      "prometheus-histograms", commands: [.report, .merge], \.prometheusHistograms,
      help:
        "With --format prometheus: also write wait, hold and blocked as classic histograms (_bucket series on fixed bounds from 1us to 100s), which add up across hosts for histogram_quantile in PromQL."
    ),
    .format(
      of: .check, \.checkFormat,
      help:
        "Output format: text, json, junit (JUnit XML for CI test reports), github (GitHub Actions annotations), markdown (a pull-request comment)."
    ),
    .format(
      of: .timeline, \.timelineFormat,
      help:
        "Output format: text (events with the state they left), json (one line per wait and hold), chrome (a trace for Perfetto UI or chrome://tracing)."
    ),
    .format(
      of: .watch, \.watch.format,
      help:
        "Output format: text (alert lines, a live summary, the report at the end), json (JSON Lines: one object per alert, the report as the last line)."
    ),
    .format(
      of: .diff, \.diffFormat,
      help: "Output format: text (changes coloured on a terminal), markdown (for the pull request that made the change), json."),
    OptionSpec(
      "fail-on-regression", value: "pct", commands: [.diff],
      help:
        "Exit 1 when the --stat statistic, over all locks, got worse by more than <pct> percent (a rise from 0 is always worse): a CI gate for a change."
    ) { options, value throws(UsageError) in
      let number = value.hasSuffix("%") ? String(value.dropLast()) : value
      options.failOnRegression = try nonNegative(number, as: value, option: "fail-on-regression", a: "percentage", such: "10 or 10%")
    },
    OptionSpec(
      "stat", value: "name", default: "wait.p95", commands: [.diff],
      choices: DiffStatistic.all.filter { $0.higherIsBetter != nil }.map(\.name),
      help:
        "The statistic --fail-on-regression watches: makespan, throughput, or a statistic of the overall row (wait.p50, wait.p95, wait.p99, blocked.*, hold.*, contention.rate, utilization, caused_wait)."
    ) { options, value throws(UsageError) in
      guard let statistic = DiffStatistic.named(value), statistic.higherIsBetter != nil else {
        throw UsageError(
          "Unknown --stat '\(value)'; expected one of: \(DiffStatistic.all.filter { $0.higherIsBetter != nil }.map(\.name).joined(separator: ", "))."
        )
      }
      options.regressionStatistic = statistic
    },
    .flag(
      "follow", short: "f", commands: [.watch], \.watch.follow,
      help:
        "Follow the files like 'tail -F': wait for more at their end, go on with the new file when one is rotated, start over when one is truncated. Ends with Ctrl-C."
    ),
    OptionSpec(
      "interval", value: "duration", default: "10s", commands: [.watch],
      help: "Print the live summary of the hottest locks this often (redrawn in place on a terminal, appended otherwise)."
    ) { options, value throws(UsageError) in
      options.watch.interval = try duration(value, option: "interval")
      guard options.watch.interval >= 100_000_000 else { throw UsageError("--interval must be at least 100ms, not '\(value)'.") }
    },
    .duration(
      "long-hold", default: "30s", commands: [.watch], \.watch.thresholds.longHold,
      help: "Alert when a hold has lasted this long and is still held (the log's clock runs on while the stream is quiet)."),
    OptionSpec(
      "max-queue", value: "n", default: "16", commands: [.watch],
      help: "Alert when more than <n> agents queue on one lock (again once its queue has come back down to <n>)."
    ) { options, value throws(UsageError) in
      guard let n = Int(value), n >= 0 else { throw UsageError("--max-queue takes a whole number >= 0, not '\(value)'.") }
      options.watch.thresholds.maxQueue = n
    },
    .format(
      of: .whatif, \.whatifFormat,
      help: "Output format: text, json."),
    OptionSpec(
      "hold-scale", value: "factor", commands: [.whatif],
      help:
        "Replay with every hold of the chosen locks multiplied by <factor> (0.1: a tenth as long); the time cut is spent before the request."
    ) { options, value throws(UsageError) in
      options.whatifChanges.append(.holdScale(try nonNegative(value, option: "hold-scale", a: "number", such: "0.1")))
    },
    OptionSpec(
      "hold-cap", value: "duration", commands: [.whatif],
      help: "Replay with every hold of the chosen locks at most <duration> long (10ms); the time cut is spent before the request."
    ) { options, value throws(UsageError) in
      options.whatifChanges.append(.holdCap(try duration(value, option: "hold-cap")))
    },
    OptionSpec(
      "shard", value: "n", commands: [.whatif],
      help: "Replay with each chosen lock split into <n> keys, an agent always on the same one (a stable hash of its name)."
    ) { options, value throws(UsageError) in
      guard let n = Int(value), n >= 2, n <= 1_000_000 else {
        throw UsageError("--shard takes a number of keys from 2 up, not '\(value)'.")
      }
      options.whatifChanges.append(.shard(n))
    },
    OptionSpec(
      "shared-reads", commands: [.whatif],
      help: "Replay with the holds marked as reads (\"mode\":\"shared\") sharing the lock, as a read-write lock would."
    ) { options, _ in
      options.whatifChanges.append(.sharedReads)
    },
    .flag(
      "gantt", commands: [.timeline], \.gantt,
      help: "Draw a Gantt chart per lock instead: a row per agent, █ holding, ░ waiting, findings marked."),
    OptionSpec(
      "around", value: "time", commands: [.timeline],
      help: "Show the window of --window on each side of this time (RFC 3339 or epoch), instead of --since/--until."
    ) { options, value in
      options.aroundText = value
    },
    .duration(
      "window", default: "5s", commands: [.timeline], \.window,
      help: "With --around: how far before and after it to show."),
    OptionSpec(
      "width", value: "n", commands: [.timeline],
      help: "Width of the Gantt chart in columns (default: the terminal's, or 100)."
    ) { options, value throws(UsageError) in
      guard let n = Int(value), n >= 40, n <= 1000 else {
        throw UsageError("--width takes a number of columns from 40 to 1000, not '\(value)'.")
      }
      options.width = n
    },
    OptionSpec(
      "slo", value: "file", commands: [.check], takesFile: true,
      help: "Read SLO rules from <file>: one rule a line, '#' starts a comment (repeatable)."
    ) { options, value in
      options.sloFiles.append(value)
    },
    OptionSpec(
      "rule", value: "rule", commands: [.check],
      help: "Check this rule too, such as 'wait.p95 < 10ms' or 'lock:db/* hold.p99 < 2s' (repeatable)."
    ) { options, value in
      options.rules.append(value)
    },
    .flag(
      "allow-empty", commands: [.check], \.allowEmpty,
      help: "Let rules with nothing to measure pass (a log with no events, a statistic with no samples) instead of failing."),
    OptionSpec(
      "from", value: "input", default: "jsonl", commands: [.report, .check, .timeline, .whatif, .diff],
      choices: InputFormat.allCases.map(\.rawValue),
      help:
        "What the input lines are: jsonl (lock events), otlp (OpenTelemetry spans, one OTLP/JSON export request a line, as the Collector's file exporter writes; read whole and sorted by time)."
    ) { options, value throws(UsageError) in
      guard let format = InputFormat(rawValue: value) else {
        throw UsageError("--from takes jsonl (lock event lines) or otlp (OpenTelemetry spans), not '\(value)'.")
      }
      options.analysis.inputFormat = format
    },
    OptionSpec(
      "lock", value: "glob",
      help: "Analyse only locks whose name matches the glob (* ? [set]; repeatable: any may match)."
    ) { options, value throws(UsageError) in
      options.analysis.lockGlobs.append(try glob(value, option: "lock"))
    },
    OptionSpec(
      "agent", value: "glob",
      help: "Count and list only agents whose name matches (repeatable). Lock state still follows every agent, so waits stay right."
    ) { options, value throws(UsageError) in
      options.analysis.agentGlobs.append(try glob(value, option: "agent"))
    },
    OptionSpec(
      "since", value: "time",
      help: "Start of the window: RFC 3339 or an epoch number, as in the log. Earlier events still build the lock state."
    ) { options, value in
      options.sinceText = value
    },
    OptionSpec(
      "until", value: "time",
      help: "End of the window: events after it are not read into the analysis; holds still open there end with it."
    ) { options, value in
      options.untilText = value
    },
    OptionSpec(
      "top", value: "n", default: "10", commands: Command.readingLogs.filter { $0 != .route } + [.merge],
      help:
        "Rows per table of the text report; lock or agent rows per rule for check; locks charted by --gantt or in watch's summary (0: all)."
    ) { options, value throws(UsageError) in
      guard let n = Int(value), n >= 0 else { throw UsageError("--top takes a whole number >= 0, not '\(value)'.") }
      options.top = n
    },
    .flag(
      "strict", \.analysis.strict,
      help: "Stop at the first line that is not a valid event (exit status 2) instead of skipping it."),
    OptionSpec(
      "field", value: "name=key",
      help:
        "Read field <name> (ts, event, agent, lock, mode, capacity, lease_ms, expected_ms, token, trace_id, span_id, site) from <key> (repeatable)."
    ) { options, value throws(UsageError) in
      let (name, key) = try pair(value, option: "field")
      guard let field = Field.named(name) else {
        throw UsageError(
          "Unknown field '\(name)' in --field; expected one of: \(Field.allCases.map(\.defaultKey).joined(separator: ", ")).")
      }
      options.analysis.fieldMap.remap(field, to: key)
    },
    OptionSpec(
      "event", value: "kind=name",
      help: "Read event <kind> (request, acquire, release, timeout, cancel, renew, expire, crash) when the log says <name> (repeatable)."
    ) { options, value throws(UsageError) in
      let (name, spelling) = try pair(value, option: "event")
      guard let kind = EventKind.allCases.first(where: { $0.name == name }) else {
        throw UsageError(
          "Unknown event kind '\(name)' in --event; expected one of: \(EventKind.allCases.map(\.name).joined(separator: ", ")).")
      }
      let earlier = options.analysis.fieldMap.eventName(kind)
      guard earlier == kind.name || earlier == spelling else {
        throw UsageError("--event \(name) is given twice, as '\(earlier)' and as '\(spelling)'; a kind has one name in a log.")
      }
      options.analysis.fieldMap.remap(kind, to: spelling)
    },
    OptionSpec(
      "time-unit", value: "unit", choices: TimeUnit.allCases.map(\.rawValue),
      help: "Read epoch numbers in ts as s, ms, us or ns, instead of guessing the unit from their magnitude."
    ) { options, value throws(UsageError) in
      guard let unit = TimeUnit(rawValue: value) else { throw UsageError("Unknown time unit '\(value)'; expected one of: s, ms, us, ns.") }
      options.analysis.fieldMap.timeUnit = unit
    },
    OptionSpec(
      "timezone", value: "zone", default: "UTC",
      help:
        "Read timestamps written without an offset (2026-11-29T10:00:00.123, 2026-11-29 10:00:00,123) in this zone: an IANA name such as Europe/Paris (daylight saving followed) or +HH:MM. The report says when it assumed one."
    ) { options, value throws(UsageError) in
      guard let zone = AssumedZone.named(value) else {
        let hint = AssumedZone.suggestion(for: value).map { " Did you mean '\($0)'?" } ?? ""
        throw UsageError(
          "Unknown time zone '\(value)' for --timezone; expected an IANA name such as Europe/Paris, UTC, or an offset such as +05:30.\(hint)"
        )
      }
      options.analysis.fieldMap.timeZone = zone
    },
    .flag(
      "strip-prefix", \.analysis.fieldMap.stripPrefix,
      help:
        "Read each line from its first '{': a logging, syslog or 'kubectl logs --timestamps' prefix before the JSON object is skipped (a line with no '{' is a bad line)."
    ),
    OptionSpec(
      "max-line", value: "size", default: "1M",
      help:
        "Skip lines longer than this as bad lines, however the bytes arrive (4M, 512K, 100000; K/M/G are 1024-based). Memory per input grows with it."
    ) { options, value throws(UsageError) in
      guard let bytes = ByteSize.parse(value), bytes >= 64, bytes <= 1 << 30 else {
        throw UsageError("--max-line takes a size from 64 bytes to 1G, such as 4M or 512K, not '\(value)'.")
      }
      options.analysis.maximumLineLength = bytes
    },
    OptionSpec(
      "threads", value: "n", default: "one a core, up to 3", commands: [.report, .check, .timeline, .whatif],
      help:
        "1: read, parse and analyse on one thread, a batch of events parsed before it is analysed. 2: parse on a second thread while the first runs the timeline; the statistics are counted by whichever waits, and the report's first rows are made there while the findings are worked out. 3 (or more, same as 3): also a thread that only counts statistics. The output is the same."
    ) { options, value throws(UsageError) in
      guard value.allSatisfy(\.isASCII), let count = Int(value), count >= 1, count <= 1024 else {
        throw UsageError("--threads takes a whole number of threads from 1 to 1024, not '\(value)'.")
      }
      options.analysis.threads = count
    },
    OptionSpec(
      "reorder-window", value: "duration", default: "100ms; watch: 0",
      help:
        "Put events that arrive up to this much late in a file back in time order before analysis (per file; at most 100,000 events held; 0 turns it off). A later event stays a back-in-time anomaly."
    ) { options, value throws(UsageError) in
      options.analysis.reorderWindow = value == "0" ? 0 : try duration(value, option: "reorder-window")
      options.reorderWindowGiven = true
    },
    .duration(
      "long-hold", default: "1s", commands: [.report, .check, .timeline, .diff], \.analysis.findings.longHold,
      help: "Report holds longer than this as long holds (30s, 500ms, 2m, …)."),
    OptionSpec(
      "expect-hold", value: "glob=duration", commands: [.report, .check],
      help:
        "Expect holds of the locks matching <glob> to last at most <duration> (repeatable; the first matching glob counts; an acquire's expected_ms wins): reported as hold.over_expected."
    ) { options, value throws(UsageError) in
      // Split at the last '=': a duration has none, a lock glob may.
      guard let equals = value.lastIndex(of: "="), equals != value.startIndex, value.index(after: equals) != value.endIndex else {
        throw UsageError("--expect-hold takes GLOB=DURATION (such as 'db:*=50ms'), not '\(value)'.")
      }
      let (pattern, length) = (String(value[..<equals]), String(value[value.index(after: equals)...]))
      options.analysis.expectedHolds.append((try glob(pattern, option: "expect-hold"), try duration(length, option: "expect-hold")))
    },
    OptionSpec(
      "family", value: "glob|auto", commands: [.report, .check, .diff],
      help:
        "Also report the locks matching <glob> as one row, a lock family (repeatable; a lock belongs to the first family it matches); 'auto' makes a family of the names that differ only in UUIDs, hexadecimal runs of 8 or more or numbers of 4 digits or more (user:7f3e… and user:a01c… are user:*)."
    ) { options, value throws(UsageError) in
      if value == "auto" {
        options.analysis.families.auto = true
      } else {
        options.analysis.families.globs.append(try glob(value, option: "family"))
      }
    },
    .duration(
      "orphan-after", default: "30s", \.analysis.findings.orphanAfter,
      help: "A lock still held at the end of the log for longer than this is an orphan."),
    OptionSpec(
      "suppress", value: "file", commands: Command.readingLogs + [.merge], takesFile: true,
      help:
        "Silence known lock-order cycles: one cycle a line, its lock names (or globs) separated by spaces or '->'; '#' starts a comment."
    ) { options, value in
      options.suppressFiles.append(value)
    },
    OptionSpec(
      "no-findings", commands: [.report],
      help:
        "Statistics only: skip the finding analyzers (deadlocks, orphans, inversions, contention) for the fastest pass over a huge log. Anomalies are still counted."
    ) { options, _ in
      options.analysis.findings.enabled = false
    },
    OptionSpec(
      "color", value: "when", default: "auto", commands: Command.readingLogs.filter { $0 != .route } + [.merge],
      choices: ColorChoice.allCases.map(\.rawValue),
      help: "Colour the text report: auto (only on a terminal, and not when NO_COLOR is set), always, never."
    ) { options, value throws(UsageError) in
      guard let choice = ColorChoice(rawValue: value) else { throw UsageError("--color takes auto, always or never, not '\(value)'.") }
      options.color = choice
    },
    OptionSpec("version", commands: Command.allCases, help: "Show the version.") { options, _ in options.showVersion = true },
    OptionSpec("help", short: "h", commands: Command.allCases, help: "Show help information.") { options, _ in options.showHelp = true },
  ]

  /// The option `--<long>` of `command`.
  static func named(_ long: String, for command: Command) -> OptionSpec? {
    all.first { $0.long == long && $0.commands.contains(command) }
  }

  static func short(_ letter: Character, for command: Command) -> OptionSpec? {
    all.first { $0.short == letter && $0.commands.contains(command) }
  }

  fileprivate static func choice<Value: RawRepresentable & CaseIterable>(
    _ value: String, option: String, among: Value.AllCases
  ) throws(UsageError) -> Value where Value.RawValue == String {
    guard let chosen = Value(rawValue: value) else {
      let names = among.map(\.rawValue).joined(separator: ", ")
      throw UsageError("Unknown \(option) '\(value)'; expected one of: \(names).")
    }
    return chosen
  }

  /// A duration option's value. One longer than the span of times a log can hold (1900 to
  /// 2099: 200 years) means the same as that span for every option — no hold, wait or
  /// window can be longer — so it is cut to it: no sum of a time and an option overflows.
  /// A finite number >= 0 read from `text` (`value` as the user wrote it, for the message).
  private static func nonNegative(
    _ text: String, as value: String? = nil, option: String, a noun: String, such example: String
  ) throws(UsageError) -> Double {
    guard let number = Double(text), number >= 0, number.isFinite else {
      throw UsageError("--\(option) takes a \(noun) >= 0, such as \(example), not '\(value ?? text)'.")
    }
    return number
  }

  static func duration(_ value: String, option: String) throws(UsageError) -> Int64 {
    switch DurationText.read(value) {
    case .success(let nanos): return min(nanos, longestDuration)
    case .failure(.tooLong):
      throw UsageError("--\(option) takes a duration of at most \(DurationText.maximumText) (Int64 nanoseconds), not '\(value)'.")
    case .failure:
      throw UsageError("--\(option) takes a duration with a unit (ns, us, ms, s, m, h), such as 500ms or 30s, not '\(value)'.")
    }
  }

  /// The span of times a log can hold (`Timestamp.supported`): the longest duration any
  /// option needs.
  static let longestDuration = Timestamp.supported.upperBound - Timestamp.supported.lowerBound

  /// A glob option's pattern; an unclosed `[` or a trailing `\\` is a mistake, as in SLO
  /// scopes (it used to match nothing in silence).
  private static func glob(_ value: String, option: String) throws(UsageError) -> Glob {
    let glob = Glob(value)
    if let problem = glob.syntaxError {
      throw UsageError("--\(option) takes a glob (* ? [set]); '\(value)' is not one: \(problem) (write \\[ for a literal '[').")
    }
    return glob
  }

  private static func pair(_ value: String, option: String) throws(UsageError) -> (String, String) {
    guard let equals = value.firstIndex(of: "="), equals != value.startIndex, value.index(after: equals) != value.endIndex else {
      throw UsageError("--\(option) takes NAME=OTHER, not '\(value)'.")
    }
    return (String(value[..<equals]), String(value[value.index(after: equals)...]))
  }
}
