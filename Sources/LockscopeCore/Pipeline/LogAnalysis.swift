import Foundation

/// What to read and how: the options every subcommand shares.
struct AnalysisOptions: Sendable {
  var fieldMap = FieldMap()
  var lockGlobs: [Glob] = []
  var agentGlobs: [Glob] = []
  var since: Int64 = .min
  var until: Int64 = .max
  var strict = false
  /// Bad lines printed on standard error as they are met.
  var shownSkippedLines = 10
  /// `--reorder-window`: late events within this distance are put back in time order, per input.
  var reorderWindow: Int64 = AnalysisOptions.defaultReorderWindow
  /// At most this many events of one input wait in the reorder window.
  var reorderLimit = AnalysisOptions.defaultReorderLimit
  /// `--max-line`: a longer line is skipped, however its bytes arrive.
  var maximumLineLength = 1 << 20
  /// SPEC §1: 100 ms of log time, at most 100,000 events a file (`watch`: 0).
  static let defaultReorderWindow: Int64 = 100_000_000
  static let defaultReorderLimit = 100_000
  /// `--from`: lock event lines, or OpenTelemetry spans read whole and sorted (SPEC §1b).
  var inputFormat = InputFormat.jsonl
  /// Show reading progress (bytes, rate, time left) on standard error: only set when it is
  /// a terminal; shown only for inputs past `ReadProgress.threshold`.
  var progressOnTerminal = false
  var findings = FindingOptions()
  /// `--expect-hold GLOB=DURATION`: expected holds of the locks whose acquires give none.
  var expectedHolds: [(glob: Glob, nanos: Int64)] = []
  /// `--family GLOB` / `--family auto`: locks reported together as one row too.
  var families = LockFamilies()
  /// `--prometheus-histograms`: keep cumulative bucket counts in the report's rows.
  var histograms = false
  /// `--threads`: 2 parses on a second thread while this one runs the timeline, the
  /// statistics counted by whichever of the two waits (`StatisticsQueue`); 3 or more adds a
  /// thread that only counts; 1 does it all here. The output is the same whichever.
  var threads = AnalysisOptions.defaultThreads
  /// One a core, up to three: a fourth thread would have no work to take, and on two cores
  /// a third only takes turns with the other two (measured: 6% slower than two).
  static let defaultThreads = min(3, max(1, ProcessInfo.processInfo.activeProcessorCount))
  /// `--threads 1`: how many events of an input are parsed before they are applied
  /// (`LogAnalysis.stream`); 1 is event by event (the tests compare the two).
  var parsedAtATime = LogAnalysis.parsedAtATime

  init() {}
}

/// The whole pipeline for one run: open the inputs, stream their events (merged by time
/// when there are several) through the timeline and the analyzers, and build the report.
enum LogAnalysis {
  /// Reads `paths` (`-` is standard input) and reports. Every input is opened before any
  /// is read, so a missing file fails fast. `warn` receives each shown bad line.
  static func run(paths: [String], options: AnalysisOptions, warn: @escaping (String) -> Void)
    throws(InputError) -> Report
  {
    try run(paths: paths, options: options, warn: warn, observe: { analyzers, _ in analyzers }, analyzers: { $0 }).report
  }

  /// What one run gives back: the report, and the observer that watched beside the analyzers.
  struct Outcome<Observer: TimelineObserver> {
    var report: Report
    var observer: Observer
  }

  /// What an extra observer needs to name things and know the window.
  struct Context {
    let agents: NameTable
    let locks: NameTable
    let selection: Selection
    let inputNames: [String]
    /// The `trace_id`/`span_id` of the event being applied.
    let traces: TraceContexts
    /// `site` names (`LockEvent.site` ids).
    let sites: NameTable
  }

  /// The same pipeline with another observer beside the analyzers (the timeline outputs):
  /// `observe` builds the engine's observer around the analyzers, `analyzers` gets them
  /// back for the report.
  /// `keeping` (the report's) keeps the events a hot lock's replay needs as they pass.
  static func run<Observer: TimelineObserver>(
    paths: [String], options: AnalysisOptions, warn: @escaping (String) -> Void,
    observe: (Analyzers, Context) -> Observer, analyzers: (Observer) -> Analyzers, keeping: HotLockEvents? = nil
  ) throws(InputError) -> Outcome<Observer> {
    let sources = try openAll(paths)
    let progress = ReadProgress.forInputs(paths, stderrIsTerminal: options.progressOnTerminal)
    for source in sources { source.progress = progress }
    defer { progress?.finish() }
    return try run(
      sources: sources, options: options, warn: warn, observe: observe, analyzers: analyzers, keeping: keeping,
      parseAhead: options.threads > 1,
      drive: { streams, engine throws(InputError) in
        try stream(streams, into: engine, keeping: keeping, parsedAtATime: options.parsedAtATime)
      })
  }

