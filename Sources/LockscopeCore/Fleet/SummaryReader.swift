/// Reads a summary written by `SummaryWriter` (SPEC §7), refusing — with one line saying
/// why — a summary of another format or version, or one whose values are out of range or
/// contradict each other. Every count is capped (`maximumCount`) so that summing thousands
/// of summaries cannot overflow.
enum SummaryReader {
  /// 2⁴⁸: more events than a summary can honestly hold, and 2¹⁴ summaries of it still fit.
  static let maximumCount: Int64 = 1 << 48
  /// Larger than any sum of `maximumCount` durations.
  static let maximumTotal: Int128 = Int128(maximumCount) * Int128(Int64.max)

  static func read(_ bytes: [UInt8], name: String) throws(SummaryError) -> FleetSummary {
    do {
      return try decode(try SummaryJSONParser.parse(bytes))
    } catch {
      throw SummaryError("\(name): \(error.message)")
    }
  }

  static func decode(_ json: SummaryJSON) throws(SummaryError) -> FleetSummary {
    guard case .object = json else { throw SummaryError("not a lockscope summary (not a JSON object)") }
    guard case .string(let format)? = json["format"], format == FleetSummary.format else {
      throw SummaryError("not a lockscope summary (no \"format\": \"\(FleetSummary.format)\")")
    }
    let version = try int(json, "version", in: 0...Int64(Int32.max))
    guard version == FleetSummary.version else {
      throw SummaryError(
        "summary version \(version), but this lockscope reads version \(FleetSummary.version) (write it again with the same lockscope)")
    }
    let kindText = try string(json, "kind")
    guard let kind = FleetSummary.Kind(rawValue: kindText) else { throw SummaryError("unknown summary kind \"\(kindText)\"") }
    var summary = FleetSummary(kind: kind)
    summary.inputs = try strings(json, "inputs")
    summary.events = try int(json, "events", in: 0...maximumCount)
    summary.skippedLines = Int(try int(json, "skipped_lines", in: 0...maximumCount))
    summary.skipped = try array(json, "skipped").map { (entry) throws(SummaryError) in
      SkippedLines.Entry(
        input: try string(entry, "input"), line: try int(entry, "line", in: 0...Int64.max), reason: try string(entry, "reason"))
    }
    summary.firstTime = try optionalTime(json, "first_ns")
    summary.lastTime = try optionalTime(json, "last_ns")
    if let first = summary.firstTime, let last = summary.lastTime, first > last { throw SummaryError("\"first_ns\" is after \"last_ns\"") }
    if (summary.firstTime == nil) != (summary.lastTime == nil) { throw SummaryError("\"first_ns\" and \"last_ns\" must both be given") }
    summary.lockCount = Int(try int(json, "lock_names", in: 0...maximumCount))
    summary.agentNames = try strings(json, "agent_names")
    summary.findingsAnalyzed = try bool(json, "findings_analyzed")
    summary.seenLocks = Int(try int(json, "seen_locks", in: 0...maximumCount))
    summary.heldTotal = try int(json, "held_total_ns", in: 0...Int64.max)
    summary.totalQueueMax = Int(try int(json, "total_queue_max", in: 0...maximumCount))
    summary.totalQueueIntegral = try double(json, "total_queue_integral")
    summary.locks = try array(json, "locks").map { (entry) throws(SummaryError) in
      var part = FleetSummary.LockPart(name: try string(entry, "name"))
      part.metrics = try metrics(entry)
      part.queueMax = Int(try int(entry, "queue_max", in: 0...maximumCount))
      part.queueIntegral = try double(entry, "queue_integral")
      part.heldNanos = try int(entry, "held_ns", in: 0...Int64.max)
      part.blockedByAgent = try array(entry, "blocked_by_agent").map { (triple) throws(SummaryError) in
        guard case .array(let items) = triple, items.count == 3, case .string(let agent) = items[0] else {
          throw SummaryError("\"blocked_by_agent\" entries must be [agent, total_ns, count]")
        }
        return (agent, try totalValue(items[1], "blocked_by_agent"), Int(try integer(items[2], "blocked_by_agent", in: 1...maximumCount)))
      }
      return part
    }
    summary.agents = try array(json, "agents").map { (entry) throws(SummaryError) in
      var part = FleetSummary.AgentPart(name: try string(entry, "name"))
      part.metrics = try metrics(entry)
      part.heldAnyNanos = try int(entry, "held_any_ns", in: 0...Int64.max)
      return part
    }
    summary.findings = try array(json, "findings").map(finding)
    summary.findingCounts = try counts(json, "finding_counts")
    summary.anomalyCounts = try counts(json, "anomaly_counts")
    summary.edges = try array(json, "edges").map { (entry) throws(SummaryError) in
      let agents = try strings(entry, "agents")
      guard agents.count == 1 || agents.count == 2 else { throw SummaryError("an edge must name one or two agents") }
      let stepText = try string(entry, "step")
      guard let step = LockOrderAnalyzer.Witness.Step(rawValue: stepText) else { throw SummaryError("unknown edge step \"\(stepText)\"") }
      return FleetSummary.OrderEdge(
        step: step, at: try time(entry, "at_ns"), from: try string(entry, "from"), to: try string(entry, "to"), agents: agents,
        gates: try strings(entry, "gates"),
        sharedOnly: try bool(entry, "shared_only"), heldAt: try string(entry, "held_at"),
        acquiredAt: try string(entry, "acquired_at"), time: try time(entry, "ts_ns"))
    }
    summary.waitSpans = try array(json, "wait_spans").map { (entry) throws(SummaryError) in
      let span = FleetSummary.WaitSpan(
        waiter: try string(entry, "waiter"), holder: try string(entry, "holder"), lock: try string(entry, "lock"),
        start: try time(entry, "start_ns"), end: try optionalTime(entry, "end_ns"), endedBy: try optionalString(entry, "ended_by"),
        source: try string(entry, "source"))
      if let end = span.end, end < span.start { throw SummaryError("a wait span that ends before it starts") }
      return span
    }
    summary.waitSpansDropped = Int(try int(json, "wait_spans_dropped", in: 0...maximumCount))
    return summary
  }

