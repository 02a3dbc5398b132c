/// What to read and how: the options every subcommand shares.
public struct AnalysisOptions: Sendable {
  public var fieldMap = FieldMap()
  public var lockGlobs: [Glob] = []
  public var agentGlobs: [Glob] = []
  public var since: Int64 = .min
  public var until: Int64 = .max
  public var strict = false
  /// Bad lines printed on standard error as they are met.
  public var shownSkippedLines = 10
  public var findings = FindingOptions()

  public init() {}
}

/// The whole pipeline for one run: open the inputs, stream their events (merged by time
/// when there are several) through the timeline and the analyzers, and build the report.
public enum LogAnalysis {
  /// Reads `paths` (`-` is standard input) and reports. Every input is opened before any
  /// is read, so a missing file fails fast. `warn` receives each shown bad line.
  public static func run(paths: [String], options: AnalysisOptions, warn: @escaping (String) -> Void)
    throws(InputError) -> Report
  {
    let sources = try openAll(paths)
    let parser = EventParser(fieldMap: options.fieldMap)
    let skipped = SkippedLines(shownLimit: options.shownSkippedLines, strict: options.strict, warn: warn)
    let streams = sources.enumerated().map { index, source in
      InputStream(index: Int32(index), reader: LineReader(source: source), parser: parser, skipped: skipped)
    }
    let selection = Selection(
      lockGlobs: options.lockGlobs, agentGlobs: options.agentGlobs, since: options.since, until: options.until,
      lockNames: parser.locks, agentNames: parser.agents)
    let analyzers = Analyzers(selection: selection, options: options.findings, lockNames: parser.locks)
    let engine = TimelineEngine(observer: analyzers, selection: selection)
    try stream(streams, into: engine)
    engine.finish()
    let builder = ReportBuilder(
      engine: engine, agentNames: parser.agents, lockNames: parser.locks, inputNames: sources.map(\.name),
      findingOptions: options.findings)
    return builder.build(events: streams.reduce(0) { $0 + $1.events }, skipped: skipped)
  }

  static func openAll(_ paths: [String]) throws(InputError) -> [ByteSource] {
    var sources: [ByteSource] = []
    for path in paths.isEmpty ? ["-"] : paths {
      sources.append(try ByteSource(path: path))
    }
    return sources
  }

  /// One input is read straight through; several go through the time-ordered merge.
  static func stream<Observer>(_ streams: [InputStream], into engine: TimelineEngine<Observer>) throws(InputError) {
    if streams.count == 1 {
      let input = streams[0]
      while let event = try input.next() { engine.apply(event) }
      return
    }
    let merged = MergedEventStream(inputs: streams)
    try merged.start()
    while let event = try merged.next() { engine.apply(event) }
  }
}
