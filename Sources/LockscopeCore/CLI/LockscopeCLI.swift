/// The command-line program. `run` returns the exit status instead of exiting, so tests
/// call it directly; `main.swift` only passes the process's arguments and streams.
public enum LockscopeCLI {
  static let version = "0.1.0"

  /// Exit statuses (SPEC §3).
  enum ExitStatus {
    static let success: Int32 = 0
    static let violation: Int32 = 1
    static let failure: Int32 = 2
  }

  /// Runs `lockscope` with `arguments` (without the program name).
  public static func run(_ arguments: [String], io: ConsoleIO) -> Int32 {
    let status = execute(arguments, io: io)
    // Every output went through `io.out`: one check covers them all. A reader that went
    // away has what it wanted (quiet); a failed write (a full disk) leaves the output
    // incomplete, which a script must learn from the exit status.
    try? io.out.flush()
    if let failure = io.out.failureMessage {
      try? io.err.write("lockscope: \(failure)\n")
      try? io.err.flush()
      return ExitStatus.failure
    }
    try? io.err.flush()
    return status
  }

  private static func execute(_ arguments: [String], io: ConsoleIO) -> Int32 {
    let options: CommandLineOptions
    do {
      options = try ArgumentParser.parse(arguments)
    } catch {
      let command = arguments.first.flatMap(Command.init(rawValue:)) ?? .report
      usageError(error.message, command: command, io: io)
      return ExitStatus.failure
    }
    do {
      if options.showHelp {
        try io.out.write(HelpText.render(options.command, topLevel: !options.commandNamed))
        return ExitStatus.success
      }
      if options.showVersion {
        try io.out.write("lockscope \(version)\n")
        return ExitStatus.success
      }
      switch options.command {
      case .report: return try report(options, io: io)
      case .check: return try check(options, io: io)
      case .timeline: return try timeline(options, io: io)
      case .watch: return watch(options, io: io)
      case .whatif: return try whatif(options, io: io)
      case .diff: return try diff(options, io: io)
      case .route: return route(options, io: io)
      case .merge: return try merge(options, io: io)
      case .completions: return try completions(options, io: io)
      }
    } catch {
      // Output stopped: a closed pipe (the reader has what it wanted) or a failed write,
      // which `run` turns into exit status 2.
      return ExitStatus.success
    }
  }

  private static func report(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    if options.writeSummary { return try summary(options, io: io) }
    // What the hot-lock remedy replays is kept as it is read: one reading.
    let kept = HotLockEvents()
    guard var report = analyze(options, analysis: options.analysis, io: io, keeping: options.analysis.findings.enabled ? kept : nil)
    else { return ExitStatus.failure }
    if report.summary.events == 0 && report.summary.skippedLines > 0 {
      // Nothing to report on from input that was not empty: say why, and fail (as check does).
      try? io.err.write("lockscope: no events read: \(NoEvents.reason(report.summary, firstSkipped: report.skipped.first))\n")
      return ExitStatus.failure
    }
    if let analysis = prepared(options, analysis: options.analysis, io: ConsoleIO.quiet(io)) {
      HotLockPrediction.annotate(&report, kept: kept, analysis: analysis)
    }
    kept.discard()
    defer { if io.endsWithProcess { ProcessLifetime.outlive(report) } }
    try renderer(options, io).write(report, to: io.out)
    return ExitStatus.success
  }

  private static func renderer(_ options: CommandLineOptions, _ io: ConsoleIO) -> any ReportRenderer {
    if options.format == .prometheus && options.prometheusHistograms { return PrometheusRenderer(histograms: true) }
    return options.format.renderer(style: style(options, io), top: options.top)
  }

  /// `report --format summary` (SPEC §7): the shard's mergeable summary, one JSON line.
  private static func summary(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    guard let analysis = prepared(options, analysis: options.analysis, io: io) else { return ExitStatus.failure }
    let summary: FleetSummary
    do {
      summary = try LogAnalysis.summarize(paths: options.paths, options: analysis, warn: warnLine(io))
    } catch {
      try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
      return ExitStatus.failure
    }
    if summary.events == 0 && summary.skippedLines > 0 {
      try? io.err.write("lockscope: no events read: \(summary.skipped.first?.description ?? "every line was skipped")\n")
      return ExitStatus.failure
    }
    try SummaryWriter.write(summary) { (part) throws(TextSink.Stopped) in try io.out.write(bytes: part) }
    return ExitStatus.success
  }