  private static func metrics(_ entry: SummaryJSON) throws(SummaryError) -> MetricAccumulator {
    guard let json = entry["metrics"] else { throw SummaryError("missing \"metrics\"") }
    var row = MetricAccumulator()
    for field in SummaryMetricField.all {
      switch field {
      case .count(let key, let path): row[keyPath: path] = Int(try int(json, key, in: 0...maximumCount))
      case .nanos(let key, let path): row[keyPath: path] = try int(json, key, in: 0...Int64.max)
      case .total(let key, let path): row[keyPath: path] = try total(json, key)
      case .real(let key, let path): row[keyPath: path] = try double(json, key)
      case .digest(let key, let path): row[keyPath: path] = try digest(json, key)
      }
    }
    return row
  }

  private static func digest(_ parent: SummaryJSON, _ key: String) throws(SummaryError) -> LatencyDigest {
    guard let json = parent[key] else { throw SummaryError("missing \"\(key)\"") }
    let count = Int(try int(json, "n", in: 0...maximumCount))
    guard count > 0 else { return LatencyDigest() }
    var samples: [Int64] = []
    var buckets: [(index: Int, count: UInt32)] = []
    if json["samples"] != nil {
      samples = try array(json, "samples").map { (value) throws(SummaryError) in try integer(value, "samples", in: 0...Int64.max) }
    }
    if json["buckets"] != nil {
      let flat = try array(json, "buckets").map { (value) throws(SummaryError) in try integer(value, "buckets", in: 0...Int64(UInt32.max)) }
      guard flat.count % 2 == 0 else { throw SummaryError("\"\(key)\" buckets must be (index, count) pairs") }
      buckets = stride(from: 0, to: flat.count, by: 2).map { (Int(flat[$0]), UInt32(flat[$0 + 1])) }
    }
    guard
      let digest = LatencyDigest(
        count: count, sum: try total(json, "sum"), min: try int(json, "min", in: 0...Int64.max),
        max: try int(json, "max", in: 0...Int64.max), samples: samples, buckets: buckets)
    else { throw SummaryError("\"\(key)\": its count, sum, extremes and samples or buckets disagree") }
    return digest
  }

