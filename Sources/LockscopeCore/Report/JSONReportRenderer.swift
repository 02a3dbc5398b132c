/// The JSON report of SPEC §5. Keys may be added; the ones there must stay.
struct JSONReportRenderer: ReportRenderer {
  /// On one line (`watch --format json` ends its JSON Lines with the report).
  let compact: Bool

  init(compact: Bool = false) { self.compact = compact }

  func render(_ report: Report) -> String {
    String(decoding: bytes(report), as: UTF8.self)
  }

  /// Written as bytes, and in parts: a report of a million rows is hundreds of megabytes,
  /// never held whole (`stream`), nor copied into a `String`.
  func write(_ report: Report, to sink: TextSink) throws(TextSink.Stopped) {
    try stream(report) { (part) throws(TextSink.Stopped) in try sink.write(bytes: part) }
  }

  func bytes(_ report: Report) -> [UInt8] {
    var bytes: [UInt8] = []
    stream(report) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// About how many bytes of rows are written at a time.
  static let rowChunkBytes = 1 << 20

  /// The report in consecutive parts, each lent to `emit` straight from a writer's buffer
  /// (no copy). The lock, agent and family rows are made and written a megabyte at a time
  /// (`MetricsRows` makes each as it is read), in place of one empty string that stands for
  /// them in the report's own writer; the findings go out a megabyte at a time too. No
  /// part of the report is held whole.
  func stream<Failure: Error>(_ report: Report, _ emit: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Void)
    throws(Failure)
  {
    var json = JSONWriter(compact: compact)
    json.beginObject()
    json.beginObject("summary")
    json.field("events", report.summary.events)
    json.field("skipped_lines", report.summary.skippedLines)
    json.field("first_ts", report.summary.firstTime.map(Timestamp.rfc3339))
    json.field("last_ts", report.summary.lastTime.map(Timestamp.rfc3339))
    json.field("locks", report.summary.locks)
    json.field("agents", report.summary.agents)
    json.field("findings_analyzed", report.summary.findingsAnalyzed)
    json.beginArray("out_of_order")
    for (input, events, skew) in report.summary.outOfOrder {
      json.beginObject()
      json.field("input", input)
      json.field("events", events)
      json.field("worst_skew_ns", skew)
      json.endObject()
    }
    json.endArray()
    json.field("reorder_window_ns", report.summary.reorderWindow)
    if let (locks, ignored) = report.summary.otlpSpans {
      json.field("otlp_spans", locks)
      json.field("otlp_spans_ignored", ignored)
    }
    // Only when they apply, so reports of ordinary logs keep their keys.
    if let zone = report.summary.assumedTimeZone { json.field("assumed_timezone", zone) }
    if let hint = report.summary.remapHint, NoEvents.mostLinesSkipped(report.summary) { json.field("remap_hint", hint) }
    json.beginArray("inputs")
    for input in report.summary.inputs { json.string(input) }
    json.endArray()
    json.beginObject("anomalies")
    for (kind, count) in report.anomalyCounts { json.field(kind.rawValue, count) }
    json.endObject()
    json.beginObject("findings")
    for (kind, count) in report.findingCounts { json.field(kind.rawValue, count) }
    json.endObject()
    json.endObject()

    json.beginObject("overall")
    JSONReportRenderer.writeMetrics(report.overall, into: &json)
    json.endObject()
    var tables = [("locks", "lock", report.locks), ("agents", "agent", report.agents)]
    if report.familiesAsked { tables.append(("families", "family", report.families)) }
    // What is written but not yet sent starts at `done`. A table's rows take the place of
    // one empty string, which leaves the writer knowing its array has an element: what
    // comes before it is sent, then the rows, and the rest resumes after it.
    var done = 0
    for (key, nameKey, rows) in tables {
      json.beginArray(key)
      if !rows.isEmpty {
        let at = json.byteCount
        json.string("")
        try JSONReportRenderer.emitParts(of: json, done..<at, emit)
        try streamRows(rows, key: key, nameKey: nameKey, familiesAsked: report.familiesAsked, emit)
        done = json.byteCount
      }
      json.endArray()
    }
    // Only when events carry `site`: reports of other logs keep their keys.
    if !report.sites.isEmpty {
      json.beginArray("sites")
      for row in report.sites {
        json.beginObject()
        json.field("site", row.name)
        json.field("attempts", row.attempts)
        json.field("acquisitions", row.acquisitions)
        json.field("timeouts", row.timeouts)
        Self.writeStats("wait", row.wait, into: &json)
        Self.writeStats("blocked", row.blocked, into: &json)
        Self.writeStats("hold", row.hold, unfinishedMax: row.unfinishedHoldMaxNanos, into: &json)
        json.field("wait_total_ns", row.waitTotalNanos)
        json.field("caused_wait_ns", row.causedWaitNanos)
        json.endObject()
      }
      json.endArray()
    }
    // Thousands of findings are megabytes: they go out a part at a time too, straight from
    // the writer's buffer, which is then rewound (its nesting kept) and reused.
    json.beginArray("findings")
    for finding in report.findings {
      json.beginObject()
      Self.write(finding, into: &json)
      json.endObject()
      guard json.byteCount - done >= JSONReportRenderer.rowChunkBytes else { continue }
      try JSONReportRenderer.emitParts(of: json, done..<json.byteCount, emit)
      json.rewind(to: 0)
      done = 0
    }
    json.endArray()
    json.endObject()
    try JSONReportRenderer.emitParts(of: json, done..<json.byteCount, emit)
  }

  /// `range` of what `json` wrote, in parts of at most `rowChunkBytes`, each ending on a whole
  /// UTF-8 character (a sink that decodes each part, as tests capture output, sees whole
  /// characters). An empty range is still one (empty) part, as the whole report was before.
  static func emitParts<Failure: Error>(
    of json: JSONWriter, _ range: Range<Int>, _ emit: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Void
  ) throws(Failure) {
    try json.withBytes { (written) throws(Failure) in
      var start = range.lowerBound
      repeat {
        var end = min(start + rowChunkBytes, range.upperBound)
        if end < range.upperBound {
          // Back to the first byte of a character: continuation bytes are 10xxxxxx.
          while end > start + 1 && written[end] & 0xC0 == 0x80 { end -= 1 }
        }
        try emit(UnsafeBufferPointer(rebasing: written[start..<end]))
        start = end
      } while start < range.upperBound
    }
  }

  /// A table's rows as the elements of its array, two levels deep as in the report, from
  /// one writer with the same nesting: each part goes out when it passes `rowChunkBytes`
  /// and the writer is rewound to reuse its buffer. The writer still knows its array has
  /// an element, so the parts after the first begin with the comma between elements.
  private func streamRows<Failure: Error>(
    _ rows: MetricsRows, key: String, nameKey: String, familiesAsked: Bool,
    _ emit: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Void
  ) throws(Failure) {
    var json = JSONWriter(compact: compact, capacity: JSONReportRenderer.rowChunkBytes + (1 << 16))
    json.beginObject()
    json.beginArray(key)
    let start = json.byteCount
    let name = JSONKey(nameKey)
    // Decided once, not for each of a million rows.
    let (agents, families) = (key == "agents", key == "families")
    let count = rows.count
    for index in 0..<count {
      let row = rows[index]
      json.beginObject()
      json.field(name, row.name)
      JSONReportRenderer.writeMetrics(row, into: &json)
      if agents {
        json.field("blocked_max", row.blockedMax)
      } else if families {
        json.field("locks", row.lockCount)
      } else if familiesAsked {
        json.field("family", row.family)
      }
      json.endObject()
      guard json.byteCount - start >= JSONReportRenderer.rowChunkBytes || index == count - 1 else { continue }
      try json.withBytes { (written) throws(Failure) in try emit(UnsafeBufferPointer(rebasing: written[start...])) }
      json.rewind(to: start)
    }
  }

  static func writeMetrics(_ row: MetricsRow, into json: inout JSONWriter) {
    json.field("attempts", row.attempts)
    json.field("acquisitions", row.acquisitions)
    json.field("timeouts", row.timeouts)
    writeStats("wait", row.wait, into: &json)
    writeStats("hold", row.hold, unfinishedMax: row.unfinishedHoldMaxNanos, into: &json)
    writeStats("blocked", row.blocked, into: &json)
    json.field("contention_rate", row.contentionRate)
    json.field("timeout_rate", row.timeoutRate)
    json.field("queue_max", row.queueMax)
    json.field("queue_mean", row.queueMean)
    json.field("utilization", row.utilization)
    json.field("wait_share", row.waitShare)
    json.field("caused_wait_ns", row.causedWaitNanos)
    json.field("wait_total_ns", row.waitTotalNanos)
    json.field("hold_total_ns", row.holdTotalNanos)
    if let fairness = row.fairness { json.field("fairness", fairness) } else { json.value("fairness", .null) }
    json.beginObject("hold_over_expected")
    json.field("count", row.overExpected)
    json.field("share", row.overExpectedShare)
    json.field("expected", row.expectedHolds)
    json.endObject()
  }

  /// `"wait": {"count", "mean_ns", "p50_ns", …}`; holds (`unfinishedMax` given) also
  /// count their unfinished ones.
  static func writeStats(_ key: JSONKey, _ stats: DurationStats, unfinishedMax: Int64? = nil, into json: inout JSONWriter) {
    json.beginObject(key)
    json.field("count", stats.count)
    json.field("mean_ns", stats.mean)
    json.field("p50_ns", stats.p50)
    json.field("p90_ns", stats.p90)
    json.field("p95_ns", stats.p95)
    json.field("p99_ns", stats.p99)
    json.field("max_ns", stats.max)
    if let unfinishedMax {
      json.field("unfinished", stats.unfinished)
      json.field("unfinished_max_ns", unfinishedMax)
    }
    json.endObject()
  }

  /// A finding's keys (SPEC §5), in an object already begun: `watch` writes its alerts so.
  static func write(_ finding: Finding, into json: inout JSONWriter) {
    json.field("kind", finding.kind.rawValue)
    json.field("severity", finding.severity.rawValue)
    json.beginArray("locks")
    for lock in finding.locks { json.string(lock) }
    json.endArray()
    json.beginArray("agents")
    for agent in finding.agents { json.string(agent) }
    json.endArray()
    json.field("ts", Timestamp.rfc3339(finding.time))
    json.field("source", finding.source)
    json.field("message", finding.message)
    json.field("remedy", finding.remedy)
    json.field("count", finding.count)
    for (key, value) in finding.details { json.value(key, value) }
  }
}
