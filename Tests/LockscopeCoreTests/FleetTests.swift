import Foundation
import Testing

@testable import LockscopeCore

/// Routes `paths` to `shards` shards, summarises each shard, and merges the summaries
/// (each written and read back, as they travel between machines): SPEC §7's job in one process.
func fleetReport(_ paths: [String], shards: Int, partitions: Bool = true) throws -> Report {
  let directory = scratchDirectory.appendingPathComponent("lockscope-fleet-\(UUID().uuidString)").path
  defer { try? FileManager.default.removeItem(atPath: directory) }
  var summaries: [FleetSummary] = []
  // One partition per input file, as one file per process.
  for (index, path) in paths.enumerated() {
    let partition = try RouteCommand.run(
      paths: [path], shards: shards, directory: "\(directory)/p\(index)", options: AnalysisOptions()
    ) { _ in }
    if partitions { summaries.append(try roundTrip(partition)) }
  }
  for shard in 0..<shards {
    let files = paths.indices.map { "\(directory)/p\($0)/\(RouteCommand.shardFileName(shard))" }
    summaries.append(try roundTrip(try LogAnalysis.summarize(paths: files, options: AnalysisOptions()) { _ in }))
  }
  return SummaryMerge.merge(summaries, names: []).report
}

func roundTrip(_ summary: FleetSummary) throws -> FleetSummary {
  try SummaryReader.read(SummaryWriter.bytes(summary), name: "summary")
}

/// What SPEC §7 promises a merge keeps of the single-process report: counts, totals and
/// maxima exactly, percentiles within 1%, the same deadlocks, orphans and inversions (a
/// deadlock across shards as `possible-deadlock`). Returns what differs.
func fleetDifferences(_ merged: Report, _ whole: Report) -> [String] {
  var problems: [String] = []
  if merged.summary.events != whole.summary.events { problems.append("events \(merged.summary.events) != \(whole.summary.events)") }
  if merged.summary.firstTime != whole.summary.firstTime || merged.summary.lastTime != whole.summary.lastTime {
    problems.append("span differs")
  }
  if merged.summary.locks != whole.summary.locks || merged.summary.agents != whole.summary.agents {
    problems.append("locks/agents \(merged.summary.locks)/\(merged.summary.agents) != \(whole.summary.locks)/\(whole.summary.agents)")
  }
  func within(_ a: Int64, _ b: Int64) -> Bool { abs(Double(a) - Double(b)) <= 0.01 * Double(max(a, b)) + 1 }
  func compare(_ label: String, _ a: MetricsRow, _ b: MetricsRow, lockRow: Bool) {
    if a.attempts != b.attempts || a.acquisitions != b.acquisitions || a.timeouts != b.timeouts { problems.append("\(label): counts") }
    if a.waitTotalNanos != b.waitTotalNanos || a.holdTotalNanos != b.holdTotalNanos || a.blockedTotalNanos != b.blockedTotalNanos {
      problems.append("\(label): totals")
    }
    if abs(Double(a.causedWaitNanos) - Double(b.causedWaitNanos)) > 1 + 1e-9 * Double(b.causedWaitNanos) {
      problems.append("\(label): caused wait")
    }
    for (name, x, y) in [("wait", a.wait, b.wait), ("hold", a.hold, b.hold), ("blocked", a.blocked, b.blocked)] {
      if x.count != y.count || x.max != y.max || x.unfinished != y.unfinished { problems.append("\(label): \(name) count/max") }
      for (p, q) in [(x.p50, y.p50), (x.p90, y.p90), (x.p95, y.p95), (x.p99, y.p99), (x.mean, y.mean)] where !within(p, q) {
        problems.append("\(label): \(name) percentile \(p) vs \(q)")
      }
    }
    if abs(a.contentionRate - b.contentionRate) > 1e-9 || abs(a.waitShare - b.waitShare) > 1e-9 { problems.append("\(label): rates") }
    if lockRow && (a.queueMax != b.queueMax || abs(a.utilization - b.utilization) > 1e-9 || abs(a.queueMean - b.queueMean) > 1e-9) {
      problems.append("\(label): queue/utilization")
    }
    if (a.fairness ?? 1) - (b.fairness ?? 1) > 1e-9 || (b.fairness ?? 1) - (a.fairness ?? 1) > 1e-9 {
      problems.append("\(label): fairness")
    }
  }
  compare("overall", merged.overall, whole.overall, lockRow: false)
  for (kind, mergedRows, wholeRows) in [("lock", merged.locks, whole.locks), ("agent", merged.agents, whole.agents)] {
    if mergedRows.map(\.name) != wholeRows.map(\.name) { problems.append("\(kind) rows differ") }
    for row in wholeRows {
      guard let other = mergedRows.first(where: { $0.name == row.name }) else { continue }
      compare("\(kind) \(row.name ?? "")", other, row, lockRow: kind == "lock")
    }
  }
  func keys(_ report: Report, _ kinds: Set<String>) -> [String] {
    report.findings.filter { kinds.contains($0.kind.rawValue) }.map { finding in
      let cause = finding.detail("cause").map { "\($0)" } ?? ""
      let agents = finding.kind.rawValue.hasSuffix("deadlock") ? [] : finding.agents.sorted()
      return "\(finding.locks.sorted()) \(agents) \(finding.time) \(cause)"
    }.sorted()
  }
  for kinds: Set<String> in [["deadlock", "possible-deadlock"], ["orphan"], ["lock-order-inversion"]]
  where keys(merged, kinds) != keys(whole, kinds) {
    problems.append("\(kinds.sorted()) findings: \(keys(merged, kinds)) != \(keys(whole, kinds))")
  }
  return problems
}

