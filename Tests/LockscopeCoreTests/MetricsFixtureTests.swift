import Foundation
import Testing

@testable import LockscopeCore

/// `blocked`, `fairness`, `hold.over_expected` and unfinished holds (issue 14 §3 and §5) on
/// the fixtures of `fixtures/metrics/`, every number worked out by hand in its README.
@Suite("Metrics: blocked, fairness, expected holds, unfinished holds")
struct MetricsFixtureTests {
  private static func report(_ name: String, _ configure: (inout AnalysisOptions) -> Void = { _ in }) throws -> Report {
    var options = AnalysisOptions()
    configure(&options)
    return try LogAnalysis.run(paths: [fixture("metrics/\(name)")], options: options) { _ in }
  }

  private static func stats(_ count: Int, mean: Int64, p50: Int64, p90: Int64, p95: Int64, p99: Int64, max: Int64) -> DurationStats {
    DurationStats(count: count, mean: mean, p50: p50, p90: p90, p95: p95, p99: p99, max: max)
  }

  // MARK: - blocked

  @Test("blocked: timeouts and cancels are samples, a bare acquire is 0, crashed and still-open waits are not")
  func blockedGaveUp() throws {
    let report = try Self.report("blocked-gave-up.jsonl")
    let lock = try #require(report.lock("orders"))
    #expect(lock.attempts == 6 && lock.acquisitions == 2 && lock.timeouts == 1 && lock.timeoutRate == 1.0 / 6.0)
    #expect(lock.wait == Self.stats(2, mean: 2 * second, p50: 0, p90: 4 * second, p95: 4 * second, p99: 4 * second, max: 4 * second))
    // holder 0, a 2 s, b 2 s, c 4 s.
    #expect(lock.blocked == Self.stats(4, mean: 2 * second, p50: 2 * second, p90: 4 * second, p95: 4 * second, p99: 4 * second, max: 4 * second))
    #expect(lock.blockedTotalNanos == 8 * second)
    #expect(report.overall.blocked == lock.blocked)
    for name in ["a", "b"] {
      let agent = try #require(report.agent(name))
      #expect(agent.wait.count == 0)
      #expect(agent.blocked == Self.stats(1, mean: 2 * second, p50: 2 * second, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second))
    }
    #expect(report.agent("f")?.blocked.count == 0)  // crashed while waiting
    #expect(report.agent("e")?.blocked.count == 0)  // still waiting at the end of the log
    #expect(report.agent("holder")?.blocked.count == 1 && report.agent("holder")?.blocked.max == 0)
  }

  @Test("blocked: fairness of the gave-up lock is (0+2+2+4)² / (4 · 24) = 2/3; agent rows have none")
  func blockedGaveUpFairness() throws {
    let report = try Self.report("blocked-gave-up.jsonl")
    #expect(abs((report.lock("orders")?.fairness ?? 0) - 2.0 / 3.0) < 1e-12)
    #expect(abs((report.overall.fairness ?? 0) - 2.0 / 3.0) < 1e-12)
    #expect(report.agents.allSatisfy { $0.fairness == nil })
  }

  @Test("text report: a statistic with no samples prints '–', not 0ns; BLOCKED and FAIR columns")
  func textDashes() throws {
    let result = runCLI(["report", "--color", "never", fixture("metrics/blocked-gave-up.jsonl")])
    #expect(result.status == 0)
    let lines = result.out.split(separator: "\n").map(String.init)
    let header = try #require(lines.first { $0.hasPrefix("LOCK ") })
    #expect(header.contains("BLOCKED p95") && header.hasSuffix("FAIR"))
    #expect(try #require(lines.first { $0.hasPrefix("orders ") }).hasSuffix("0.67"))
    let agentA = try #require(lines.first { $0.hasPrefix("a ") })
    let cells = agentA.split(separator: " ").map(String.init)
    // AGENT ACQ CONT TMO WAIT p50 p95 max TOTAL WAIT BLOCKED p95 max HOLD p95 …
    #expect(Array(cells[4...6]) == ["–", "–", "–"])
    #expect(cells[7] == "2.00s" && cells[8] == "2.00s" && cells[9] == "2.00s" && cells[10] == "–")
    // Totals are sums, not statistics: a total of nothing is 0 (CAUSED WAIT).
    #expect(cells.filter { $0 == "0ns" } == ["0ns"] && cells.last == "0ns")
  }