  /// The same over inputs already opened, with `drive` feeding their events to the engine
  /// (`lockscope watch` drives live inputs its own way).
  static func run<Observer: TimelineObserver>(
    sources: [ByteSource], options: AnalysisOptions, warn: @escaping (String) -> Void,
    observe: (Analyzers, Context) -> Observer, analyzers: (Observer) -> Analyzers, keeping: HotLockEvents? = nil,
    drive: ([EventStream], TimelineEngine<Observer>) throws(InputError) -> Void
  ) throws(InputError) -> Outcome<Observer> {
    try run(
      sources: sources, options: options, warn: warn, observe: observe, analyzers: analyzers, keeping: keeping, parseAhead: false,
      drive: drive)
  }

  private static func run<Observer: TimelineObserver>(
    sources: [ByteSource], options: AnalysisOptions, warn: @escaping (String) -> Void,
    observe: (Analyzers, Context) -> Observer, analyzers: (Observer) -> Analyzers, keeping: HotLockEvents?, parseAhead: Bool,
    drive: ([EventStream], TimelineEngine<Observer>) throws(InputError) -> Void
  ) throws(InputError) -> Outcome<Observer> {
    let (report, builder) = try analyze(
      sources: sources, options: options, warn: warn, observe: observe, analyzers: analyzers, keeping: keeping,
      parseAhead: parseAhead, drive: drive)
    return Outcome(report: report, observer: builder.engine.observer)
  }

  /// The pipeline itself; the builder stays for what a report does not show (a fleet
  /// summary's digests and time integrals). `parseAhead`: the files are read on a second
  /// thread (`ParseAhead`), and `drive` is not used; the engine's side names things with
  /// mirrors of the parser's tables.
  static func analyze<Observer: TimelineObserver>(
    sources: [ByteSource], options: AnalysisOptions, warn: @escaping (String) -> Void,
    observe: (Analyzers, Context) -> Observer, analyzers: (Observer) -> Analyzers, keeping: HotLockEvents? = nil,
    parseAhead wantsParseAhead: Bool = false,
    drive: ([EventStream], TimelineEngine<Observer>) throws(InputError) -> Void
  ) throws(InputError) -> (report: Report, builder: ReportBuilder<Observer>) {
    let parser = EventParser(fieldMap: options.fieldMap)
    let parseAhead = wantsParseAhead && options.inputFormat != .otlp
    let agents = parseAhead ? NameTable() : parser.agents
    let locks = parseAhead ? NameTable() : parser.locks
    let skipped = SkippedLines(shownLimit: options.shownSkippedLines, strict: options.strict, warn: warn)
    let otlp = options.inputFormat == .otlp ? OTLPInput(parser: parser, skipped: skipped) : nil
    let streams =
      otlp != nil
      ? []
      : sources.enumerated().map { index, source in
        EventStream(
          index: Int32(index), reader: LineReader(source: source, maximumLineLength: options.maximumLineLength),
          parser: parser, skipped: skipped,
          reorderWindow: options.reorderWindow, reorderLimit: options.reorderLimit)
      }
    let selection = Selection(
      lockGlobs: options.lockGlobs, agentGlobs: options.agentGlobs, since: options.since, until: options.until,
      lockNames: locks, agentNames: agents)
    let context = Context(
      agents: agents, locks: locks, selection: selection, inputNames: sources.map(\.name), traces: parser.traces,
      sites: parser.sites)
    // The analyzers as made, before `observe` wraps them: the parse-ahead queue shares
    // their statistics queue.
    let fresh = Analyzers(
      selection: selection, options: options.findings, lockNames: locks, expectedHolds: options.expectedHolds, families: options.families,
      counting: !parseAhead ? .inline : options.threads >= 3 ? .ownThread : .shared)
    let observer = observe(fresh, context)
    let engine = TimelineEngine(observer: observer, selection: selection)
    keeping?.start(lockNames: locks, agentNames: agents)
    if let otlp {
      try otlp.read(sources)
      otlp.feed(engine) { event in keep(event, applied: engine, in: keeping) }
    } else if parseAhead && appliesEachAsParsed(observer, capturingTraces: parser.traces.capturing) {
      try ParseAhead.driveInline(streams, parser: parser, agents: agents, locks: locks, into: engine, keeping: keeping)
    } else if parseAhead {
      try ParseAhead.drive(
        streams, parser: parser, agents: agents, locks: locks, into: engine, keeping: keeping, statistics: fresh.statisticsQueue)
    } else {
      try drive(streams, engine)
    }
    engine.finish()
    // The inputs are read: their buffers go now, and the freed pages back to the system,
    // before the report is built (the run's peak of memory).
    for stream in streams { stream.releaseBuffer() }
    FreedMemory.giveBack()
    var builder = ReportBuilder(
      engine: engine, analyzers: analyzers(engine.observer), agentNames: agents, lockNames: locks,
      inputNames: sources.map(\.name), findingOptions: options.findings)
    builder.siteNames = parser.sites
    builder.histograms = options.histograms
    builder.makesRowsAhead = wantsParseAhead
    var report = builder.build(events: otlp?.events ?? streams.reduce(0) { $0 + $1.events }, skipped: skipped)
    if let otlp { report.summary.otlpSpans = (otlp.lockSpans, otlp.ignoredSpans) }
    report.summary.outOfOrder = streams.filter { $0.outOfOrder > 0 }.map { ($0.name, $0.outOfOrder, $0.worstSkew) }
    report.summary.reorderWindow = otlp == nil ? options.reorderWindow : 0  // spans are sorted whole instead
    if parser.timestampsWithoutOffset > 0 { report.summary.assumedTimeZone = options.fieldMap.timeZone.name }
    report.summary.remapHint = parser.keyCensus.hint(fieldMap: options.fieldMap)
    return (report, builder)
  }