/// A log of many locks and agents, with contention, holds past the digest's exact limit
/// (128 samples a lock), nested locks taken in both orders (inversions) and a crash.
func generatedFleetLog(seed: UInt64) -> [String] {
  var random = SplitMix(seed: seed)
  var lines: [(Double, String)] = []
  var free: [String: Double] = [:]
  for step in 0..<2400 {
    let lock = "res:\(random.below(11))"
    let agent = "w\(random.below(17))"
    let request = Double(step) * 0.05 + Double(random.below(50)) / 1000
    let start = max(request, free[lock] ?? 0) + Double(random.below(5)) / 1000
    let end = start + Double(1 + random.below(80)) / 1000
    free[lock] = end
    lines += [
      (request, line(request, "request", agent, lock)), (start, line(start, "acquire", agent, lock)),
      (end, line(end, "release", agent, lock)),
    ]
  }
  // Nested: n1 takes A then B, n2 takes B then A, apart in time: an inversion, no deadlock.
  for (offset, agent, first, second) in [
    (130.0, "n1", "nest:A", "nest:B"), (131.0, "n2", "nest:B", "nest:A"), (132.0, "n3", "nest:C", "nest:A"),
  ] {
    lines += [
      (offset, line(offset, "acquire", agent, first)), (offset + 0.1, line(offset + 0.1, "acquire", agent, second)),
      (offset + 0.2, line(offset + 0.2, "release", agent, second)), (offset + 0.3, line(offset + 0.3, "release", agent, first)),
    ]
  }
  // A holder that crashes: an orphan, whichever shard its lock lands in.
  lines += [
    (133, line(133, "acquire", "doomed", "nest:D")), (133.5, line(133.5, "crash", "doomed")), (134, line(134, "request", "w1", "nest:D")),
  ]
  return lines.enumerated().sorted { $0.element.0 != $1.element.0 ? $0.element.0 < $1.element.0 : $0.offset < $1.offset }.map(\.element.1)
}

@Suite("Fleet summaries: route, summary, merge (SPEC §7)")
struct FleetTests {
  static let fixtures = [
    "serialized-workers.jsonl", "crash-held.jsonl", "rwlock.jsonl", "semaphore.jsonl", "leases.jsonl", "timeouts.jsonl",
    "fine-grained.jsonl", "anomalies.jsonl", "findings/ABBA-sequential.jsonl", "findings/ABCDBCDA-sequential.jsonl",
    "findings/gate-lock.jsonl", "findings/orphan-end-of-log.jsonl", "findings/hot-lock.jsonl", "findings/starvation.jsonl",
  ]

  @Test("1, 2 and 7 shards merge to the single-process report of each fixture", arguments: [1, 2, 7])
  func fixturesMergeToTheWhole(shards: Int) throws {
    for name in FleetTests.fixtures {
      let path = fixture(name)
      let whole = try LogAnalysis.run(paths: [path], options: AnalysisOptions()) { _ in }
      let merged = try fleetReport([path], shards: shards)
      #expect(fleetDifferences(merged, whole) == [], "\(name) on \(shards) shards")
    }
  }

