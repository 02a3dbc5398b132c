/// The command-line program. `run` returns the exit status instead of exiting, so tests
/// call it directly; `main.swift` only passes the process's arguments and streams.
public enum LockscopeCLI {
  public static let version = "0.1.0"

  /// Exit statuses (SPEC §3).
  public enum ExitStatus {
    public static let success: Int32 = 0
    public static let violation: Int32 = 1
    public static let failure: Int32 = 2
  }

  /// Runs `lockscope` with `arguments` (without the program name).
  public static func run(_ arguments: [String], io: ConsoleIO) -> Int32 {
    let status = execute(arguments, io: io)
    do {
      try io.out.flush()
    } catch {
      return status  // the reader went away: nothing more to say, and nothing to say it to
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
      }
    } catch {
      return ExitStatus.success  // broken pipe: the reader has what it wanted
    }
  }

  private static func report(_ options: CommandLineOptions, io: ConsoleIO) throws(TextSink.BrokenPipe) -> Int32 {
    var analysis = options.analysis
    do {
      analysis.since = try time(options.sinceText, option: "since", unit: analysis.fieldMap.timeUnit) ?? .min
      analysis.until = try time(options.untilText, option: "until", unit: analysis.fieldMap.timeUnit) ?? .max
    } catch {
      usageError(error.message, command: options.command, io: io)
      return ExitStatus.failure
    }
    for path in options.suppressFiles {
      do {
        analysis.findings.suppressedCycles += try SuppressionFile.read(path)
      } catch {
        try? io.err.write("lockscope: \(error.message)\n")
        return ExitStatus.failure
      }
    }
    if (options.paths.isEmpty || options.paths.contains("-")) && io.stdinIsTerminal {
      try? io.err.write("lockscope: reading events from standard input (end with Ctrl-D; see --help)\n")
      try? io.err.flush()
    }
    let report: Report
    do {
      report = try LogAnalysis.run(paths: options.paths, options: analysis) { line in
        try? io.err.write("\(line)\n")
      }
    } catch {
      try? io.err.write("lockscope: \(error.message)\n")
      return ExitStatus.failure
    }
    let style: TerminalStyle
    switch options.color {
    case .auto: style = .auto(isTerminal: io.out.isTerminal, environment: io.environment)
    case .always: style = TerminalStyle(enabled: true)
    case .never: style = .plain
    }
    try io.out.write(options.format.renderer(style: style, top: options.top).render(report))
    return ExitStatus.success
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