  /// `lockscope route` (SPEC §7): the partition's events to their shards' files.
  private static func route(_ options: CommandLineOptions, io: ConsoleIO) -> Int32 {
    guard let shards = options.shards, let directory = options.outDirectory else {
      usageError("route needs --shards N and --out DIR.", command: .route, io: io)
      return ExitStatus.failure
    }
    guard let analysis = prepared(options, analysis: options.analysis, io: io) else { return ExitStatus.failure }
    do {
      let summary = try RouteCommand.run(paths: options.paths, shards: shards, directory: directory, options: analysis, warn: warnLine(io))
      if summary.events == 0 && summary.skippedLines > 0 {
        try? io.err.write("lockscope: no events read: \(summary.skipped.first?.description ?? "every line was skipped")\n")
        return ExitStatus.failure
      }
    } catch {
      try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
      return ExitStatus.failure
    }
    return ExitStatus.success
  }

  /// `lockscope merge` (SPEC §7): the report of every summary together.
  private static func merge(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    guard let report = mergedReport(options, io: io) else { return ExitStatus.failure }
    try renderer(options, io).write(report, to: io.out)
    return ExitStatus.success
  }

  /// Reads and merges the summaries named on the command line; nil (after one line on
  /// stderr) when one cannot be read or is refused.
  private static func mergedReport(_ options: CommandLineOptions, io: ConsoleIO) -> Report? {
    guard !options.paths.isEmpty else {
      usageError("\(options.command.rawValue) needs at least one summary file.", command: options.command, io: io)
      return nil
    }
    guard options.paths.count <= SummaryMerge.maximumSummaries else {
      usageError(
        "at most \(SummaryMerge.maximumSummaries) summaries can be merged at once; merge them in groups.", command: options.command, io: io)
      return nil
    }
    var summaries: [FleetSummary] = []
    for path in options.paths {
      do {
        let bytes = try ByteSource.readBytes(path)
        summaries.append(try SummaryReader.read(bytes, name: path))
      } catch let error as InputError {
        try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
        return nil
      } catch let error as SummaryError {
        try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
        return nil
      } catch {
        try? io.err.write("lockscope: \(path): cannot read it\n")
        return nil
      }
    }
    var findings = options.analysis.findings
    for path in options.suppressFiles {
      do {
        findings.suppressedCycles += try SuppressionFile.read(path)
      } catch {
        try? io.err.write("lockscope: \(error.message)\n")
        return nil
      }
    }
    let (report, caveats) = SummaryMerge.merge(
      summaries, names: options.paths, options: findings, histograms: options.prometheusHistograms)
    if !caveats.agentsInSeveralPartitions.isEmpty {
      let names = caveats.agentsInSeveralPartitions.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
      let more = caveats.agentsInSeveralPartitions.count > 5 ? " and \(caveats.agentsInSeveralPartitions.count - 5) more" : ""
      try? io.err.write(
        "lockscope: note: agents \(TerminalText.escaped(names))\(more) appear in several input partitions: lock-order edges between their holds in different partitions are not known (route one file per process for exact edges).\n"
      )
    }
    return report
  }

  private static func warnLine(_ io: ConsoleIO) -> (String) -> Void {
    { line in
      try? io.err.write(TerminalText.escaped(line) + "\n")
      try? io.err.flush()
    }
  }

