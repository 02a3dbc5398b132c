import Testing

@testable import LockscopeCore

/// The overall row takes no samples while events come: its wait, hold and blocked digests
/// are the selected agents' merged at the end. These check it against digests fed every
/// sample directly, below and past the 128 exact samples, with and without `--agent`.
@Suite("Overall row")
struct OverallRowTests {
  /// Uses one after another (no contention): use `i` is agent `i % 7` on lock `i % 5`,
  /// waiting `wait(i)` and holding `hold(i)` microseconds; a few end in a timeout.
  struct Uses {
    let count: Int
    func wait(_ i: Int) -> Int64 { Int64((i * 7_919) % 3_001) * 1_000 }
    func hold(_ i: Int) -> Int64 { Int64((i * 104_729) % 9_973 + 1) * 1_000 }
    func timesOut(_ i: Int) -> Bool { i % 11 == 3 }
    func agent(_ i: Int) -> String { "agent-\(i % 7)" }

    var log: String {
      var lines: [String] = []
      var now: Int64 = 0
      func line(_ event: String, _ i: Int) {
        // Epoch nanoseconds (SPEC §1: a number of 1e17 or more).
        lines.append(#"{"ts":\#(1_795_000_000_000_000_000 + now),"event":"\#(event)","agent":"\#(agent(i))","lock":"lock-\#(i % 5)"}"#)
      }
      for i in 0..<count {
        line("request", i)
        now += wait(i)
        if timesOut(i) {
          line("timeout", i)
        } else {
          line("acquire", i)
          now += hold(i)
          line("release", i)
        }
        now += 1_000
      }
      return lines.joined(separator: "\n") + "\n"
    }

    /// The digests the overall row must equal, fed directly, for the agents `keep` selects.
    func expected(keep: (Int) -> Bool) -> (wait: LatencyDigest, hold: LatencyDigest, blocked: LatencyDigest) {
      var (waits, holds, blocked) = (LatencyDigest(), LatencyDigest(), LatencyDigest())
      for i in 0..<count where keep(i) {
        blocked.add(wait(i))  // a timeout is a blocked sample, not a wait sample
        if timesOut(i) { continue }
        waits.add(wait(i))
        holds.add(hold(i))
      }
      return (waits, holds, blocked)
    }
  }

  func stats(_ digest: LatencyDigest) -> [Int64] {
    let summary = digest.summary
    return [Int64(summary.count), summary.mean, summary.p50, summary.p90, summary.p95, summary.p99, summary.max]
  }

  func stats(_ row: DurationStats) -> [Int64] { [Int64(row.count), row.mean, row.p50, row.p90, row.p95, row.p99, row.max] }

  @Test("wait, hold and blocked of the overall row equal digests fed every sample", arguments: [40, 129, 2_000])
  func overallEqualsDirect(count: Int) throws {
    let uses = Uses(count: count)
    let report = try analyze(uses.log)
    let expected = uses.expected { _ in true }
    #expect(stats(report.overall.wait) == stats(expected.wait))
    #expect(stats(report.overall.hold) == stats(expected.hold))
    #expect(stats(report.overall.blocked) == stats(expected.blocked))
    #expect(report.overall.acquisitions == expected.wait.count)
  }

  @Test("under --agent the overall row holds the selected agents' samples only")
  func overallUnderSelection() throws {
    let uses = Uses(count: 2_000)
    let report = try analyze(uses.log) { $0.agentGlobs = [Glob("agent-[0-2]")] }
    let expected = uses.expected { $0 % 7 <= 2 }
    #expect(stats(report.overall.wait) == stats(expected.wait))
    #expect(stats(report.overall.hold) == stats(expected.hold))
    #expect(stats(report.overall.blocked) == stats(expected.blocked))
  }
}