  @Test("1, 2 and 7 shards merge to the whole of a generated log split into per-agent files", arguments: [1, 2, 7])
  func generatedLogMergesToTheWhole(shards: Int) throws {
    var byAgent: [String: [String]] = [:]
    for text in generatedFleetLog(seed: 20) {
      let agent = text.components(separatedBy: "\"agent\":\"")[1].components(separatedBy: "\"")[0]
      byAgent[agent, default: []].append(text)
    }
    let paths = byAgent.keys.sorted().map { temporaryFile(byAgent[$0]!.joined(separator: "\n") + "\n", name: "\($0).jsonl") }
    let whole = try LogAnalysis.run(paths: paths, options: AnalysisOptions()) { _ in }
    #expect(
      whole.findings.contains { $0.kind.rawValue == "lock-order-inversion" } && whole.findings.contains { $0.kind.rawValue == "orphan" })
    #expect(whole.locks.contains { $0.hold.count > LatencyDigest.exactLimit }, "some lock's digest is past its exact samples")
    let merged = try fleetReport(paths, shards: shards)
    #expect(fleetDifferences(merged, whole) == [])
  }

  @Test("a deadlock whose locks are in different shards is found by the merge as possible-deadlock")
  func crossShardDeadlock() throws {
    let path = fixture("findings/ABBA-deadlock.jsonl")
    let whole = try LogAnalysis.run(paths: [path], options: AnalysisOptions()) { _ in }
    let wholeDeadlock = try #require(whole.findings.first { $0.kind.rawValue == "deadlock" })
    // A and B land in different shards of 2 (FNV-1a: 'A' → 1, 'B' → 0).
    #expect(ShardHash.shard(ofLock: Array("A".utf8), shards: 2) != ShardHash.shard(ofLock: Array("B".utf8), shards: 2))
    let merged = try fleetReport([path], shards: 2)
    let possible = try #require(merged.findings.first { $0.kind.rawValue == "possible-deadlock" })
    #expect(possible.locks.sorted() == wholeDeadlock.locks.sorted())
    #expect(possible.time == wholeDeadlock.time)
    #expect(possible.detail("resolved_by") == wholeDeadlock.detail("resolved_by"))
    #expect(possible.severity == .critical)
    #expect(!merged.findings.contains { $0.kind.rawValue == "lock-order-inversion" }, "the cycle that deadlocked is not also an inversion")
  }

  @Test("the shard hash is FNV-1a 64 of the lock name's bytes, mod the shard count")
  func shardHashIsDocumentedFNV1a() {
    // Reference values of FNV-1a 64 (the empty string is the offset basis).
    #expect(ShardHash.fnv1a([UInt8]()) == 0xcbf2_9ce4_8422_2325)
    #expect(ShardHash.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
    #expect(ShardHash.fnv1a(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    #expect(ShardHash.shard(ofLock: Array("foobar".utf8), shards: 7) == Int(UInt64(0x8594_4171_f739_67e8) % 7))
  }

  @Test("a crowded semaphore's wait-for edges: matched by a table (past 256 comparisons) as by a scan, the same summary")
  func crowdedSemaphoreEdges() throws {
    // 20 slots, all taken; 20 waiters queue (400 edges), some time out, some are granted
    // as holders leave, one holder crashes, then the rest leave.
    var lines: [String] = []
    var clock = 0.0
    func add(_ event: String, _ agent: String, _ extra: String = ",\"capacity\":20") {
      clock += 0.001
      lines.append(line(clock, event, agent, "pool", extra: event == "crash" ? "" : extra))
    }
    for h in 0..<20 { add("acquire", "h\(h)") }
    for w in 0..<20 { add("request", "w\(w)") }
    for w in stride(from: 1, to: 20, by: 4) { add("timeout", "w\(w)") }
    for h in 0..<6 {
      add("release", "h\(h)")
      add("acquire", "w\(h * 3)")
    }
    lines.append(line(clock + 0.0005, "crash", "h6"))
    for h in 7..<20 { add("release", "h\(h)") }
    let path = temporaryFile(lines.joined(separator: "\n") + "\n")
    let byTable = try LogAnalysis.summarize(paths: [path], options: AnalysisOptions(), pairsScanned: 0) { _ in }
    let byScan = try LogAnalysis.summarize(paths: [path], options: AnalysisOptions(), pairsScanned: .max) { _ in }
    #expect(SummaryWriter.bytes(byTable) == SummaryWriter.bytes(byScan))
    // The edges were there to match: 20 waiters on 20 holders.
    #expect(String(decoding: SummaryWriter.bytes(byScan), as: UTF8.self).components(separatedBy: "\"waiter\":").count > 400)
  }

  @Test("a summary goes out in parts, each ending after a whole element, and reads back whole")
  func summaryInParts() throws {
    // A holder and eleven waiters that give up, on each of 40 locks: hundreds of wait
    // spans, and findings.
    var lines: [String] = []
    var clock = 0.0
    for lock in 0..<40 {
      for agent in 0..<12 {
        clock += 0.001
        lines.append(line(clock, agent == 0 ? "acquire" : "request", "a\(agent)", "l\(lock)"))
      }
      for agent in 1..<12 {
        clock += 0.001
        lines.append(line(clock, "timeout", "a\(agent)", "l\(lock)"))
      }
      clock += 0.001
      lines.append(line(clock, "release", "a0", "l\(lock)"))
    }
    let summary = try LogAnalysis.summarize(paths: [temporaryFile(lines.joined(separator: "\n") + "\n")], options: AnalysisOptions()) { _ in
    }
    var parts: [[UInt8]] = []
    SummaryWriter.write(summary, partBytes: 1024) { parts.append(Array($0)) }
    let whole = Array(parts.joined())
    #expect(parts.count > 20)
    #expect(whole == SummaryWriter.bytes(summary))
    // A part passes the size by at most one element (a lock's metrics are the longest).
    #expect(parts.allSatisfy { $0.count < 1024 + 4096 })
    #expect(SummaryWriter.bytes(try SummaryReader.read(whole, name: "summary")) == whole)
    #expect(whole.last == UInt8(ascii: "\n") && whole.filter { $0 == UInt8(ascii: "\n") }.count == 1)
  }

  @Test("a summary written and read back merges and renders like the original")
  func summaryRoundTrip() throws {
    let summary = try LogAnalysis.summarize(paths: [fixture("serialized-workers.jsonl")], options: AnalysisOptions()) { _ in }
    let again = try roundTrip(summary)
    #expect(SummaryWriter.bytes(again) == SummaryWriter.bytes(summary))
  }

  @Test("route writes each event to its lock's shard, crashes and span marks to every shard")
  func routeSplitsByLock() throws {
    let log = [line(0, "acquire", "a", "L1"), line(1, "acquire", "b", "L2"), line(2, "crash", "a"), line(3, "release", "b", "L2")]
    let path = temporaryFile(log.joined(separator: "\n") + "\n")
    let directory = scratchDirectory.appendingPathComponent("lockscope-route-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let partition = try RouteCommand.run(paths: [path], shards: 3, directory: directory, options: AnalysisOptions()) { _ in }
    #expect(partition.events == 4 && partition.kind == .partition)
    for shard in 0..<3 {
      let text = try String(contentsOfFile: "\(directory)/\(RouteCommand.shardFileName(shard))", encoding: .utf8)
      let lines = text.split(separator: "\n")
      #expect(lines.filter { $0.contains(RouteCommand.spanAgent) }.count == 2, "a span mark at the first and last event")
      #expect(lines.filter { $0.contains("\"crash\",\"agent\":\"a\"") }.count == 1)
      for lock in ["L1", "L2"] where ShardHash.shard(ofLock: Array(lock.utf8), shards: 3) == shard {
        #expect(lines.contains { $0.contains("\"lock\":\"\(lock)\"") })
      }
    }
    #expect(FileManager.default.fileExists(atPath: "\(directory)/\(RouteCommand.summaryName)"))
  }

  @Test("route's last span mark is at the last event, also for a log before 1970 (negative times)")
  func spanMarkBefore1970() throws {
    let log =
      #"{"ts":"1960-01-01T00:00:00Z","event":"acquire","agent":"a","lock":"L"}"# + "\n"
      + #"{"ts":"1960-01-01T00:00:05Z","event":"release","agent":"a","lock":"L"}"# + "\n"
    let directory = scratchDirectory.appendingPathComponent("lockscope-route-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try RouteCommand.run(paths: [temporaryFile(log)], shards: 1, directory: directory, options: AnalysisOptions()) { _ in }
    let lines = try String(contentsOfFile: "\(directory)/\(RouteCommand.shardFileName(0))", encoding: .utf8).split(separator: "\n")
    #expect(lines.last == #"{"ts":"1960-01-01T00:00:05.000000000Z","event":"crash","agent":"lockscope.route/span"}"#)
  }

  @Test("route keeps every optional field: mode, capacity, lease, token, expected hold, trace ids")
  func routeKeepsFields() throws {
    let log =
      #"{"ts":"2026-11-22T10:00:00.5Z","event":"acquire","agent":"a","lock":"L","mode":"shared","capacity":3,"lease_ms":1.5,"token":7,"expected_ms":20,"trace_id":"t1","span_id":"s1"}"#
    let directory = scratchDirectory.appendingPathComponent("lockscope-route-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try RouteCommand.run(paths: [temporaryFile(log + "\n")], shards: 1, directory: directory, options: AnalysisOptions()) { _ in }
    let text = try String(contentsOfFile: "\(directory)/\(RouteCommand.shardFileName(0))", encoding: .utf8)
    #expect(
      text.contains(
        #"{"ts":"2026-11-22T10:00:00.500000000Z","event":"acquire","agent":"a","lock":"L","mode":"shared","capacity":3,"lease_ms":1.5,"expected_ms":20,"token":7,"trace_id":"t1","span_id":"s1"}"#
      ))
  }

  @Test("merge with --prometheus-histograms writes cumulative _bucket series that end at the count")
  func prometheusHistograms() throws {
    let directory = scratchDirectory.appendingPathComponent("lockscope-prom-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let summary = try LogAnalysis.summarize(paths: [fixture("serialized-workers.jsonl")], options: AnalysisOptions()) { _ in }
    let path = "\(directory)/s.json"
    _ = FileManager.default.createFile(atPath: path, contents: Data(SummaryWriter.bytes(summary)))
    let result = runCLI(["merge", "--format", "prometheus", "--prometheus-histograms", path])
    #expect(result.status == 0)
    #expect(result.out.contains("# TYPE lockscope_lock_hold_histogram_seconds histogram"))
    #expect(result.out.contains(#"lockscope_lock_hold_histogram_seconds_bucket{lock="llm:global",le="+Inf"} 20"#))
    #expect(result.out.contains(#"lockscope_lock_hold_histogram_seconds_bucket{lock="llm:global",le="1"} 0"#))
    #expect(result.out.contains(#"lockscope_lock_hold_histogram_seconds_bucket{lock="llm:global",le="2.5"} 20"#))
    let plain = runCLI(["report", "--format", "prometheus", fixture("serialized-workers.jsonl")])
    #expect(!plain.out.contains("_bucket"), "no histograms unless asked for")
  }

  @Test("merge --suppress silences a known lock-order cycle in the merged search, as report --suppress does")
  func mergeSuppress() throws {
    let directory = scratchDirectory.appendingPathComponent("lockscope-suppress-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let log = fixture("findings/ABBA-sequential.jsonl")
    _ = try RouteCommand.run(paths: [log], shards: 2, directory: directory, options: AnalysisOptions()) { _ in }
    var paths = ["\(directory)/\(RouteCommand.summaryName)"]
    for shard in 0..<2 {
      let summary = try LogAnalysis.summarize(paths: ["\(directory)/\(RouteCommand.shardFileName(shard))"], options: AnalysisOptions()) {
        _ in
      }
      paths.append("\(directory)/s\(shard).json")
      _ = FileManager.default.createFile(atPath: paths[paths.count - 1], contents: Data(SummaryWriter.bytes(summary)))
    }
    let suppress = temporaryFile("A -> B\n", name: "known.txt")
    #expect(runCLI(["merge", "--format", "json"] + paths).out.contains(#""kind": "lock-order-inversion""#))
    let silenced = runCLI(["merge", "--format", "json", "--suppress", suppress] + paths)
    #expect(silenced.status == 0 && !silenced.out.contains(#""kind": "lock-order-inversion""#))
  }

  @Test("check --summaries gates on the merged report")
  func checkSummaries() throws {
    let directory = scratchDirectory.appendingPathComponent("lockscope-check-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let summary = try LogAnalysis.summarize(paths: [fixture("serialized-workers.jsonl")], options: AnalysisOptions()) { _ in }
    let path = "\(directory)/s.json"
    _ = FileManager.default.createFile(atPath: path, contents: Data(SummaryWriter.bytes(summary)))
    let direct = runCLI(["check", "--rule", "wait.p95 < 10ms", fixture("serialized-workers.jsonl")])
    let merged = runCLI(["check", "--summaries", "--rule", "wait.p95 < 10ms", path])
    #expect(direct.status == 1 && merged.status == 1)
    #expect(runCLI(["check", "--summaries", "--rule", "wait.p95 < 1h", path]).status == 0)
  }
}
