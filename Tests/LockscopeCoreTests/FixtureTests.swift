import Foundation
import Testing

@testable import LockscopeCore

/// The whole-file fixtures of `fixtures/` run through the whole pipeline, as `lockscope report`
/// does. Every expected number is worked out by hand in `fixtures/README.md` (one section per
/// fixture) from `docs/semantics.md`, before running the tool.
@Suite("Bundled fixtures, worked out by hand")
struct FixtureTests {
  /// The report of `names` (paths under `fixtures/`, merged in this order), with the bad lines
  /// passed to `warn` as they are met.
  private struct Run {
    let paths: [String]
    let report: Report
    let warnings: [String]

    init(_ names: String..., configure: (inout AnalysisOptions) -> Void = { _ in }) throws {
      paths = names.map { fixture($0) }
      var options = AnalysisOptions()
      configure(&options)
      let sink = WarningSink()
      report = try LogAnalysis.run(paths: paths, options: options) { sink.lines.append($0) }
      warnings = sink.lines
    }

    /// `FILE:LINE` of line `line` of the `index`-th input.
    func source(_ line: Int, input index: Int = 0) -> String { "\(paths[index]):\(line)" }

    func findings(_ kind: String) -> [Finding] { report.findings.filter { $0.kind == kind } }

    var anomalies: [String: Int] { Dictionary(uniqueKeysWithValues: report.anomalyCounts.map { ($0.kind, $0.count) }) }

