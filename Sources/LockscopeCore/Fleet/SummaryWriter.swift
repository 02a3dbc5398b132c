/// Writes a `FleetSummary` as one line of JSON (SPEC §7). Every number is exact: integers
/// as integers (128-bit sums included), doubles in their shortest round-tripping form,
/// digests as their samples or their non-empty buckets — reading it back loses nothing.
///
/// The line goes out in parts of about `partBytes`, each after a whole element of one of
/// the long arrays: a shard of 200 agents keeps up to 8 wait spans for each pair of them,
/// and one buffer holding all of a 90 MB summary (then copied for the write) took 365 MB.
enum SummaryWriter {
  /// About how many bytes are written before they are sent out.
  static let partBytes = 1 << 18

  /// The whole line, newline included (tests, `route`'s small edge summaries).
  static func bytes(_ summary: FleetSummary) -> [UInt8] {
    var all: [UInt8] = []
    write(summary) { all.append(contentsOf: $0) }
    return all
  }

  /// Sends the line, newline included, to `emit` in parts of about `partBytes` (tests make
  /// them small).
  static func write<Failure: Error>(
    _ summary: FleetSummary, partBytes: Int = SummaryWriter.partBytes,
    to emit: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Void
  ) throws(Failure) {
    // One writer whose bytes go out whenever they pass `partBytes` at the end of an
    // element; rewinding keeps its nesting, so the next part begins with the comma due.
    var json = JSONWriter(compact: true, capacity: partBytes + (1 << 16))
    func send() throws(Failure) {
      try json.withBytes(emit)
      json.rewind(to: 0)
    }
    func sendIfFull() throws(Failure) {
      if json.byteCount >= partBytes { try send() }
    }
    /// `"key": [{…}, …]`: one object per item, its fields written by `fields`.
    func objects<Item>(_ key: JSONKey, _ items: [Item], _ fields: (inout JSONWriter, Item) -> Void) throws(Failure) {
      json.beginArray(key)
      for item in items {
        json.beginObject()
        fields(&json, item)
        json.endObject()
        try sendIfFull()
      }
      json.endArray()
    }

    json.beginObject()
    json.field("format", FleetSummary.format)
    json.field("version", FleetSummary.version)
    json.field("kind", summary.kind.rawValue)
    strings(&json, "inputs", summary.inputs)
    json.field("events", summary.events)
    json.field("skipped_lines", summary.skippedLines)
    try objects("skipped", summary.skipped) { json, entry in
      json.field("input", entry.input)
      json.field("line", entry.line)
      json.field("reason", entry.reason)
    }
    optional(&json, "first_ns", summary.firstTime)
    optional(&json, "last_ns", summary.lastTime)
    json.field("lock_names", summary.lockCount)
    strings(&json, "agent_names", summary.agentNames)
    json.field("findings_analyzed", summary.findingsAnalyzed)
    json.field("seen_locks", summary.seenLocks)
    json.field("held_total_ns", summary.heldTotal)
    json.field("total_queue_max", summary.totalQueueMax)
    double(&json, "total_queue_integral", summary.totalQueueIntegral)
    try objects("locks", summary.locks) { json, part in
      json.field("name", part.name)
      metrics(&json, part.metrics)
      json.field("queue_max", part.queueMax)
      double(&json, "queue_integral", part.queueIntegral)
      json.field("held_ns", part.heldNanos)
      json.beginArray("blocked_by_agent")
      for entry in part.blockedByAgent {
        json.beginArray()
        json.string(entry.agent)
        json.number(nil, "\(entry.total)")
        json.number(nil, "\(entry.count)")
        json.endArray()
      }
      json.endArray()
    }
    try objects("agents", summary.agents) { json, part in
      json.field("name", part.name)
      metrics(&json, part.metrics)
      json.field("held_any_ns", part.heldAnyNanos)
    }
    try objects("findings", summary.findings, finding)
    counts(&json, "finding_counts", summary.findingCounts)
    counts(&json, "anomaly_counts", summary.anomalyCounts)
    try objects("edges", summary.edges) { json, edge in
      json.field("step", edge.step.rawValue)
      json.field("at_ns", edge.at)
      json.field("from", edge.from)
      json.field("to", edge.to)
      strings(&json, "agents", edge.agents)
      strings(&json, "gates", edge.gates)
      json.field("shared_only", edge.sharedOnly)
      json.field("held_at", edge.heldAt)
      json.field("acquired_at", edge.acquiredAt)
      json.field("ts_ns", edge.time)
    }
    try objects("wait_spans", summary.waitSpans) { json, span in
      json.field("waiter", span.waiter)
      json.field("holder", span.holder)
      json.field("lock", span.lock)
      json.field("start_ns", span.start)
      optional(&json, "end_ns", span.end)
      json.field("ended_by", span.endedBy)
      json.field("source", span.source)
    }
    json.field("wait_spans_dropped", summary.waitSpansDropped)
    json.endObject()
    try send()
    var newline = UInt8(ascii: "\n")
    try withUnsafePointer(to: &newline) { (byte) throws(Failure) in try emit(UnsafeBufferPointer(start: byte, count: 1)) }
  }