  /// `lockscope check`: the rules are read and checked for mistakes before any log is.
  private static func check(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    var rules: [SLORule] = []
    var mistakes: [SLODiagnostic] = []
    for path in options.sloFiles {
      let text: String
      do {
        text = try ByteSource.readText(path)
      } catch {
        try? io.err.write("lockscope: \(error.message)\n")
        return ExitStatus.failure
      }
      let parsed = SLOParser.parse(text, name: path)
      if parsed.rules.isEmpty && parsed.errors.isEmpty {
        try? io.err.write("lockscope: '\(path)' has no rules (only blank lines and comments).\n")
        return ExitStatus.failure
      }
      rules += parsed.rules
      mistakes += parsed.errors
    }
    for (index, text) in options.rules.enumerated() {
      let parsed = SLOParser.parse(text, name: "<rule \(index + 1)>")
      if parsed.rules.isEmpty && parsed.errors.isEmpty {
        mistakes.append(
          SLODiagnostic(
            origin: SLOOrigin(name: "<rule \(index + 1)>", line: 1), column: 1, length: 1, message: "empty rule", lineText: text))
      }
      rules += parsed.rules
      mistakes += parsed.errors
    }
    guard mistakes.isEmpty else { return ruleErrors(mistakes, io: io) }
    let usedDefaultRules = options.sloFiles.isEmpty && options.rules.isEmpty
    if usedDefaultRules { rules = SLOParser.parse(DefaultSLO.text, name: "<default>").rules }

    var analysis = options.analysis
    // Finding analyzers only when a rule counts findings: the statistics alone are faster.
    analysis.findings.enabled = rules.contains { rule in
      if case .findings = rule.metric.source { return true }
      return false
    }
    guard let report = options.readSummaries ? mergedReport(options, io: io) : analyze(options, analysis: analysis, io: io) else {
      return ExitStatus.failure
    }
    if report.summary.events == 0 && report.summary.skippedLines > 0 {
      try? io.err.write("lockscope: no events read: \(NoEvents.reason(report.summary, firstSkipped: report.skipped.first))\n")
    }
    let (results, unmatched) = SLOEvaluator.evaluate(rules, on: report, allowEmpty: options.allowEmpty)
    guard unmatched.isEmpty else { return ruleErrors(unmatched, io: io) }
    let outcome = CheckOutcome(report: report, results: results, usedDefaultRules: usedDefaultRules, allowEmpty: options.allowEmpty)
    defer { if io.endsWithProcess { ProcessLifetime.outlive(outcome) } }
    let status = outcome.passed ? ExitStatus.success : ExitStatus.violation
    // A gate's verdict is its exit status: a reader that closed the pipe must not turn a
    // violation into a pass.
    try? io.out.write(options.checkFormat.renderer(style: style(options, io), top: options.top).render(outcome))
    return status
  }

  private static func ruleErrors(_ mistakes: [SLODiagnostic], io: ConsoleIO) -> Int32 {
    for mistake in mistakes { try? io.err.write(mistake.rendered) }
    let count = mistakes.count == 1 ? "a mistake" : "\(mistakes.count) mistakes"
    try? io.err.write("lockscope: \(count) in the rules; nothing was checked.\n")
    return ExitStatus.failure
  }

  /// `lockscope timeline`: the chosen output watches the same pass as the analyzers, and
  /// streams out as the log is read (the Gantt chart is drawn at the end).
  private static func timeline(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    let writer = StreamWriter { text throws(TextSink.Stopped) in try io.out.write(text) }
    let style = style(options, io)
    if options.gantt {
      let width = options.width ?? Int(io.environment["COLUMNS"] ?? "") ?? 100
      guard
        let outcome = analyze(
          options, analysis: options.analysis, io: io,
          observe: { ObserverPair($0, GanttRecorder($1, width: width)) }, analyzers: { $0.first })
      else { return ExitStatus.failure }
      try io.out.write(outcome.observer.second.render(outcome.report, top: options.top, style: style))
      return ExitStatus.success
    }
    switch options.timelineFormat {
    case .text:
      guard
        let outcome = analyze(
          options, analysis: options.analysis, io: io,
          observe: { ObserverPair($0, TextTimelineWriter($1, out: writer, style: style)) }, analyzers: { $0.first })
      else { return ExitStatus.failure }
      guard !writer.isBroken else { return ExitStatus.success }
      try io.out.write(TimelineSummary.render(outcome.report, shown: outcome.observer.second.shown, style: style))
    case .json:
      guard
        analyze(
          options, analysis: options.analysis, io: io, observe: { ObserverPair($0, IntervalJSONWriter($1, out: writer)) },
          analyzers: { $0.first }) != nil
      else { return ExitStatus.failure }
    case .chrome:
      guard
        let outcome = analyze(
          options, analysis: options.analysis, io: io, observe: { ObserverPair($0, ChromeTraceWriter($1, out: writer)) },
          analyzers: { $0.first })
      else { return ExitStatus.failure }
      var chrome = outcome.observer.second
      chrome.finish(findings: outcome.report.findings)
    }
    return ExitStatus.success
  }

  /// Reads the logs into a report; nil (after saying why on stderr) when it cannot.
  private static func analyze(_ options: CommandLineOptions, analysis: AnalysisOptions, io: ConsoleIO, keeping: HotLockEvents? = nil)
    -> Report?
  {
    analyze(options, analysis: analysis, io: io, observe: { analyzers, _ in analyzers }, analyzers: { $0 }, keeping: keeping)?.report
  }

