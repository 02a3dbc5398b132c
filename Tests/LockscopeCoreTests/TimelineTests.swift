import Testing

@testable import LockscopeCore

@Suite("Per-lock state machine and metrics")
struct TimelineTests {
  /// The worked example of docs/semantics.md-style hand computation:
  /// a holds L 0–4 s, b waits 1–4 and holds 4–6, c waits 2–6 and holds 6–7;
  /// a also takes M at 10 s with no wait, so the span is 10 s.
  static let handoff = [
    line(0, "acquire", "a", "L"),
    line(1, "request", "b", "L"),
    line(2, "request", "c", "L"),
    line(4, "release", "a", "L"),
    line(4, "acquire", "b", "L"),
    line(6, "release", "b", "L"),
    line(6, "acquire", "c", "L"),
    line(7, "release", "c", "L"),
    line(10, "acquire", "a", "M"),
    line(10, "release", "a", "M"),
  ].joined(separator: "\n")

  @Test("every metric of a lock, worked out by hand")
  func lockMetrics() throws {
    let report = try analyze(Self.handoff)
    let lock = try #require(report.lock("L"))
    #expect(lock.attempts == 3 && lock.acquisitions == 3 && lock.timeouts == 0)
    // Waits: a bare acquire (0), b 3 s, c 4 s.
    #expect(lock.wait == DurationStats(count: 3, mean: 7 * second / 3, p50: 3 * second, p90: 4 * second, p95: 4 * second, p99: 4 * second, max: 4 * second))
    // Holds: a 4 s, b 2 s, c 1 s.
    #expect(lock.hold == DurationStats(count: 3, mean: 7 * second / 3, p50: 2 * second, p90: 4 * second, p95: 4 * second, p99: 4 * second, max: 4 * second))
    #expect(lock.contentionRate == 2.0 / 3.0)
    #expect(lock.queueMax == 2)
    #expect(lock.queueMean == 0.7)  // (3 s + 4 s of waiting) / 10 s
    #expect(lock.utilization == 0.7)  // held 0–7 of 10 s
    #expect(lock.waitShare == 0.5)  // 7 s waiting, 7 s holding
    #expect(lock.causedWaitNanos == 7 * second)
    #expect(lock.waitTotalNanos == 7 * second && lock.holdTotalNanos == 7 * second)
  }

  @Test("agent metrics: who waited, who made them wait")
  func agentMetrics() throws {
    let report = try analyze(Self.handoff)
    let a = try #require(report.agent("a"))
    let b = try #require(report.agent("b"))
    let c = try #require(report.agent("c"))
    // a blocked b for 3 s and c for 2 s; b blocked c for 2 s.
    #expect(a.causedWaitNanos == 5 * second && b.causedWaitNanos == 2 * second && c.causedWaitNanos == 0)
    #expect(b.waitShare == 0.6)  // 3 s waiting / (3 s + 2 s holding)
    #expect(b.utilization == 0.2 && a.utilization == 0.4)
    #expect(b.queueMax == 1 && c.queueMax == 2)
    #expect(c.queueMean == 1.5)  // two waiters for 2 s, then one for 2 s, over its 4 s wait
    #expect(a.attempts == 2 && a.acquisitions == 2 && a.wait.max == 0)
    #expect(report.agents.map(\.name) == ["c", "b", "a"])  // by total wait
  }

  @Test("overall metrics treat the system as one")
  func overallMetrics() throws {
    let report = try analyze(Self.handoff)
    let overall = report.overall
    #expect(overall.attempts == 4 && overall.acquisitions == 4)
    #expect(overall.wait.p50 == 0)  // samples 0, 0, 3 s, 4 s
    #expect(overall.utilization == 0.35)  // (7 s + 0 s) / (10 s × 2 locks)
    #expect(overall.queueMax == 2 && overall.queueMean == 0.7)
    #expect(overall.causedWaitNanos == 7 * second)
    #expect(report.summary.firstTime == t0 && report.summary.lastTime == t0 + 10 * second)
    #expect(report.locks.map(\.name) == ["L", "M"])
  }