  private static func metrics(_ json: inout JSONWriter, _ row: MetricAccumulator) {
    json.beginObject("metrics")
    for field in SummaryMetricField.all {
      switch field {
      case .count(let key, let path): json.field(key, row[keyPath: path])
      case .nanos(let key, let path): json.field(key, row[keyPath: path])
      case .total(let key, let path): json.field(key, row[keyPath: path])
      case .real(let key, let path): double(&json, JSONKey(key), row[keyPath: path])
      case .digest(let key, let path): digest(&json, JSONKey(key), row[keyPath: path])
      }
    }
    json.endObject()
  }

  /// `{"n":…,"sum":…,"min":…,"max":…}` and `"samples"` (exact) or `"buckets"`: flat
  /// (index, count) pairs of `LatencyDigest`'s base-2 buckets (SPEC §7).
  private static func digest(_ json: inout JSONWriter, _ key: JSONKey, _ digest: LatencyDigest) {
    json.beginObject(key)
    json.field("n", digest.count)
    if digest.count > 0 {
      json.field("sum", digest.sum)
      json.field("min", digest.min)
      json.field("max", digest.max)
      if digest.isExact {
        json.beginArray("samples")
        for sample in digest.samples { json.number(nil, "\(sample)") }
        json.endArray()
      } else {
        json.beginArray("buckets")
        for (index, count) in digest.nonEmptyBuckets {
          json.number(nil, "\(index)")
          json.number(nil, "\(Int(count))")
        }
        json.endArray()
      }
    }
    json.endObject()
  }

  /// A finding's fields (its object is opened by `objects`).
  private static func finding(_ json: inout JSONWriter, _ finding: Finding) {
    json.field("kind", finding.kind.rawValue)
    json.field("severity", finding.severity.rawValue)
    strings(&json, "locks", finding.locks)
    strings(&json, "agents", finding.agents)
    json.field("ts_ns", finding.time)
    json.field("source", finding.source)
    json.field("message", finding.message)
    json.field("remedy", finding.remedy)
    json.field("count", finding.count)
    json.value("details", .object(finding.details.map { ($0.key, $0.value) }))
  }

  private static func counts(_ json: inout JSONWriter, _ key: JSONKey, _ counts: [(kind: String, count: Int)]) {
    json.beginObject(key)
    for (kind, count) in counts { json.field(kind, count) }
    json.endObject()
  }

  private static func strings(_ json: inout JSONWriter, _ key: JSONKey, _ values: [String]) {
    json.beginArray(key)
    for value in values { json.string(value) }
    json.endArray()
  }

  private static func optional(_ json: inout JSONWriter, _ key: JSONKey, _ value: Int64?) {
    if let value { json.field(key, value) } else { json.number(key, "null") }
  }

  /// Shortest round-tripping form; a non-finite value (never produced) as 0.
  private static func double(_ json: inout JSONWriter, _ key: JSONKey, _ value: Double) {
    json.number(key, value.isFinite ? "\(value)" : "0")
  }
}