  private static func finding(_ json: SummaryJSON) throws(SummaryError) -> Finding {
    let severityText = try string(json, "severity")
    guard let severity = Finding.Severity(rawValue: severityText) else { throw SummaryError("unknown severity \"\(severityText)\"") }
    guard case .object(let pairs)? = json["details"] else { throw SummaryError("a finding's \"details\" must be an object") }
    let kindText = try string(json, "kind")
    guard let kind = FindingKind(rawValue: kindText) else { throw SummaryError("unknown finding kind \"\(kindText)\"") }
    return Finding(
      kind: kind, severity: severity, locks: try strings(json, "locks"), agents: try strings(json, "agents"),
      time: try time(json, "ts_ns"), source: try string(json, "source"), message: try string(json, "message"),
      remedy: try string(json, "remedy"), details: pairs.map { ($0.0, value($0.1)) },
      count: Int(try int(json, "count", in: 0...maximumCount)))
  }

  /// A finding detail as the report writes it.
  private static func value(_ json: SummaryJSON) -> JSONValue {
    switch json {
    case .null: .null
    case .bool(let flag): .bool(flag)
    case .string(let text): .string(text)
    case .number(let text): Int64(text).map(JSONValue.int) ?? .double(Double(text).flatMap { $0.isFinite ? $0 : nil } ?? 0)
    case .array(let items): .array(items.map(value))
    case .object(let pairs): .object(pairs.map { ($0.0, value($0.1)) })
    }
  }

  private static func counts(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> [(kind: String, count: Int)] {
    guard case .object(let pairs)? = json[key] else { throw SummaryError("\"\(key)\" must be an object") }
    return try pairs.map { (pair) throws(SummaryError) in (pair.0, Int(try integer(pair.1, key, in: 0...maximumCount))) }
  }

  // MARK: Typed fields

  private static func field(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> SummaryJSON {
    guard let value = json[key] else { throw SummaryError("missing \"\(key)\"") }
    return value
  }

  private static func string(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> String {
    guard case .string(let text) = try field(json, key) else { throw SummaryError("\"\(key)\" must be a string") }
    return text
  }

  private static func optionalString(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> String? {
    if case .null = try field(json, key) { return nil }
    return try string(json, key)
  }

  private static func bool(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Bool {
    guard case .bool(let flag) = try field(json, key) else { throw SummaryError("\"\(key)\" must be true or false") }
    return flag
  }

  private static func array(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> [SummaryJSON] {
    guard case .array(let items) = try field(json, key) else { throw SummaryError("\"\(key)\" must be an array") }
    return items
  }

  private static func strings(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> [String] {
    try array(json, key).map { (item) throws(SummaryError) in
      guard case .string(let text) = item else { throw SummaryError("\"\(key)\" must hold strings") }
      return text
    }
  }

  private static func int(_ json: SummaryJSON, _ key: String, in range: ClosedRange<Int64>) throws(SummaryError) -> Int64 {
    try integer(try field(json, key), key, in: range)
  }

  private static func integer(_ json: SummaryJSON, _ key: String, in range: ClosedRange<Int64>) throws(SummaryError) -> Int64 {
    guard case .number(let text) = json, let value = Int64(text), range.contains(value) else {
      throw SummaryError("\"\(key)\" must be an integer in \(range.lowerBound)...\(range.upperBound)")
    }
    return value
  }

  private static func time(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Int64 {
    try int(json, key, in: Timestamp.supported)
  }

  private static func optionalTime(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Int64? {
    if case .null = try field(json, key) { return nil }
    return try time(json, key)
  }

  private static func total(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Int128 {
    try totalValue(try field(json, key), key)
  }

  private static func totalValue(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Int128 {
    guard case .number(let text) = json, let value = Int128(text), value >= 0, value <= maximumTotal else {
      throw SummaryError("\"\(key)\" must be a non-negative integer of nanoseconds")
    }
    return value
  }

  private static func double(_ json: SummaryJSON, _ key: String) throws(SummaryError) -> Double {
    guard case .number(let text) = try field(json, key), let value = Double(text), value.isFinite, value >= 0, value < 1e30 else {
      throw SummaryError("\"\(key)\" must be a non-negative number")
    }
    return value
  }
}
