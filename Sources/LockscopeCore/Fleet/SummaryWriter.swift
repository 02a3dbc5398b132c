/// Writes a `FleetSummary` as one line of JSON (SPEC §7). Every number is exact: integers
/// as integers (128-bit sums included), doubles in their shortest round-tripping form,
/// digests as their samples or their non-empty buckets — reading it back loses nothing.
enum SummaryWriter {
  static func bytes(_ summary: FleetSummary) -> [UInt8] {
    var json = JSONWriter(compact: true)
    json.beginObject()
    json.field("format", FleetSummary.format)
    json.field("version", FleetSummary.version)
    json.field("kind", summary.kind.rawValue)
    strings(&json, "inputs", summary.inputs)
    json.field("events", summary.events)
    json.field("skipped_lines", summary.skippedLines)
    objects(&json, "skipped", summary.skipped) { json, entry in
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
    objects(&json, "locks", summary.locks) { json, part in
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
    objects(&json, "agents", summary.agents) { json, part in
      json.field("name", part.name)
      metrics(&json, part.metrics)
      json.field("held_any_ns", part.heldAnyNanos)
    }
    json.beginArray("findings")
    for finding in summary.findings { self.finding(&json, finding) }
    json.endArray()
    counts(&json, "finding_counts", summary.findingCounts)
    counts(&json, "anomaly_counts", summary.anomalyCounts)
    objects(&json, "edges", summary.edges) { json, edge in
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
    objects(&json, "wait_spans", summary.waitSpans) { json, span in
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
    return json.bytes + [UInt8(ascii: "\n")]
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

  private static func finding(_ json: inout JSONWriter, _ finding: Finding) {
    json.beginObject()
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
    json.endObject()
  }

  /// `"key": [{…}, …]`: one object per item, its fields written by `fields`.
  private static func objects<Item>(
    _ json: inout JSONWriter, _ key: JSONKey, _ items: [Item], _ fields: (inout JSONWriter, Item) -> Void
  ) {
    json.beginArray(key)
    for item in items {
      json.beginObject()
      fields(&json, item)
      json.endObject()
    }
    json.endArray()
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
