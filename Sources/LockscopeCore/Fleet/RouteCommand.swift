import Foundation

/// `lockscope route` (SPEC §7, the map step): reads one input partition once, writes each
/// event, compacted, to its lock's shard file (`ShardHash`), and a partition summary with
/// the lock-order edges its agents took. Memory: the analysis's, plus one output buffer a
/// shard.
enum RouteCommand {
  /// The agent of the span marks: a `crash` of this name, with no lock, at the partition's
  /// first and last event, written to every shard so each shard's span is the whole
  /// log's (an unfinished hold runs to the log's end, not to its shard's last event).
  /// Nothing else changes: the agent holds and waits for nothing, and summaries drop it.
  static let spanAgent = "lockscope.route/span"
  /// The partition summary's name in `--out DIR`.
  static let summaryName = "partition.summary.json"
  static let maximumShards = 4096

  /// A shard's file in `--out DIR`.
  static func shardFileName(_ shard: Int) -> String {
    let digits = String(shard)
    return "shard-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".jsonl"
  }

  /// Routes `paths` into `directory` (created if missing) and returns the partition summary
  /// (also written there).
  static func run(
    paths: [String], shards: Int, directory: String, options: AnalysisOptions, warn: @escaping (String) -> Void
  ) throws(InputError) -> FleetSummary {
    var options = options
    options.findings.enabled = true
    options.findings.recordsEdgeHistory = true
    let sources = try LogAnalysis.openAll(paths)
    let outputs = try openShards(shards, in: directory)
    var writerFailure: InputError?
    let (report, builder) = try LogAnalysis.analyze(
      sources: sources, options: options, warn: warn,
      observe: { analyzers, context in
        context.traces.capturing = true
        return ObserverPair(analyzers, RouteWriter(outputs: outputs, context: context))
      },
      analyzers: { $0.first },
      drive: { streams, engine throws(InputError) in try LogAnalysis.stream(streams, into: engine) })
    for (shard, sink) in outputs.enumerated() {
      try? sink.flush()
      if let failure = sink.failureMessage, writerFailure == nil {
        writerFailure = InputError("\(directory)/\(shardFileName(shard)): \(failure)")
      }
      close(sink.descriptor)
    }
    if let writerFailure { throw writerFailure }
    var summary = builder.shardSummary(report, recorder: ShardRecorder(agentNames: NameTable()))
    summary.kind = .partition
    // A partition's findings and rows are its shards' to report: it keeps what only it saw.
    summary.locks = []
    summary.agents = []
    summary.findings = []
    summary.findingCounts = []
    summary.anomalyCounts = []
    summary.seenLocks = 0
    summary.heldTotal = 0
    summary.totalQueueMax = 0
    summary.totalQueueIntegral = 0
    summary.lockCount = 0
    let path = directory + "/" + summaryName
    let bytes = SummaryWriter.bytes(summary)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
      throw InputError("cannot write \(path)")
    }
    return summary
  }

  private static func openShards(_ shards: Int, in directory: String) throws(InputError) -> [ShardSink] {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw InputError("cannot create \(directory): \(error.localizedDescription)")
    }
    FileLimit.makeRoom(for: shards + 8)
    var sinks: [ShardSink] = []
    for shard in 0..<shards {
      let path = directory + "/" + shardFileName(shard)
      let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      guard fd >= 0 else {
        let reason = String(cString: strerror(errno))
        for sink in sinks { close(sink.descriptor) }
        throw InputError("cannot write \(path): \(reason)")
      }
      sinks.append(ShardSink(fd: fd))
    }
    return sinks
  }
}

/// A shard's output file: a `TextSink` that remembers its descriptor to close it.
final class ShardSink {
  let descriptor: Int32
  private let sink: TextSink
  init(fd: Int32) {
    descriptor = fd
    sink = TextSink(fd: fd)
  }
  func write(_ text: String) { try? sink.write(text) }
  func flush() throws(TextSink.Stopped) { try sink.flush() }
  var failureMessage: String? { sink.failureMessage ?? (sink.isBroken ? "write failed" : nil) }
}

/// Writes each applied event to its shard, in the canonical field names, the time as RFC
/// 3339 with nine fraction digits (no unit to guess), every optional field it carried.
struct RouteWriter: TimelineObserver {
  let outputs: [ShardSink]
  let context: LogAnalysis.Context
  private var marked = false
  private var lastTime: Int64 = .min

  init(outputs: [ShardSink], context: LogAnalysis.Context) {
    self.outputs = outputs
    self.context = context
  }

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { true }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    if !marked {
      marked = true
      mark(at: event.time)
    }
    lastTime = max(lastTime, event.time)
    let line = RouteWriter.line(event, context: context)
    if event.kind == .crash {
      for output in outputs { output.write(line) }
    } else {
      outputs[ShardHash.shard(ofLock: context.locks.bytes(event.lock.rawValue), shards: outputs.count)].write(line)
    }
  }

  mutating func finished(at end: Int64) {
    if marked { mark(at: lastTime) }
  }

  private func mark(at time: Int64) {
    var writer = JSONWriter(compact: true)
    writer.beginObject()
    writer.field("ts", Timestamp.rfc3339(time))
    writer.field("event", "crash")
    writer.field("agent", RouteCommand.spanAgent)
    writer.endObject()
    let line = writer.text + "\n"
    for output in outputs { output.write(line) }
  }

  /// One event as a JSON line.
  static func line(_ event: LockEvent, context: LogAnalysis.Context) -> String {
    var writer = JSONWriter(compact: true)
    writer.beginObject()
    writer.field("ts", Timestamp.rfc3339(event.time))
    writer.field("event", event.kind.name)
    writer.field("agent", context.agents.name(event.agent.rawValue))
    if event.kind != .crash {
      writer.field("lock", context.locks.name(event.lock.rawValue))
      if event.mode == .shared { writer.field("mode", "shared") }
      if event.capacity > 0 { writer.field("capacity", Int(event.capacity)) }
      if event.leaseNanos >= 0 { writer.number("lease_ms", millis(event.leaseNanos)) }
      if event.expectedNanos >= 0 { writer.number("expected_ms", millis(event.expectedNanos)) }
      if event.hasToken { writer.field("token", event.token) }
    }
    if event.site >= 0 { writer.field("site", context.sites.name(event.site)) }
    if let trace = context.traces.context(event.traceSlot) {
      if let id = trace.traceID { writer.field("trace_id", id) }
      if let id = trace.spanID { writer.field("span_id", id) }
    }
    writer.endObject()
    return writer.text + "\n"
  }

  /// Nanoseconds as an exact decimal number of milliseconds.
  static func millis(_ nanos: Int64) -> String {
    var fraction = String(nanos % 1_000_000)
    fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return String(nanos / 1_000_000) + (fraction.isEmpty ? "" : "." + fraction)
  }
}