    func lock(_ name: String) throws -> MetricsRow { try #require(report.lock(name), "no lock \(name)") }
    func agent(_ name: String) throws -> MetricsRow { try #require(report.agent(name), "no agent \(name)") }
  }

  private final class WarningSink { var lines: [String] = [] }

  /// Nanoseconds of 10:00:00Z plus `seconds` (to the millisecond, as the fixtures are written).
  private static func time(_ seconds: Double) -> Int64 { t0 + Int64((seconds * 1000).rounded()) * millisecond }

  private static func stats(
    _ count: Int, mean: Int64, p50: Int64, p90: Int64, p95: Int64, p99: Int64, max: Int64, unfinished: Int = 0
  ) -> DurationStats {
    DurationStats(count: count, mean: mean, p50: p50, p90: p90, p95: p95, p99: p99, max: max, unfinished: unfinished)
  }

  // MARK: - serialized-workers.jsonl

  @Test("serialized-workers: 10 workers × 2 rounds through one FIFO lock, 2 s holds, waits 0…18 s")
  func serializedWorkersLock() throws {
    let run = try Run("serialized-workers.jsonl")
    #expect(run.report.summary.events == 60 && run.report.summary.skippedLines == 0)
    #expect(run.report.summary.firstTime == t0 && run.report.summary.lastTime == t0 + 40 * second)
    #expect(run.report.anomalyCounts.isEmpty)
    let lock = try run.lock("llm:global")
    #expect(lock.attempts == 20 && lock.acquisitions == 20 && lock.timeouts == 0)
    // Samples 0, 2, …, 18 s twice: the 10th is 8 s, the 18th 16 s, the 19th and 20th 18 s.
    #expect(lock.wait == Self.stats(20, mean: 9 * second, p50: 8 * second, p90: 16 * second, p95: 18 * second, p99: 18 * second, max: 18 * second))
    #expect(lock.hold == Self.stats(20, mean: 2 * second, p50: 2 * second, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second))
    #expect(lock.contentionRate == 18.0 / 20.0)  // worker-00 finds it free in each round
    #expect(lock.queueMax == 9)
    #expect(lock.queueMean == 4.5)  // 2 rounds × 2 s × (9 + 8 + … + 1) / 40 s
    #expect(lock.utilization == 1.0)
    #expect(lock.causedWaitNanos == 180 * second && lock.waitTotalNanos == 180 * second && lock.holdTotalNanos == 40 * second)
    #expect(lock.waitShare == 180.0 / 220.0)
    #expect(run.report.overall.queueMax == 9 && run.report.overall.queueMean == 4.5 && run.report.overall.utilization == 1.0)
  }

  @Test("serialized-workers: worker-k waits 2k s a round, makes others wait 4(9−k) s, wait share k/(k+1)")
  func serializedWorkersAgents() throws {
    let run = try Run("serialized-workers.jsonl")
    #expect(run.report.agents.map(\.name) == (0..<10).reversed().map { "worker-0\($0)" })  // by total wait
    for k in 0..<10 {
      let agent = try run.agent("worker-0\(k)")
      let k64 = Int64(k)
      #expect(agent.attempts == 2 && agent.acquisitions == 2, "worker-0\(k)")
      #expect(agent.wait.max == 2 * k64 * second && agent.wait.mean == 2 * k64 * second, "worker-0\(k)")
      #expect(agent.waitTotalNanos == 4 * k64 * second && agent.holdTotalNanos == 4 * second, "worker-0\(k)")
      #expect(agent.causedWaitNanos == 4 * (9 - k64) * second, "worker-0\(k)")
      #expect(agent.waitShare == Double(k) / Double(k + 1), "worker-0\(k)")
      #expect(agent.utilization == 0.1, "worker-0\(k)")  // 4 s of 40 s
      #expect(agent.queueMax == max(k, 1), "worker-0\(k)")  // worker-00's request joins an empty queue
      #expect(agent.contentionRate == (k == 0 ? 0.0 : 1.0), "worker-0\(k)")
    }
  }

  // MARK: - fine-grained.jsonl

  @Test("fine-grained: the same queue with 10 ms holds at 2 s and 4 s: p50 40 ms, p99 90 ms, utilization 0.2/2.1")
  func fineGrained() throws {
    let run = try Run("fine-grained.jsonl")
    #expect(run.report.summary.firstTime == t0 + 2 * second && run.report.summary.lastTime == t0 + 4_100 * millisecond)
    let lock = try run.lock("results:global")
    #expect(lock.attempts == 20 && lock.acquisitions == 20)
    let ms = millisecond
    #expect(lock.wait == Self.stats(20, mean: 45 * ms, p50: 40 * ms, p90: 80 * ms, p95: 90 * ms, p99: 90 * ms, max: 90 * ms))
    #expect(lock.hold == Self.stats(20, mean: 10 * ms, p50: 10 * ms, p90: 10 * ms, p95: 10 * ms, p99: 10 * ms, max: 10 * ms))
    #expect(lock.contentionRate == 0.9 && lock.queueMax == 9)
    #expect(lock.utilization == 0.2 / 2.1)  // 2 × 100 ms held of 2.1 s
    #expect(lock.queueMean == 0.9 / 2.1)  // 2 × 10 ms × 45 waiters of 2.1 s
    #expect(lock.causedWaitNanos == 900 * ms && lock.holdTotalNanos == 200 * ms)
    #expect(run.report.agent("worker-00")?.causedWaitNanos == Int128(180 * ms))
    #expect(run.report.agent("worker-09")?.waitTotalNanos == Int128(180 * ms))
  }

  // MARK: - rwlock.jsonl

  @Test("rwlock: readers share, a writer waits for all readers, a reader queues behind a waiting writer")
  func rwlockLock() throws {
    let run = try Run("rwlock.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)  // the two readers at 1–4 s coexist
    #expect(run.findings("deadlock").isEmpty)
    let lock = try run.lock("db:users")
    #expect(lock.attempts == 7 && lock.acquisitions == 7)
    // Contended: writer-1 @2 (readers hold), reader-3 @3 and reader-1 @9 (behind a waiting
    // writer), writer-2 @7 (writer-1 holds). reader-1 @0, reader-2 @1 (bare), writer-1 @13 are free.
    #expect(lock.contentionRate == 4.0 / 7.0)
    // Waits 0, 0, 0, 2, 3, 4, 5 s; holds 1, 1, 2, 2, 3, 4, 5 s.
    #expect(lock.wait == Self.stats(7, mean: 2 * second, p50: 2 * second, p90: 5 * second, p95: 5 * second, p99: 5 * second, max: 5 * second))
    #expect(lock.hold == Self.stats(7, mean: 18 * second / 7, p50: 2 * second, p90: 5 * second, p95: 5 * second, p99: 5 * second, max: 5 * second))
    #expect(lock.queueMax == 2)
    #expect(lock.queueMean == 14.0 / 16.0)  // 4 + 5 + 3 + 2 waiter-seconds over 16 s
    #expect(lock.utilization == 15.0 / 16.0)  // held 0–12 and 13–16
    #expect(lock.waitTotalNanos == 14 * second && lock.holdTotalNanos == 18 * second)
    #expect(lock.waitShare == 14.0 / 32.0)
    #expect(lock.causedWaitNanos == 14 * second)
  }

  @Test("rwlock: a writer's wait is split among the readers; a reader queued behind a writer blames the writer")
  func rwlockAgents() throws {
    let run = try Run("rwlock.jsonl")
    #expect(run.report.agents.map(\.name) == ["reader-3", "writer-1", "writer-2", "reader-1", "reader-2"])
    let r1 = try run.agent("reader-1")
    let r2 = try run.agent("reader-2")
    let r3 = try run.agent("reader-3")
    let w1 = try run.agent("writer-1")
    let w2 = try run.agent("writer-2")
    // Charged along the wait-for edges (SPEC §2): a reader that no holder blocks waits for
    // the writer queued ahead of it. r1: w1 2–4 ÷ 2; r2: w1 2–4 ÷ 2 + 4–6;
    // w1: r3 3–6 (as the waiter ahead) + r3 6–8 + w2 7–8 (as the holder); r3: w2 8–10;
    // w2: r1 9–10 (as the waiter ahead) + r1 10–11 (as the holder). 14 s in all.
    #expect(r1.causedWaitNanos == 1 * second)
    #expect(r2.causedWaitNanos == 3 * second)
    #expect(w1.causedWaitNanos == 6 * second)
    #expect(r3.causedWaitNanos == 2 * second)
    #expect(w2.causedWaitNanos == 2 * second)
    // Longest queue joined: w1 alone, r3 behind w1, w2 behind r3, r1 behind w2; r2 never queued.
    #expect(w1.queueMax == 1 && r3.queueMax == 2 && w2.queueMax == 2 && r1.queueMax == 2 && r2.queueMax == 0)
    #expect(r3.queueMean == 9.0 / 5.0)  // 3–6: 2, 6–7: 1, 7–8: 2 over 5 s
    #expect(w1.queueMean == 7.0 / 4.0)  // 2–3: 1, 3–6: 2 over 4 s
    #expect(w2.queueMean == 5.0 / 3.0)
    #expect(r1.queueMean == 1.5)
    #expect(r1.contentionRate == 0.5 && r3.contentionRate == 1.0 && r2.contentionRate == 0.0)
    #expect(r3.waitShare == 5.0 / 7.0 && w1.waitShare == 4.0 / 9.0 && w2.waitShare == 0.75 && r1.waitShare == 2.0 / 7.0)
    #expect(r1.utilization == 5.0 / 16.0 && r2.utilization == 5.0 / 16.0 && w2.utilization == 1.0 / 16.0)
    #expect(r1.wait == Self.stats(2, mean: 1 * second, p50: 0, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second))
  }

  // MARK: - semaphore.jsonl

  @Test("semaphore: capacity 3 lets three in; the 4th and 5th wait and are contended")
  func semaphoreLock() throws {
    let run = try Run("semaphore.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)  // three holders at once is within capacity
    let lock = try run.lock("pool:gpu")
    #expect(lock.attempts == 6 && lock.acquisitions == 6)
    #expect(lock.contentionRate == 2.0 / 6.0)  // trainer-4 and trainer-5 found 3 of 3 slots taken
    // Waits 0, 0, 0, 0, 6, 9 s; holds 2, 4, 8, 8, 14, 14 s.
    #expect(lock.wait == Self.stats(6, mean: 2_500 * millisecond, p50: 0, p90: 9 * second, p95: 9 * second, p99: 9 * second, max: 9 * second))
    #expect(lock.hold == Self.stats(6, mean: 50 * second / 6, p50: 8 * second, p90: 14 * second, p95: 14 * second, p99: 14 * second, max: 14 * second))
    #expect(lock.queueMax == 2)
    #expect(lock.queueMean == 15.0 / 32.0)  // 6 + 9 waiter-seconds over 32 s
    #expect(lock.utilization == 20.0 / 32.0)  // held 0–18 and 30–32
    #expect(lock.causedWaitNanos == 15 * second)
    #expect(lock.waitShare == 15.0 / 65.0)
  }

  @Test("semaphore: a waiter on a full semaphore is blocked by every holder, split evenly")
  func semaphoreAgents() throws {
    let run = try Run("semaphore.jsonl")
    // trainer-4 2–8 ÷ {1, 2, 3}; trainer-5 5–8 ÷ {1, 2, 3}, 8–14 ÷ {2, 3, 4}.
    #expect(run.report.agent("trainer-1")?.causedWaitNanos == Int128(3 * second))
    #expect(run.report.agent("trainer-2")?.causedWaitNanos == Int128(5 * second))
    #expect(run.report.agent("trainer-3")?.causedWaitNanos == Int128(5 * second))
    #expect(run.report.agent("trainer-4")?.causedWaitNanos == Int128(2 * second))
    #expect(run.report.agent("trainer-5")?.causedWaitNanos == Int128(0))
    let t4 = try run.agent("trainer-4")
    let t5 = try run.agent("trainer-5")
    #expect(t4.queueMax == 1 && t5.queueMax == 2 && run.report.agent("trainer-3")?.queueMax == 0)
    #expect(t4.queueMean == 1.5 && t5.queueMean == 12.0 / 9.0)
    #expect(t4.wait.max == 6 * second && t5.wait.max == 9 * second)
    #expect(run.report.agent("trainer-1")?.hold == Self.stats(2, mean: 5 * second, p50: 2 * second, p90: 8 * second, p95: 8 * second, p99: 8 * second, max: 8 * second))
  }

  // MARK: - leases.jsonl

  @Test("leases: renew extends, a lapsed lease ends the hold at its deadline, expire ends it, a late release is named")
  func leasesLock() throws {
    let run = try Run("leases.jsonl")
    let lock = try run.lock("cron:nightly-report")
    #expect(lock.attempts == 4 && lock.acquisitions == 4 && lock.contentionRate == 0.25)
    #expect(lock.wait == Self.stats(4, mean: 750 * millisecond, p50: 0, p90: 3 * second, p95: 3 * second, p99: 3 * second, max: 3 * second))
    // Released in time: scheduler-a 0–10 (deadline 5 → 9 → 11 by the renews) and 18–20.
    // Unfinished: scheduler-b 10–12 (lease lapsed), scheduler-c 15–17 (expire).
    #expect(lock.hold == Self.stats(2, mean: 6 * second, p50: 2 * second, p90: 10 * second, p95: 10 * second, p99: 10 * second, max: 10 * second, unfinished: 2))
    #expect(lock.holdTotalNanos == 16 * second && lock.waitTotalNanos == 3 * second)
    #expect(lock.utilization == 16.0 / 20.0)
    #expect(lock.queueMax == 1 && lock.queueMean == 3.0 / 20.0)
    #expect(lock.causedWaitNanos == 3 * second && run.report.agent("scheduler-a")?.causedWaitNanos == Int128(3 * second))
    #expect(run.report.agent("scheduler-b")?.hold.unfinished == 1 && run.report.agent("scheduler-b")?.holdTotalNanos == Int128(2 * second))
    #expect(run.report.agent("scheduler-c")?.hold.unfinished == 1 && run.report.agent("scheduler-c")?.holdTotalNanos == Int128(2 * second))
    #expect(run.anomalies == ["release-after-lease-expired": 1])
    let anomaly = try #require(run.findings("anomaly").first)
    #expect(anomaly.source == run.source(8) && anomaly.agents == ["scheduler-b"])
  }

  @Test("leases: the lapsed and the reclaimed holds are orphans; the late release confirms two holders")
  func leasesFindings() throws {
    let run = try Run("leases.jsonl")
    let orphans = run.findings("orphan")
    #expect(orphans.map(\.agents) == [["scheduler-b"], ["scheduler-c"]])
    #expect(orphans.map { $0.detail("cause") } == [.string("lease-expired"), .string("expire")])
    #expect(orphans.map(\.time) == [Self.time(12), Self.time(17)])
    let twoHolders = try #require(run.findings("two-holders").first)
    #expect(twoHolders.agents == ["scheduler-c", "scheduler-b"] && twoHolders.source == run.source(7))
    #expect(twoHolders.detail("overlap_ns") == .int(1 * second))  // c from 15 s to b's late release at 16 s
  }

  // MARK: - timeouts.jsonl

  @Test("timeouts: timeout, cancel and a crashed waiter are attempts and wait time, not samples")
  func timeoutsLock() throws {
    let run = try Run("timeouts.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)
    let lock = try run.lock("queue:jobs")
    #expect(lock.attempts == 6 && lock.acquisitions == 3 && lock.timeouts == 1)
    #expect(lock.timeoutRate == 1.0 / 6.0)  // the cancel and the crash are not timeouts
    #expect(lock.contentionRate == 4.0 / 6.0)
    // Samples: worker-1 and cron-1 bare (0), api-1's second attempt 9–11 (2 s).
    #expect(lock.wait == Self.stats(3, mean: 2 * second / 3, p50: 0, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second))
    // Holds: worker-1 7 s, api-1 1 s; cron-1's 8–11, orphaned by its crash at 10 and taken
    // over by api-1's acquire at 11.
    #expect(lock.hold == Self.stats(2, mean: 4 * second, p50: 1 * second, p90: 7 * second, p95: 7 * second, p99: 7 * second, max: 7 * second, unfinished: 1))
    #expect(lock.waitTotalNanos == 11 * second && lock.holdTotalNanos == 11 * second)
    #expect(lock.queueMax == 3 && lock.queueMean == 11.0 / 12.0)
    #expect(lock.utilization == 11.0 / 12.0)
    // worker-1 blocks three waiters 3 s each; cron-1, dead from 10, blocks api-1 9–11.
    #expect(lock.causedWaitNanos == 11 * second)
  }

  @Test("timeouts: per agent, only the timeout counts in timeout_rate; crashes abandon a wait and a hold")
  func timeoutsAgents() throws {
    let run = try Run("timeouts.jsonl")
    let api1 = try run.agent("api-1")
    #expect(api1.attempts == 2 && api1.timeouts == 1 && api1.timeoutRate == 0.5)
    #expect(api1.wait.count == 1 && api1.waitTotalNanos == 5 * second && api1.waitShare == 5.0 / 6.0)
    let api2 = try run.agent("api-2")
    #expect(api2.attempts == 1 && api2.timeouts == 0 && api2.timeoutRate == 0 && api2.wait.count == 0)
    #expect(api2.waitTotalNanos == 3 * second && api2.waitShare == 1.0)
    let api3 = try run.agent("api-3")
    #expect(api3.attempts == 1 && api3.timeouts == 0 && api3.wait.count == 0 && api3.waitTotalNanos == 3 * second)
    #expect(api3.queueMax == 3)
    let cron = try run.agent("cron-1")
    #expect(cron.hold.count == 0 && cron.hold.unfinished == 1 && cron.holdTotalNanos == 3 * second)
    #expect(cron.causedWaitNanos == 2 * second && run.report.agent("worker-1")?.causedWaitNanos == Int128(9 * second))
    let orphan = try #require(run.findings("orphan").first)
    #expect(orphan.agents == ["cron-1"] && orphan.detail("cause") == .string("crash") && orphan.source == run.source(11))
    #expect(run.findings("timeout").first?.agents == ["api-1"])
  }

  // MARK: - anomalies.jsonl

  @Test("anomalies: each of the 11 kinds is counted once, at its line")
  func anomalyKinds() throws {
    let run = try Run("anomalies.jsonl")
    let expected: [(kind: String, line: Int)] = [
      ("acquire-while-held", 2), ("double-acquire", 3), ("release-by-non-holder", 6), ("duplicate-request", 8),
      ("timeout-without-request", 11), ("cancel-without-request", 12), ("renew-by-non-holder", 13),
      ("expire-by-non-holder", 14), ("renew-after-lease-expired", 16), ("release-after-lease-expired", 18),
      ("clock-backwards", 19),
    ]
    #expect(run.anomalies == Dictionary(uniqueKeysWithValues: expected.map { ($0.kind, 1) }))
    #expect(Set(run.anomalies.keys) == Set(Anomaly.Kind.allCases.map(\.rawValue)))  // every kind of docs/semantics.md
    let listed = run.findings("anomaly").compactMap { finding -> (String, String)? in
      guard case .string(let kind)? = finding.detail("anomaly") else { return nil }
      return (kind, finding.source)
    }
    #expect(listed.map(\.0) == expected.map(\.kind))
    #expect(listed.map(\.1) == expected.map { run.source($0.line) })
    #expect(run.findings("anomaly").last?.detail("skew_ns") == .int(500 * millisecond))
    #expect(run.report.summary.skippedLines == 0 && run.report.summary.events == 20)
  }

  @Test("anomalies: the log is believed where it can be, ignored where it cannot")
  func anomalyMetrics() throws {
    let run = try Run("anomalies.jsonl")
    // acquire-while-held: both hold (planner-1 0–3, its double acquire ignored; executor-1 1–3).
    let users = try run.lock("db:users")
    #expect(users.acquisitions == 3 && users.contentionRate == 0)
    #expect(users.hold == Self.stats(2, mean: 2_500 * millisecond, p50: 2 * second, p90: 3 * second, p95: 3 * second, p99: 3 * second, max: 3 * second))
    // duplicate-request: the first request (5 s) stands, so the wait is 2 s, not 1 s.
    let orders = try run.lock("db:orders")
    #expect(orders.attempts == 1 && orders.wait.max == 2 * second && orders.timeouts == 0)
    #expect(orders.hold.max == 1 * second)
    // renew after the lease ran out: the hold ended at its deadline, 14 s.
    let sessions = try run.lock("cache:sessions")
    #expect(sessions.hold.count == 0 && sessions.hold.unfinished == 1 && sessions.holdTotalNanos == 1 * second)
    // clock-backwards: the 17.5 s acquire is applied at 18 s, so critic-1 holds 18–19.
    let jobs = try run.lock("queue:jobs")
    #expect(jobs.hold == Self.stats(1, mean: 1 * second, p50: 1 * second, p90: 1 * second, p95: 1 * second, p99: 1 * second, max: 1 * second, unfinished: 1))
    #expect(jobs.holdTotalNanos == 2 * second)
    #expect(run.report.overall.utilization == 7.0 / 76.0)  // (3 + 1 + 1 + 2) s over 19 s × 4 locks
    #expect(run.report.summary.lastTime == Self.time(19))
  }

  // MARK: - merge/worker-{a,b,c}.jsonl

  @Test("merge: three per-worker logs merged by time make one handoff chain")
  func mergedMetrics() throws {
    let run = try Run("merge/worker-a.jsonl", "merge/worker-b.jsonl", "merge/worker-c.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)
    #expect(run.report.summary.events == 12 && run.report.summary.lastTime == Self.time(12))
    let lock = try run.lock("repo:main")
    #expect(lock.attempts == 4 && lock.contentionRate == 0.75)
    // Waits: a 0, b 1–4, c 1–7, a 8–10.25.
    #expect(lock.wait == Self.stats(4, mean: 2_812_500_000, p50: 2_250 * millisecond, p90: 6 * second, p95: 6 * second, p99: 6 * second, max: 6 * second))
    // Holds: a 0–4, b 4–7, c 7–10, a 10.25–12.
    #expect(lock.hold == Self.stats(4, mean: 2_937_500_000, p50: 3 * second, p90: 4 * second, p95: 4 * second, p99: 4 * second, max: 4 * second))
    #expect(lock.queueMax == 2 && lock.queueMean == 11.25 / 12.0)
    #expect(lock.utilization == 11.75 / 12.0)
    // a blocks b and c 1–4; b blocks c 4–7; c blocks a 8–10; 10–10.25 nobody holds.
    #expect(lock.causedWaitNanos == 11 * second && lock.waitTotalNanos == 11_250 * millisecond)
    #expect(run.report.agent("ci-runner-a")?.causedWaitNanos == Int128(6 * second))
    #expect(run.report.agent("ci-runner-b")?.causedWaitNanos == Int128(3 * second))
    #expect(run.report.agent("ci-runner-c")?.causedWaitNanos == Int128(2 * second))
    #expect(run.report.agent("ci-runner-a")?.waitShare == 2.25 / 8.0)
  }

  @Test("merge: equal timestamps in different files keep the command-line order of the files")
  func mergeIsStable() throws {
    // a, b, c: b's request at 1 s joins the queue before c's, so c joined a queue of 2.
    let abc = try Run("merge/worker-a.jsonl", "merge/worker-b.jsonl", "merge/worker-c.jsonl")
    #expect(abc.report.agent("ci-runner-b")?.queueMax == 1 && abc.report.agent("ci-runner-c")?.queueMax == 2)
    // a, c, b: the other way round at 1 s; and at 7 s c's acquire now comes before b's release.
    let acb = try Run("merge/worker-a.jsonl", "merge/worker-c.jsonl", "merge/worker-b.jsonl")
    #expect(acb.report.agent("ci-runner-c")?.queueMax == 1 && acb.report.agent("ci-runner-b")?.queueMax == 2)
    #expect(acb.anomalies == ["acquire-while-held": 1])
    #expect(acb.findings("anomaly").first?.source == acb.source(2, input: 1))
    // b, a, c: b's acquire at 4 s comes before a's release at 4 s.
    let bac = try Run("merge/worker-b.jsonl", "merge/worker-a.jsonl", "merge/worker-c.jsonl")
    #expect(bac.anomalies == ["acquire-while-held": 1])
    #expect(bac.findings("anomaly").first?.source == bac.source(2, input: 0))
  }

  @Test("merge: one worker's log alone does not show who made it wait")
  func mergeIsNeeded() throws {
    let alone = try Run("merge/worker-b.jsonl")
    let lock = try alone.lock("repo:main")
    #expect(lock.wait.max == 3 * second && lock.contentionRate == 0 && lock.causedWaitNanos == 0)
  }

  // MARK: - timestamps.jsonl

  /// `timestamps.jsonl` with every `ts` written as RFC 3339 UTC with nine digits.
  static let plainTimestamps = [
    ("00.000000000", "request", "planner-1"), ("00.000000000", "acquire", "planner-1"),
    ("00.500000000", "request", "executor-1"), ("01.250000000", "request", "critic-1"),
    ("02.123456789", "release", "planner-1"), ("02.123456789", "acquire", "executor-1"),
    ("03.000000000", "release", "executor-1"), ("03.000000000", "acquire", "critic-1"),
    ("03.500000000", "release", "critic-1"), ("04.250000000", "request", "planner-1"),
    ("04.250000000", "acquire", "planner-1"), ("05.000000000", "release", "planner-1"),
    ("05.500000000", "acquire", "executor-1"), ("06.000000000", "release", "executor-1"),
  ].map { #"{"ts":"2026-11-22T10:00:\#($0.0)Z","event":"\#($0.1)","agent":"\#($0.2)","lock":"db:users"}"# }
    .joined(separator: "\n")

  @Test("timestamps: every ts form (offsets, 0–9 digits, epoch s/ms/µs/ns, exponents) gives the same report as plain UTC")
  func timestampForms() throws {
    let run = try Run("timestamps.jsonl")
    let plain = try analyze(Self.plainTimestamps)
    #expect(run.report.summary.skippedLines == 0 && run.report.summary.events == 14)
    #expect(run.report.summary.firstTime == plain.summary.firstTime && run.report.summary.lastTime == plain.summary.lastTime)
    #expect(run.report.overall == plain.overall)
    #expect(run.report.locks == plain.locks)
    #expect(run.report.agents == plain.agents)
  }

  @Test("timestamps: the hand-worked metrics, to the nanosecond")
  func timestampMetrics() throws {
    let run = try Run("timestamps.jsonl")
    #expect(run.report.summary.firstTime == t0 && run.report.summary.lastTime == t0 + 6 * second)
    let lock = try run.lock("db:users")
    #expect(lock.attempts == 5 && lock.contentionRate == 0.4)
    // Waits 0, 0, 0, 1.623456789, 1.75 s; holds 0.5, 0.5, 0.75, 0.876543211, 2.123456789 s.
    #expect(lock.wait == Self.stats(5, mean: 674_691_357, p50: 0, p90: 1_750_000_000, p95: 1_750_000_000, p99: 1_750_000_000, max: 1_750_000_000))
    #expect(lock.hold == Self.stats(5, mean: 950_000_000, p50: 750_000_000, p90: 2_123_456_789, p95: 2_123_456_789, p99: 2_123_456_789, max: 2_123_456_789))
    #expect(lock.waitTotalNanos == 3_373_456_789 && lock.holdTotalNanos == 4_750_000_000)
    #expect(lock.utilization == 4.75 / 6.0)
    #expect(run.report.agent("planner-1")?.causedWaitNanos == Int128(2_496_913_578))
    #expect(run.report.agent("executor-1")?.causedWaitNanos == Int128(876_543_211))
  }

  // MARK: - escapes.jsonl

  @Test("escapes: names written with JSON escapes are the same names as written raw")
  func escapedNames() throws {
    let run = try Run("escapes.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)  // every release matched its acquire's name
    #expect(Set(run.report.locks.map(\.name)) == ["db:café", "vault:🔒", "s3:/bucket/key", #"C:\locks\main"#, "cache:résumé"])
    let agents = Set(run.report.agents.compactMap(\.name))
    #expect(agents.isSuperset(of: [#"planner "alpha""#, "planner-1", "line1\nline2", "col1\tcol2"]))
    let cafe = try run.lock("db:caf\u{e9}")
    #expect(cafe.attempts == 2 && cafe.acquisitions == 2 && cafe.contentionRate == 0.5)
    #expect(cafe.wait.max == 1 * second && cafe.hold.count == 2 && cafe.hold.max == 2 * second)
    #expect(run.report.agent(#"planner "alpha""#)?.causedWaitNanos == Int128(1 * second))
    for name in ["vault:\u{1F512}", "s3:/bucket/key", #"C:\locks\main"#] {
      let lock = try run.lock(name)
      #expect(lock.hold.count == 1 && lock.hold.max == 1 * second && lock.hold.unfinished == 0, "\(name)")
    }
    #expect(run.report.agent("line1\nline2")?.holdTotalNanos == Int128(1 * second))
    #expect(run.report.agent("col1\tcol2")?.holdTotalNanos == Int128(1 * second))
  }

  @Test("escapes: escaped keys, event values, mode values and timestamps read as their decoded text (RFC 8259)")
  func escapedKeywords() throws {
    let run = try Run("escapes.jsonl")
    // Line 5 spells its key "\u0074s", line 15 its ts "…10:00:0\u0037Z", line 12 its event
    // "\u0061cquire" and mode "sh\u0061red", line 14 its event "rel\u0065ase".
    #expect(run.report.summary.skippedLines == 0)
    #expect(run.warnings.isEmpty)
    #expect(run.report.summary.events == 15)
    let resume = try run.lock("cache:résumé")
    #expect(resume.acquisitions == 2 && resume.hold.count == 2 && resume.hold.max == 1 * second)
    #expect(run.report.anomalyCounts.isEmpty)  // critic-1 and critic-2 share it
    #expect(run.report.agent("critic-1")?.holdTotalNanos == Int128(1 * second))
  }

  // MARK: - malformed.jsonl

  /// Every bad line of `malformed.jsonl` and its reason.
  static let malformedLines: [(line: Int64, reason: String)] = [
    (2, "not a JSON object (column 1)"),
    (3, "unterminated string (column 79)"),
    (4, "trailing characters after the object (column 90)"),
    (5, "not a JSON object (an array) (column 1)"),
    (6, #"missing field "ts""#),
    (7, #"missing field "event""#),
    (8, #"missing field "agent""#),
    (9, #"missing field "lock" (required for acquire)"#),
    (11, #""agent" must be a string, not a number (column 56)"#),
    (12, #""capacity" must be an integer >= 1 (column 109)"#),
    (13, #"unknown event "steal" (expected one of request, acquire, release, timeout, cancel, renew, expire, crash) (column 38)"#),
    (14, #"unreadable timestamp "2026-11-22T25:00:00Z" (expected RFC 3339 or an epoch number) (column 7)"#),
    (15, #""mode" must be "exclusive" or "shared" (column 95)"#),
    (16, "invalid UTF-8 sequence (column 66)"),
    (17, #"unpaired surrogate \uD800 in a name (column 83)"#),
    (18, #"duplicate key "lock" (column 90)"#),
    (24, #""ts" must be a string or a number, not a boolean (column 7)"#),
    (25, "expected a key string (column 86)"),
  ]

  @Test("malformed: every bad line is skipped and reported as FILE:LINE: reason; blank lines are not")
  func malformedReasons() throws {
    let run = try Run("malformed.jsonl") { $0.shownSkippedLines = 100 }
    #expect(run.report.summary.skippedLines == 18)
    #expect(run.report.summary.events == 7)
    #expect(run.report.skipped.map(\.line) == Self.malformedLines.map(\.line))
    #expect(run.report.skipped.map(\.reason) == Self.malformedLines.map(\.reason))
    #expect(run.warnings == Self.malformedLines.map { "\(run.paths[0]):\($0.line): \($0.reason)" })
  }

  @Test("malformed: by default the first 10 bad lines are shown, all 18 counted")
  func malformedShownLimit() throws {
    let run = try Run("malformed.jsonl")
    #expect(run.report.summary.skippedLines == 18)
    #expect(run.warnings.count == 10 && run.report.skipped.count == 10)
    #expect(run.report.skipped.last?.line == 12)
  }

  @Test("malformed: the valid lines, including a crash without a lock and a last line without a newline, are analysed")
  func malformedValidLines() throws {
    let run = try Run("malformed.jsonl")
    #expect(run.report.anomalyCounts.isEmpty)
    #expect(run.report.locks.map(\.name) == ["db:users"])
    let lock = try run.lock("db:users")
    #expect(lock.attempts == 3 && lock.acquisitions == 3 && lock.contentionRate == 1.0 / 3.0)
    #expect(lock.wait == Self.stats(3, mean: second / 3, p50: 0, p90: 1 * second, p95: 1 * second, p99: 1 * second, max: 1 * second))
    // planner-1 0–2 and 3–4 (the last line has no newline); executor-1 2–3 ended by its crash.
    #expect(lock.hold == Self.stats(2, mean: 1_500 * millisecond, p50: 1 * second, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second, unfinished: 1))
    #expect(lock.utilization == 1.0 && lock.queueMean == 0.25)
    #expect(run.report.overall.utilization == 1.0)  // one lock: the names of skipped lines are no locks
    #expect(run.report.summary.lastTime == t0 + 4 * second)
  }

  @Test("malformed: names seen only on skipped lines are not counted as agents or locks")
  func malformedNamesDoNotLeak() throws {
    let run = try Run("malformed.jsonl")
    #expect(Set(run.report.agents.compactMap(\.name)) == ["planner-1", "executor-1"])
    #expect(run.report.summary.agents == 2)
    #expect(run.report.summary.locks == 1)
  }

  @Test("malformed: --strict stops at the first bad line")
  func malformedStrict() throws {
    let path = fixture("malformed.jsonl")
    var options = AnalysisOptions()
    options.strict = true
    #expect(throws: InputError("\(path):2: not a JSON object (column 1) (--strict)")) {
      _ = try LogAnalysis.run(paths: [path], options: options) { _ in }
    }
  }

  // MARK: - remap.jsonl

  private static func remapped(_ options: inout AnalysisOptions) {
    for (field, key) in [(Field.ts, "timestamp"), (.event, "action"), (.agent, "worker"), (.lock, "resource"), (.mode, "access")] {
      options.fieldMap.remap(field, to: key)
    }
    for (kind, name) in [(EventKind.request, "lock_requested"), (.acquire, "lock_acquired"), (.release, "lock_released"), (.timeout, "lock_timeout")] {
      options.fieldMap.remap(kind, to: name)
    }
  }

  /// `remap.jsonl` in the default field and event names.
  static let plainRemap = [
    (0, "request", "ingest-1", ""), (0, "acquire", "ingest-1", ""), (1, "request", "ingest-2", ""),
    (2, "request", "ingest-3", ""), (3, "release", "ingest-1", ""), (3, "acquire", "ingest-2", ""),
    (4, "timeout", "ingest-3", ""), (5, "release", "ingest-2", ""), (6, "acquire", "ingest-3", #","mode":"shared""#),
    (6, "acquire", "ingest-1", #","mode":"shared""#), (8, "release", "ingest-3", ""), (8, "release", "ingest-1", ""),
  ].map { line(Double($0.0), $0.1, $0.2, "s3:bucket/raw", extra: $0.3) }.joined(separator: "\n")

  @Test("remap: other field and event names, read with --field/--event, give the plain log's report")
  func remapMatchesPlain() throws {
    let run = try Run("remap.jsonl", configure: Self.remapped)
    let plain = try analyze(Self.plainRemap)
    #expect(run.report.summary.skippedLines == 0 && run.report.summary.events == 12)
    #expect(run.report.anomalyCounts.isEmpty)  // the two shared holders at 6 s coexist: "access" was read as the mode
    #expect(run.report.overall == plain.overall && run.report.locks == plain.locks && run.report.agents == plain.agents)
    let lock = try run.lock("s3:bucket/raw")
    #expect(lock.attempts == 5 && lock.timeouts == 1 && lock.timeoutRate == 0.2 && lock.contentionRate == 0.4)
    #expect(lock.wait == Self.stats(4, mean: 500 * millisecond, p50: 0, p90: 2 * second, p95: 2 * second, p99: 2 * second, max: 2 * second))
    #expect(lock.hold == Self.stats(4, mean: 2_250 * millisecond, p50: 2 * second, p90: 3 * second, p95: 3 * second, p99: 3 * second, max: 3 * second))
    #expect(lock.queueMax == 2 && lock.queueMean == 0.5 && lock.utilization == 0.875)
    #expect(lock.causedWaitNanos == 4 * second && run.report.agent("ingest-1")?.causedWaitNanos == Int128(3 * second))
  }

  @Test("remap: without the remapping every line lacks \"ts\" and is skipped")
  func remapIsNeeded() throws {
    let run = try Run("remap.jsonl")
    #expect(run.report.summary.skippedLines == 12 && run.report.summary.events == 0)
    #expect(run.warnings.first == "\(run.paths[0]):1: missing field \"ts\"")
  }
}

/// SPEC §1 `crash`: the dead holder's locks stay held, orphaned, until reclaimed, lapsed or
/// taken over (fixtures/crash-held.jsonl, worked out in fixtures/README.md).
@Suite("A crashed holder's locks stay held")
struct CrashHeldTests {
  @Test("waiters behind a crashed holder are contended, and its locks count as held until reclaimed or taken over")
  func crashedHoldsStayHeld() throws {
    let report = try LogAnalysis.run(paths: [fixture("crash-held.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.anomalyCounts.isEmpty)
    let l = try #require(report.lock("L"))
    #expect(l.attempts == 3 && l.contentionRate == 1.0 / 3.0)
    #expect(l.hold.count == 2 && l.hold.unfinished == 1 && l.holdTotalNanos == 3 * second)
    #expect(l.utilization == 3.0 / 3.5 && l.causedWaitNanos == 500 * millisecond)
    let m = try #require(report.lock("M"))
    #expect(m.attempts == 2 && m.contentionRate == 0.5 && m.wait.max == 1_500 * millisecond)
    #expect(m.utilization == 1.0 && m.causedWaitNanos == 1_500 * millisecond)
    let a = try #require(report.agent("a"))
    #expect(a.hold.unfinished == 2 && a.holdTotalNanos == 5 * second && a.causedWaitNanos == 2 * second)
    // M's orphan comes first: it kept c waiting 1.5 s (critical), L's b 0.5 s (warning).
    let orphans = report.findings.filter { $0.kind == "orphan" }
    #expect(orphans.map(\.locks) == [["M"], ["L"]])
    #expect(orphans.map(\.severity) == [.critical, .warning])
    for orphan in orphans {
      #expect(orphan.detail("cause") == .string("crash") && orphan.time == t0 + 1 * second)
      #expect(orphan.detail("held_ns") == .int(1 * second) && orphan.source.hasSuffix("crash-held.jsonl:3"))
    }
    #expect(orphans.map { $0.detail("orphaned_ns") } == [.int(2 * second), .int(1 * second)])
  }

  @Test("a crashed agent's name acting again is a new life: it does not release the dead one's lock")
  func newLifeAfterCrash() throws {
    let report = try analyze(
      [
        line(0, "acquire", "a", "L"), line(1, "crash", "a"), line(2, "release", "a", "L"),
        line(3, "acquire", "a", "L"), line(4, "release", "a", "L"),
      ].joined(separator: "\n"))
    // The release @2 is by a's new life, which holds nothing: an anomaly. Its acquire @3
    // takes over the dead hold (0–3), and its own hold 3–4 is released.
    #expect(report.anomalyCounts.map(\.kind) == ["release-by-non-holder"])
    let lock = try #require(report.lock("L"))
    #expect(lock.hold.count == 1 && lock.hold.unfinished == 1 && lock.holdTotalNanos == 4 * second)
  }
}