  /// The same, with an output watching the pass beside the analyzers.
  private static func analyze<Observer: TimelineObserver>(
    _ options: CommandLineOptions, analysis: AnalysisOptions, io: ConsoleIO,
    observe: (Analyzers, LogAnalysis.Context) -> Observer, analyzers: (Observer) -> Analyzers, keeping: HotLockEvents? = nil
  ) -> LogAnalysis.Outcome<Observer>? {
    guard let analysis = prepared(options, analysis: analysis, io: io) else { return nil }
    do {
      return try LogAnalysis.run(
        paths: options.paths, options: analysis,
        warn: { line in
          // At once: a slow pipe's bad lines are told as they are read, not when a buffer fills.
          try? io.err.write(TerminalText.escaped(line) + "\n")
          try? io.err.flush()
        }, observe: observe,
        analyzers: analyzers, keeping: keeping)
    } catch {
      try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
      return nil
    }
  }

  /// `lockscope whatif`: one change, replayed; a log it cannot model is refused (exit 2).
  private static func whatif(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    guard options.whatifChanges.count == 1, let change = options.whatifChanges.first else {
      usageError(
        "whatif takes one change: --hold-scale, --hold-cap, --shard or --shared-reads (\(options.whatifChanges.isEmpty ? "none" : "several") given).",
        command: .whatif, io: io)
      return ExitStatus.failure
    }
    guard let analysis = prepared(options, analysis: options.analysis, io: io) else { return ExitStatus.failure }
    let outcome: Result<WhatIfPrediction, UsageError>
    do {
      outcome = try WhatIfCommand.predict(paths: options.paths, analysis: analysis, change: change) { line in
        try? io.err.write(TerminalText.escaped(line) + "\n")
        try? io.err.flush()
      }
    } catch {
      try? io.err.write("lockscope: " + TerminalText.escaped(error.message) + "\n")
      return ExitStatus.failure
    }
    switch outcome {
    case .failure(let refusal):
      try? io.err.write("lockscope: cannot predict: " + TerminalText.escaped(refusal.message) + "\n")
      return ExitStatus.failure
    case .success(let prediction):
      try io.out.write(options.whatifFormat == .json ? prediction.json() : prediction.text(style: style(options, io)))
      return ExitStatus.success
    }
  }

  /// `lockscope diff BEFORE AFTER` (or `BEFORE... -- AFTER...`): both sides analysed with
  /// the same options, then compared; `--fail-on-regression` turns it into a gate.
  private static func diff(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    let sides: (before: [String], after: [String])
    if let split = options.pathSeparator, split > 0, split < options.paths.count {
      sides = (Array(options.paths[..<split]), Array(options.paths[split...]))
    } else if options.paths.count == 2 {
      sides = ([options.paths[0]], [options.paths[1]])
    } else {
      usageError(
        "diff takes two logs, BEFORE and AFTER, or two sets of files separated by '--' (\(options.paths.count) \(options.paths.count == 1 ? "file" : "files") given).",
        command: .diff, io: io)
      return ExitStatus.failure
    }
    if sides.before.contains("-") && sides.after.contains("-") {
      usageError("diff can read standard input ('-') on one side only.", command: .diff, io: io)
      return ExitStatus.failure
    }
    var reports: [Report] = []
    for paths in [sides.before, sides.after] {
      var side = options
      side.paths = paths
      guard let report = analyze(side, analysis: options.analysis, io: io) else { return ExitStatus.failure }
      if report.summary.events == 0 && report.summary.skippedLines > 0 {
        try? io.err.write(
          "lockscope: no events read from \(paths.joined(separator: ", ")): \(NoEvents.reason(report.summary, firstSkipped: report.skipped.first))\n"
        )
        return ExitStatus.failure
      }
      reports.append(report)
    }
    let diff = ReportDiff(before: reports[0], after: reports[1])
    let regression = options.failOnRegression.map { (statistic: options.regressionStatistic, percent: $0) }
    let regressed = regression.map { diff.regressed($0.statistic, byMoreThan: $0.percent) } ?? false
    var text: String
    switch options.diffFormat {
    case .text: text = DiffTextRenderer(style: style(options, io), top: options.top).render(diff)
    case .markdown: text = DiffMarkdownRenderer(top: options.top).render(diff)
    case .json: text = DiffJSONRenderer().render(diff, regression: regression)
    }
    if let regression, options.diffFormat != .json {
      let change = diff.overallChange(regression.statistic)
      let verdict = regressed ? "REGRESSION" : "ok"
      let line =
        "\(verdict): \(regression.statistic.name) \(change.changeText) overall (--fail-on-regression \(formatFixed(regression.percent, decimals: 1))%)"
      text += options.diffFormat == .markdown ? "\n**\(line)**\n" : "\n" + line + "\n"
    }
    // A gate's verdict is its exit status, whatever became of the output.
    try? io.out.write(text)
    return regressed ? ExitStatus.violation : ExitStatus.success
  }