  @Test("timeout and cancel end a wait unsampled; only timeouts count in timeout_rate")
  func timeoutAndCancel() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L"),
      line(1, "request", "b", "L"),
      line(2, "request", "c", "L"),
      line(3, "timeout", "b", "L"),
      line(4, "cancel", "c", "L"),
      line(5, "release", "a", "L"),
    ].joined(separator: "\n"))
    let lock = try #require(report.lock("L"))
    #expect(lock.attempts == 3 && lock.acquisitions == 1 && lock.timeouts == 1)
    #expect(lock.timeoutRate == 1.0 / 3.0)
    #expect(lock.wait.count == 1)  // only a's bare acquire
    #expect(lock.waitTotalNanos == 4 * second)  // b 2 s + c 2 s still count as time waited
    #expect(report.agent("b")?.timeouts == 1 && report.agent("c")?.timeouts == 0)
  }

  @Test("leases: renew extends, a lapsed lease ends the hold at its deadline, a late release is named")
  func leases() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L", extra: #","lease_ms":2000"#),
      line(1, "renew", "a", "L", extra: #","lease_ms":2000"#),
      line(5, "acquire", "b", "L"),
      line(6, "release", "a", "L"),
      line(7, "release", "b", "L"),
    ].joined(separator: "\n"))
    let lock = try #require(report.lock("L"))
    #expect(lock.hold.count == 1 && lock.hold.max == 2 * second && lock.hold.unfinished == 1)
    #expect(lock.holdTotalNanos == 5 * second)  // a 0–3 (deadline after the renew), b 5–7
    #expect(report.anomalyCounts.map(\.kind) == ["release-after-lease-expired"])
  }

  @Test("renew without lease_ms reuses the last lease; renew by a non-holder is an anomaly")
  func renewReusesLease() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L", extra: #","lease_ms":1000"#),
      line(0.5, "renew", "a", "L"),
      line(1.2, "release", "a", "L"),  // deadline was 1.5 s: in time
      line(2, "renew", "z", "L"),
    ].joined(separator: "\n"))
    #expect(report.lock("L")?.hold.count == 1)
    #expect(report.anomalyCounts.map(\.kind) == ["renew-by-non-holder"])
  }

  @Test("expire ends the hold unfinished; an expire after the lease already lapsed is no anomaly")
  func expire() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L", extra: #","lease_ms":1000"#),
      line(3, "expire", "a", "L"),
      line(4, "acquire", "b", "M", extra: #","lease_ms":1000"#),
      line(6, "request", "c", "M"),
      line(7, "expire", "b", "M"),
      line(8, "expire", "z", "M"),
    ].joined(separator: "\n"))
    let l = try #require(report.lock("L"))
    #expect(l.hold.unfinished == 1 && l.holdTotalNanos == 3 * second)  // its own expire ends it at 3 s
    let m = try #require(report.lock("M"))
    #expect(m.hold.unfinished == 1 && m.holdTotalNanos == 1 * second)  // lapsed at 5 s
    #expect(report.anomalyCounts.map(\.kind) == ["expire-by-non-holder"])
  }

  @Test("crash abandons every hold and wait of the agent")
  func crash() throws {
    let report = try analyze([
      line(0, "acquire", "c", "M"),
      line(0, "acquire", "a", "L"),
      line(1, "request", "a", "M"),
      line(2, "request", "b", "L"),
      line(3, "crash", "a"),
      line(3, "acquire", "b", "L"),
      line(4, "release", "b", "L"),
      line(4, "release", "c", "M"),
    ].joined(separator: "\n"))
    let l = try #require(report.lock("L"))
    #expect(l.hold.unfinished == 1 && l.hold.count == 1)
    let m = try #require(report.lock("M"))
    #expect(m.wait.count == 1 && m.waitTotalNanos == 2 * second)  // a's abandoned wait counts as time, not as a sample
    #expect(report.anomalyCounts.isEmpty)
  }

  @Test("at the end of the log open holds are unfinished and open waits are counted as time")
  func endOfLog() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L"),
      line(1, "request", "b", "L"),
      line(5, "acquire", "c", "N"),
      line(5, "release", "c", "N"),
    ].joined(separator: "\n"))
    let lock = try #require(report.lock("L"))
    #expect(lock.hold.count == 0 && lock.hold.unfinished == 1)
    #expect(lock.wait.count == 1 && lock.waitTotalNanos == 4 * second)
    #expect(lock.utilization == 1.0)
  }

  @Test("shared holders coexist; a writer waits for all of them, split evenly; a reader behind it waits for the writer")
  func sharedLocks() throws {
    let report = try analyze([
      line(0, "acquire", "r1", "L", extra: #","mode":"shared""#),
      line(0, "acquire", "r2", "L", extra: #","mode":"shared""#),
      line(1, "request", "w", "L"),
      line(2, "request", "r3", "L", extra: #","mode":"shared""#),
      line(3, "release", "r1", "L"),
      line(5, "release", "r2", "L"),
      line(5, "acquire", "w", "L"),
      line(6, "release", "w", "L"),
      line(6, "acquire", "r3", "L", extra: #","mode":"shared""#),
      line(7, "release", "r3", "L"),
    ].joined(separator: "\n"))
    #expect(report.anomalyCounts.isEmpty)
    let lock = try #require(report.lock("L"))
    // r1 and r2 got in freely; w waited; r3 queued behind the waiting writer.
    #expect(lock.contentionRate == 2.0 / 4.0)
    // 1–3: w blocked by r1 and r2, 3–5 by r2 alone; r3, a reader no holder blocks, waits
    // for the writer queued ahead of it from 2 to 5, then for its hold 5–6 (SPEC §2).
    // r1: w 1–3 ÷ 2 = 1 s; r2: 1 s + 2 s = 3 s; w: r3 2–6 = 4 s.
    #expect(report.agent("r1")?.causedWaitNanos == Int128(second))
    #expect(report.agent("r2")?.causedWaitNanos == Int128(3) * Int128(second))
    #expect(report.agent("w")?.causedWaitNanos == Int128(4) * Int128(second))
    #expect(lock.causedWaitNanos == 8 * second)  // w 4 s + r3 4 s
  }

  @Test("a queue on a free lock: each waiter waits for everyone ahead of it, the front for nobody")
  func freeLockQueue() throws {
    let report = try analyze([
      line(0, "acquire", "a", "L"),
      line(0, "request", "b", "L"),
      line(0, "request", "c", "L"),
      line(0, "request", "d", "L"),
      line(1, "release", "a", "L"),
      line(2, "acquire", "b", "L"),
      line(3, "release", "b", "L"),
      line(3, "acquire", "c", "L"),
      line(4, "release", "c", "L"),
      line(4, "acquire", "d", "L"),
      line(5, "release", "d", "L"),
    ].joined(separator: "\n"))
    // 0–1: b, c, d wait for a's hold (3 s to a). 1–2, the lock free: c waits for b (1 s),
    // d for b and c (½ s each); b, at the front, for nobody. 2–3: c, d for b's hold (2 s);
    // 3–4: d for c's (1 s). a 3 s, b 3.5 s, c 1.5 s, d 0; the lock: 9 s of waiting, 8 blocked.
    #expect(report.agent("a")?.causedWaitNanos == Int128(3) * Int128(second))
    #expect(report.agent("b")?.causedWaitNanos == Int128(3_500) * Int128(millisecond))
    #expect(report.agent("c")?.causedWaitNanos == Int128(1_500) * Int128(millisecond))
    #expect(report.agent("d")?.causedWaitNanos ?? 0 == 0)
    let lock = try #require(report.lock("L"))
    #expect(lock.waitTotalNanos == 9 * second && lock.causedWaitNanos == 8 * second)
  }

  @Test("a semaphore lets capacity holders in; the next one waits")
  func semaphore() throws {
    let report = try analyze([
      line(0, "acquire", "a", "S", extra: #","capacity":2"#),
      line(0, "acquire", "b", "S"),
      line(1, "request", "c", "S"),
      line(2, "release", "a", "S"),
      line(2, "acquire", "c", "S"),
      line(3, "release", "b", "S"),
      line(3, "release", "c", "S"),
    ].joined(separator: "\n"))
    #expect(report.anomalyCounts.isEmpty)
    let lock = try #require(report.lock("S"))
    #expect(lock.contentionRate == 1.0 / 3.0)
    #expect(lock.wait.max == 1 * second)
    // c is blocked by both holders for 1 s: half a second each.
    #expect(report.agent("a")?.causedWaitNanos == Int128(500) * Int128(millisecond))
    #expect(report.agent("b")?.causedWaitNanos == Int128(500) * Int128(millisecond))
  }

  @Test("a third holder of a full semaphore is an anomaly")
  func semaphoreOverCapacity() throws {
    let report = try analyze([
      line(0, "acquire", "a", "S", extra: #","capacity":2"#),
      line(0, "acquire", "b", "S"),
      line(1, "acquire", "c", "S"),
    ].joined(separator: "\n"))
    #expect(report.anomalyCounts.map(\.kind) == ["acquire-while-held"])
  }

  @Test("asking again for an exclusive lock one holds is contended (a self-deadlock)")
  func selfRequest() throws {
    let report = try analyze([line(0, "acquire", "a", "L"), line(1, "request", "a", "L")].joined(separator: "\n"))
    #expect(report.lock("L")?.contentionRate == 0.5)
  }

  @Test(
    "each protocol anomaly is counted and listed with its source line",
    arguments: [
      ([line(0, "release", "a", "L")], "release-by-non-holder"),
      ([line(0, "acquire", "a", "L"), line(1, "acquire", "b", "L")], "acquire-while-held"),
      ([line(0, "acquire", "a", "L"), line(1, "acquire", "a", "L")], "double-acquire"),
      ([line(0, "request", "a", "L"), line(1, "request", "a", "L")], "duplicate-request"),
      ([line(0, "timeout", "a", "L")], "timeout-without-request"),
      ([line(0, "cancel", "a", "L")], "cancel-without-request"),
      ([line(0, "renew", "a", "L")], "renew-by-non-holder"),
      ([line(0, "expire", "a", "L")], "expire-by-non-holder"),
      ([line(5, "acquire", "a", "L"), line(1, "release", "a", "L")], "clock-backwards"),
      ([line(0, "acquire", "a", "L", extra: #","lease_ms":100"#), line(1, "renew", "a", "L")], "renew-after-lease-expired"),
    ])
  func anomalies(lines: [String], kind: String) throws {
    let report = try analyze(lines.joined(separator: "\n"))
    #expect(report.anomalyCounts.map(\.kind) == [kind])
    let finding = try #require(report.findings.first { $0.kind == "anomaly" })
    #expect(finding.detail("anomaly") == .string(kind))
    #expect(finding.source.hasSuffix(":\(lines.count)"))
  }

  @Test("a clock going backwards is analysed at the latest time, so no duration is negative")
  func clockBackwards() throws {
    let report = try analyze([line(5, "acquire", "a", "L"), line(1, "release", "a", "L")].joined(separator: "\n"))
    #expect(report.lock("L")?.hold.max == 0)
    #expect(report.findings.first { $0.kind == "anomaly" }?.detail("skew_ns") == .int(4 * second))
  }

  @Test("--lock analyses only matching locks; crash events still apply")
  func lockFilter() throws {
    let report = try analyze(Self.handoff) { $0.lockGlobs = [Glob("M")] }
    #expect(report.locks.map(\.name) == ["M"])
    #expect(report.overall.acquisitions == 1)
  }

  @Test("--agent counts only matching agents, but the lock state still follows everyone")
  func agentFilter() throws {
    let report = try analyze(Self.handoff) { $0.agentGlobs = [Glob("c")] }
    #expect(report.agents.map(\.name) == ["c"])
    let lock = try #require(report.lock("L"))
    #expect(lock.attempts == 1 && lock.wait.max == 4 * second)  // c's wait, measured against a's and b's holds
    #expect(report.lock("M") == nil)  // c never touched M
  }

  @Test("--since/--until: the state comes from before the window, integrals are clipped to it")
  func window() throws {
    let report = try analyze(Self.handoff) {
      $0.since = t0 + 3 * second
      $0.until = t0 + 5 * second
    }
    #expect(report.summary.firstTime == t0 + 3 * second && report.summary.lastTime == t0 + 5 * second)
    let lock = try #require(report.lock("L"))
    // In 3–5 s: a's release (4 s) ends a 4 s hold, b's acquire (4 s) ends a 3 s wait.
    #expect(lock.hold.count == 1 && lock.hold.max == 4 * second)
    #expect(lock.wait.count == 1 && lock.wait.max == 3 * second)
    #expect(lock.attempts == 0)  // every request was before the window
    #expect(lock.utilization == 1.0)
    #expect(lock.queueMean == 1.5)  // 3–4: b and c; 4–5: c
    #expect(lock.hold.unfinished == 1)  // b's hold is cut by the window's end
  }
}

extension DurationStats {
  init(count: Int, mean: Int64, p50: Int64, p90: Int64, p95: Int64, p99: Int64, max: Int64, unfinished: Int = 0) {
    self.init()
    self.count = count
    self.mean = mean
    self.p50 = p50
    self.p90 = p90
    self.p95 = p95
    self.p99 = p99
    self.max = max
    self.unfinished = unfinished
  }
}