  @Test("check: the default rules include timeout.rate < 1% (SPEC §4), which the gave-up lock fails")
  func defaultTimeoutRule() throws {
    #expect(DefaultSLO.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == [
      "wait.p95 < 10ms", "wait.p99 < 100ms", "contention.rate < 10%", "timeout.rate < 1%", "deadlocks == 0", "orphans == 0",
    ])
    let result = runCLI(["check", "--color", "never", fixture("metrics/blocked-gave-up.jsonl")])
    #expect(result.status == 1)
    let line = try #require(result.out.split(separator: "\n").first { $0.contains("timeout.rate < 1%") })
    #expect(line.hasPrefix("FAIL") && line.contains("16.7%"))
  }

  @Test("check: blocked.p95 sees the waits that gave up where wait.p95 does not")
  func blockedRule() throws {
    let result = runCLI([
      "check", "--color", "never", "--rule", "wait.p90 < 1s", "--rule", "blocked.p90 < 1s", fixture("metrics/fairness-redis.jsonl"),
    ])
    #expect(result.status == 1)
    let lines = result.out.split(separator: "\n")
    #expect(lines.first { $0.contains("wait.p90 < 1s") }?.hasPrefix("PASS") == true)
    #expect(lines.first { $0.contains("blocked.p90 < 1s") }?.hasPrefix("FAIL") == true)
  }

  // MARK: - unfinished holds

  @Test("unfinished holds: a lapsed lease (2 s) and a hold open at the end (5 s): 2, longest 5 s, in text and JSON")
  func unfinishedHolds() throws {
    let report = try Self.report("unfinished-holds.jsonl")
    let jobs = try #require(report.lock("jobs"))
    #expect(jobs.hold.count == 1 && jobs.hold.unfinished == 2 && jobs.unfinishedHoldMaxNanos == 5 * second)
    #expect(report.agent("w1")?.unfinishedHoldMaxNanos == 2 * second && report.agent("w3")?.unfinishedHoldMaxNanos == 5 * second)
    #expect(report.overall.hold.unfinished == 2 && report.overall.unfinishedHoldMaxNanos == 5 * second)
    let text = runCLI(["report", "--color", "never", fixture("metrics/unfinished-holds.jsonl")]).out
    #expect(text.contains("jobs 2 unfinished (longest 5.00s)"))
    #expect(text.contains("w3 1 unfinished (longest 5.00s)"))
    let json = runCLI(["report", "--format", "json", fixture("metrics/unfinished-holds.jsonl")]).out
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let hold = try #require((object["overall"] as? [String: Any])?["hold"] as? [String: Any])
    #expect(hold["unfinished"] as? Int == 2 && hold["unfinished_max_ns"] as? Int == 5_000_000_000)
    let check = runCLI(["check", "--color", "never", "--rule", "lock:jobs hold.unfinished.max < 3s", fixture("metrics/unfinished-holds.jsonl")])
    #expect(check.status == 1 && check.out.contains("5.00s"))
  }

  // MARK: - fairness

  @Test("fairness: a Redis lock that lets the releaser retake it scores 0.75, a FIFO lock of ten equal workers 0.984")
  func fairnessRedisVersusFIFO() throws {
    let fifo = try Self.report("fairness-fifo.jsonl")
    let redis = try Self.report("fairness-redis.jsonl")
    let fifoIndex = try #require(fifo.lock("llm:fifo")?.fairness)
    let redisIndex = try #require(redis.lock("llm:redis")?.fairness)
    #expect(abs(fifoIndex - 50625.0 / 51450.0) < 1e-12)
    #expect(abs(redisIndex - 0.75) < 1e-12)
    #expect(fifoIndex - redisIndex > 0.2)
    // Redis: the wait table looks fine (p90 0), blocked does not (p90 2.4 s).
    let lock = try #require(redis.lock("llm:redis"))
    #expect(lock.attempts == 15 && lock.acquisitions == 13 && lock.timeouts == 2)
    #expect(lock.wait.count == 13 && lock.wait.p90 == 0 && lock.wait.p95 == 2_400 * millisecond)
    #expect(lock.blocked == Self.stats(15, mean: 480 * millisecond, p50: 0, p90: 2_400 * millisecond, p95: 2_400 * millisecond, p99: 2_400 * millisecond, max: 2_400 * millisecond))
    #expect(fifo.lock("llm:fifo")?.blocked.mean == 750 * millisecond && fifo.lock("llm:fifo")?.blocked.count == 30)
  }

  @Test("fairness: the SLO metric per lock, and JSON null for agents")
  func fairnessSLOAndJSON() throws {
    let result = runCLI(["check", "--color", "never", "--rule", "lock:* fairness > 0.8", fixture("metrics/fairness-redis.jsonl")])
    #expect(result.status == 1)
    #expect(result.out.contains("0.75"))
    #expect(runCLI(["check", "--rule", "lock:* fairness > 0.8", fixture("metrics/fairness-fifo.jsonl")]).status == 0)
    let json = runCLI(["report", "--format", "json", fixture("metrics/fairness-redis.jsonl")]).out
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["overall"] as? [String: Any])?["fairness"] as? Double == 0.75)
    let agents = try #require(object["agents"] as? [[String: Any]])
    #expect(agents.allSatisfy { $0["fairness"] is NSNull })
    let prometheus = runCLI(["report", "--format", "prometheus", fixture("metrics/fairness-redis.jsonl")]).out
    #expect(prometheus.contains(#"lockscope_lock_fairness_ratio{lock="llm:redis"} 0.75"#))
    #expect(!prometheus.contains("lockscope_agent_fairness_ratio"))
    #expect(prometheus.contains(#"lockscope_lock_blocked_seconds{lock="llm:redis",quantile="0.9"} 2.4"#))
  }

  // MARK: - expected holds

  @Test("hold.over_expected: expected_ms on the acquire; only released holds with an expectation count")
  func overExpected() throws {
    let report = try Self.report("expected-hold.jsonl")
    let llm = try #require(report.lock("llm:summarize"))
    #expect(llm.expectedHolds == 3 && llm.overExpected == 2 && llm.overExpectedShare == 2.0 / 3.0)
    let db = try #require(report.lock("db:orders"))
    #expect(db.expectedHolds == 1 && db.overExpected == 0 && db.overExpectedShare == 0)
    #expect(report.lock("cache")?.expectedHolds == 0)
    #expect(report.overall.expectedHolds == 4 && report.overall.overExpected == 2 && report.overall.overExpectedShare == 0.5)
    let long = try #require(report.findings.first { $0.kind == .longHold })
    #expect(long.message.contains("the longest held 5.20s, expected 200ms ('b')"))
    #expect(long.detail("expected_ns") == .int(200 * millisecond))
  }

  @Test("hold.over_expected: --expect-hold GLOB=DURATION for acquires without expected_ms; expected_ms wins")
  func expectHoldOption() throws {
    let report = try Self.report("expected-hold.jsonl") { options in
      options.expectedHolds = [(Glob("db:*"), 50 * millisecond)]
    }
    let db = try #require(report.lock("db:orders"))
    #expect(db.expectedHolds == 3 && db.overExpected == 1 && db.overExpectedShare == 1.0 / 3.0)
    #expect(report.overall.expectedHolds == 6 && report.overall.overExpected == 3)
    let byAgent = Dictionary(uniqueKeysWithValues: report.agents.map { ($0.name ?? "", ($0.expectedHolds, $0.overExpected)) })
    #expect(byAgent["a"]! == (2, 1) && byAgent["b"]! == (1, 1) && byAgent["c"]! == (2, 1) && byAgent["d"]! == (1, 0) && byAgent["e"]! == (0, 0))
    // The same through the command line, as JSON and as an SLO metric (the share).
    let json = runCLI(["report", "--format", "json", "--expect-hold", "db:*=50ms", fixture("metrics/expected-hold.jsonl")]).out
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let overall = try #require((object["overall"] as? [String: Any])?["hold_over_expected"] as? [String: Any])
    #expect(overall["count"] as? Int == 3 && overall["share"] as? Double == 0.5)
    let check = runCLI(["check", "--color", "never", "--expect-hold", "db:*=50ms", "--rule", "lock:db:* hold.over_expected < 30%", fixture("metrics/expected-hold.jsonl")])
    #expect(check.status == 1 && check.out.contains("33.3%"))
    let text = runCLI(["report", "--color", "never", "--expect-hold", "db:*=50ms", fixture("metrics/expected-hold.jsonl")]).out
    #expect(text.contains("  holds over expected: db:orders 1 of 3 (33.3%) · llm:summarize 2 of 3 (66.7%)\n"))
    #expect(text.contains("over expected 50.0%"))
    let bad = runCLI(["report", "--expect-hold", "db:*", fixture("metrics/expected-hold.jsonl")])
    #expect(bad.status == 2 && bad.err.contains("--expect-hold"))
  }

  @Test("expected_ms is read in milliseconds (fraction allowed), remappable, and rejected when negative")
  func parseExpected() throws {
    let event = try #require(try parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L","expected_ms":1500.5}"#).get())
    #expect(event.expectedNanos == 1_500_500_000)
    let plain = try #require(try parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L"}"#).get())
    #expect(plain.expectedNanos == -1)
    var map = FieldMap()
    map.remap(.expectedMs, to: "budget_ms")
    let remapped = try #require(try parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L","budget_ms":200}"#, fieldMap: map).get())
    #expect(remapped.expectedNanos == 200 * millisecond)
    #expect(parseError(#"{"ts":1,"event":"acquire","agent":"a","lock":"L","expected_ms":-5}"#)?.contains("\"expected_ms\" must be a non-negative number") == true)
  }
}