  /// `lockscope completions SHELL`: the script on standard output.
  private static func completions(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.Stopped) -> Int32 {
    let shells = Completions.Shell.allCases.map(\.rawValue).joined(separator: ", ")
    guard options.paths.count == 1, let shell = Completions.Shell(rawValue: options.paths[0]) else {
      let given = options.paths.isEmpty ? "no shell" : "'\(options.paths.joined(separator: " "))'"
      usageError("completions takes one shell: \(shells); not \(given).", command: .completions, io: io)
      return ExitStatus.failure
    }
    try io.out.write(Completions.script(for: shell))
    return ExitStatus.success
  }

  /// `lockscope watch`: alerts as the log is written, the report when it ends or on Ctrl-C.
  private static func watch(_ options: CommandLineOptions, io: ConsoleIO) -> Int32 {
    guard var analysis = prepared(options, analysis: options.analysis, io: io) else { return ExitStatus.failure }
    // Live input: alerts must not wait for a window to pass (SPEC §1: watch uses 0).
    if !options.reorderWindowGiven { analysis.reorderWindow = 0 }
    return WatchCommand.run(
      paths: options.paths, analysis: analysis, watch: options.watch, top: options.top, style: style(options, io), io: io)
  }

  /// The analysis options with what the command line names but a pass cannot read itself:
  /// the window's times and the suppression files. Nil (after saying why) on a mistake.
  private static func prepared(_ options: CommandLineOptions, analysis: AnalysisOptions, io: ConsoleIO) -> AnalysisOptions? {
    var analysis = analysis
    analysis.histograms = options.prometheusHistograms && options.format == .prometheus
    do {
      (analysis.since, analysis.until) = try window(options, unit: analysis.fieldMap.timeUnit)
    } catch {
      usageError(error.message, command: options.command, io: io)
      return nil
    }
    for path in options.suppressFiles {
      do {
        analysis.findings.suppressedCycles += try SuppressionFile.read(path)
      } catch {
        try? io.err.write("lockscope: \(error.message)\n")
        return nil
      }
    }
    analysis.progressOnTerminal = io.err.isTerminal
    if (options.paths.isEmpty || options.paths.contains("-")) && io.stdinIsTerminal {
      try? io.err.write("lockscope: reading events from standard input (end with Ctrl-D; see --help)\n")
      try? io.err.flush()
    }
    return analysis
  }

  private static func style(_ options: CommandLineOptions, _ io: ConsoleIO) -> TerminalStyle {
    switch options.color {
    case .auto: .auto(isTerminal: io.out.isTerminal, environment: io.environment)
    case .always: TerminalStyle(enabled: true)
    case .never: .plain
    }
  }

  /// `--since`/`--until`, or `--around` ± `--window`.
  private static func window(_ options: CommandLineOptions, unit: TimeUnit?) throws(UsageError) -> (Int64, Int64) {
    if let around = options.aroundText {
      guard options.sinceText == nil && options.untilText == nil else {
        throw UsageError("--around sets the window itself: give it or --since/--until, not both.")
      }
      let center = try time(around, option: "around", unit: unit)!  // text given
      // Saturating: a window wider than the times a log can hold reaches to their ends (it
      // used to wrap around and trap in the engine).
      return (center.subtractingSaturating(options.window), center.addingSaturating(options.window))
    }
    let since = try time(options.sinceText, option: "since", unit: unit) ?? .min
    let until = try time(options.untilText, option: "until", unit: unit) ?? .max
    guard since <= until else {
      throw UsageError("--since (\(options.sinceText ?? "")) is after --until (\(options.untilText ?? "")): the window would be empty.")
    }
    return (since, until)
  }

  private static func time(_ text: String?, option: String, unit: TimeUnit?) throws(UsageError) -> Int64? {
    guard let text else { return nil }
    guard let nanos = Timestamp.parse(text, unit: unit) else {
      throw UsageError("--\(option) takes an RFC 3339 time or an epoch number, not '\(text)'.")
    }
    return nanos
  }

  private static func usageError(_ message: String, command: Command, io: ConsoleIO) {
    try? io.err.write("Error: \(message)\n")
    try? io.err.write("Usage: \(HelpText.usage(command))\n")
    try? io.err.write("  See 'lockscope \(command.rawValue) --help' for more information.\n")
  }
}