  static func openAll(_ paths: [String]) throws(InputError) -> [ByteSource] {
    var sources: [ByteSource] = []
    FileLimit.makeRoom(for: paths.count)
    for path in paths.isEmpty ? ["-"] : paths {
      sources.append(try ByteSource.opening(path))
    }
    return sources
  }

  /// Events of one input parsed before they are applied, on one thread: the parser's code,
  /// then the timeline's and the analyzers', each stays in the instruction cache for a
  /// batch. Parsed and applied in turn, an event at a time, their code evicted each other's:
  /// twice the instruction cache misses (16.6 against 7.9 M in 100,000 lines, cachegrind).
  static let parsedAtATime = 1024

  /// Whether events must be applied as each is parsed, not a batch ahead (either thread
  /// count): outputs that follow each event as it comes (the timelines name sites as they
  /// go), or that read its trace context, which the parser keeps for the event in flight
  /// only.
  static func appliesEachAsParsed<Observer: TimelineObserver>(_ observer: Observer, capturingTraces: Bool) -> Bool {
    observer.wantsEvents || capturingTraces
  }

  /// One input is read straight through, `parsedAtATime` events parsed, then applied (event
  /// by event where `appliesEachAsParsed`); several go through the time-ordered merge.
  static func stream<Observer>(
    _ streams: [EventStream], into engine: TimelineEngine<Observer>, keeping: HotLockEvents? = nil,
    parsedAtATime: Int = LogAnalysis.parsedAtATime
  ) throws(InputError) {
    if streams.count == 1 {
      let input = streams[0]
      if parsedAtATime > 1 && !appliesEachAsParsed(engine.observer, capturingTraces: input.capturesTraceContexts) {
        return try streamBatched(input, into: engine, keeping: keeping, size: parsedAtATime)
      }
      while let event = try input.next() {
        if apply(event, to: engine, keeping: keeping) { return }
      }
      return
    }
    let merged = MergedEventStream(inputs: streams)
    try merged.start()
    while let event = try merged.next() {
      if apply(event, to: engine, keeping: keeping) { return }
    }
  }

  /// `stream` of one input, `size` events parsed before they are applied. Every event read
  /// before a failure (a read error, a bad line under `--strict`) is applied before it is
  /// thrown, as event by event.
  private static func streamBatched<Observer>(
    _ input: EventStream, into engine: TimelineEngine<Observer>, keeping: HotLockEvents?, size: Int
  ) throws(InputError) {
    var batch: [LockEvent] = []
    batch.reserveCapacity(size)
    while true {
      var failure: InputError?
      do {
        while batch.count < size, let event = try input.next() { batch.append(event) }
      } catch {
        failure = error
      }
      for event in batch {
        if apply(event, to: engine, keeping: keeping) { return }
      }
      if let failure { throw failure }
      if batch.count < size { return }  // the input ended
      batch.removeAll(keepingCapacity: true)
    }
  }

  /// Applies `event` and hands it to `keeping` (`keep`): every driver's step, one thread or
  /// two. True once the observer wants no more events (its output was closed).
  @inline(__always)
  static func apply<Observer>(_ event: LockEvent, to engine: TimelineEngine<Observer>, keeping: HotLockEvents?) -> Bool {
    engine.apply(event)
    keep(event, applied: engine, in: keeping)
    return engine.observer.isDone
  }

  /// Hands `keeping` an event `engine` was given, if the engine looked at it (a crash, or
  /// a lock selected); a lock's wait so far is its queue integral.
  @inline(__always)
  static func keep<Observer>(_ event: LockEvent, applied engine: TimelineEngine<Observer>, in keeping: HotLockEvents?) {
    // Optional chaining, not `guard let`: a binding is a copy of the reference, one retain
    // and release per event.
    guard keeping != nil, event.kind == .crash || engine.selection.includes(event.lock) else { return }
    if keeping?.record(event) == true {
      keeping?.keepWithinBudget { lock in engine.locks.queueIntegral(lock.index) }
    }
  }
}
