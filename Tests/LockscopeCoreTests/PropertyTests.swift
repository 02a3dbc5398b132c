import Foundation
import Testing

@testable import LockscopeCore

/// A seeded random log that follows the lock protocol: agents request, acquire, release,
/// time out and sometimes take a lock with no request; timestamps only go forward.
struct RandomLog {
  typealias Generator = SplitMix

  /// The lines, in log order, with the agent of each.
  var lines: [(agent: String, text: String)] = []

  /// `sameTime`: the share of steps (in %) that reuse the previous timestamp.
  init(seed: UInt64, events: Int = 400, agents: Int = 6, locks: Int = 3, sameTime: Int = 0) {
    var random = Generator(seed: seed)
    var holder: [Int?] = Array(repeating: nil, count: locks)
    var waitingOn: [Int?] = Array(repeating: nil, count: agents)
    var holding: [Int?] = Array(repeating: nil, count: agents)
    var time: Int64 = 1_763_805_600_000  // ms
    for _ in 0..<events {
      if random.below(100) >= sameTime { time += Int64(1 + random.below(500)) }
      let a = random.below(agents)
      let agent = "agent-\(a)"
      func emit(_ event: String, _ lock: Int) {
        lines.append((agent, #"{"ts":\#(time),"event":"\#(event)","agent":"\#(agent)","lock":"L\#(lock)","note":"r\#(random.below(1000))"}"#))
      }
      if let lock = holding[a] {
        emit("release", lock)
        holder[lock] = nil
        holding[a] = nil
      } else if let lock = waitingOn[a] {
        if holder[lock] == nil {
          emit("acquire", lock)
          holder[lock] = a
          holding[a] = lock
          waitingOn[a] = nil
        } else if random.below(4) == 0 {
          emit("timeout", lock)
          waitingOn[a] = nil
        }
      } else {
        let lock = random.below(locks)
        if holder[lock] == nil && random.below(3) == 0 {
          emit("acquire", lock)  // no request: a bare acquire
          holder[lock] = a
          holding[a] = lock
        } else {
          emit("request", lock)
          waitingOn[a] = lock
        }
      }
    }
  }

  var text: String { lines.map(\.text).joined(separator: "\n") + "\n" }
}

/// Invariants that hold for any log, checked on seeded random ones (issue: hostile input).
@Suite("Invariants on random logs")
struct PropertyTests {
  static let seeds: [UInt64] = Array(1...12)

  func report(_ paths: [String]) throws -> Report {
    try LogAnalysis.run(paths: paths, options: AnalysisOptions()) { _ in }
  }

  /// The values that must not depend on how the log was cut or ordered.
  func rows(_ report: Report) -> [String] {
    (report.locks.array + report.agents.array + [report.overall]).map { row in
      "\(row.name ?? "overall") \(row.attempts) \(row.acquisitions) \(row.timeouts) \(row.wait) \(row.hold) \(row.waitTotalNanos) \(row.holdTotalNanos) \(row.causedWaitNanos)"
    }
  }

  @Test("one file per agent, merged, gives the same report as the single file", arguments: seeds)
  func splitByAgent(seed: UInt64) throws {
    let log = RandomLog(seed: seed)
    let whole = try report([temporaryFile(log.text)])
    let byAgent = Dictionary(grouping: log.lines, by: \.agent)
    let paths = byAgent.keys.sorted().map { agent in
      temporaryFile(byAgent[agent]!.map(\.text).joined(separator: "\n") + "\n", name: "\(agent).jsonl")
    }
    let merged = try report(paths)
    #expect(rows(merged) == rows(whole))
    #expect(merged.summary.events == whole.summary.events)
    #expect(merged.anomalyCounts.map(\.count) == whole.anomalyCounts.map(\.count))
  }

  @Test("shuffling lines within equal timestamps does not change the counts", arguments: seeds)
  func shuffleEqualTimestamps(seed: UInt64) throws {
    let log = RandomLog(seed: seed, sameTime: 60)
    var random = RandomLog.Generator(seed: seed ^ 0xABCD)
    // Group runs of equal "ts", shuffle inside each run.
    var shuffled: [String] = []
    var run: [String] = []
    var runTime = ""
    for line in log.lines.map(\.text) {
      let time = String(line.split(separator: ",")[0])
      if time != runTime && !run.isEmpty {
        for i in stride(from: run.count - 1, to: 0, by: -1) { run.swapAt(i, random.below(i + 1)) }
        shuffled += run
        run = []
      }
      runTime = time
      run.append(line)
    }
    shuffled += run
    let original = try report([temporaryFile(log.text)])
    let reordered = try report([temporaryFile(shuffled.joined(separator: "\n") + "\n")])
    #expect(reordered.summary.events == original.summary.events)
    #expect(reordered.summary.firstTime == original.summary.firstTime && reordered.summary.lastTime == original.summary.lastTime)
    // Every acquire line is an acquisition whatever the order; whether a request came first
    // (an attempt, a wait) may change when an acquire and its request share a timestamp.
    #expect(reordered.overall.acquisitions == original.overall.acquisitions)
    #expect(reordered.locks.map { "\($0.name!) \($0.acquisitions)" } .sorted() == original.locks.map { "\($0.name!) \($0.acquisitions)" }.sorted())
    #expect(reordered.agents.map { "\($0.name!) \($0.acquisitions)" } .sorted() == original.agents.map { "\($0.name!) \($0.acquisitions)" }.sorted())
  }

  @Test("garbage lines between good ones change only skipped_lines", arguments: seeds)
  func garbageOnlySkips(seed: UInt64) throws {
    let log = RandomLog(seed: seed)
    var random = RandomLog.Generator(seed: seed ^ 0x5EED)
    let garbage = [
      "not json", "{", #"{"ts":1,"event":"acquire"}"#, "[1,2]", #"{"ts":"yesterday","event":"acquire","agent":"x","lock":"L0"}"#,
      "\u{FFFD}\u{1}\u{2}", #"{"ts":1763805600000,"event":"explode","agent":"x","lock":"L0"}"#, "}{",
    ]
    var lines: [String] = []
    var inserted = 0
    for line in log.lines.map(\.text) {
      if random.below(3) == 0 {
        lines.append(garbage[random.below(garbage.count)])
        inserted += 1
      }
      lines.append(line)
    }
    let clean = try report([temporaryFile(log.text)])
    let dirty = try report([temporaryFile(lines.joined(separator: "\n") + "\n")])
    #expect(dirty.summary.skippedLines == inserted)
    #expect(dirty.summary.events == clean.summary.events)
    #expect(rows(dirty) == rows(clean))
    // Names seen only on bad lines ("x") are not agents.
    #expect(dirty.summary.agents == clean.summary.agents && dirty.summary.locks == clean.summary.locks)
  }

  @Test("waits and holds are never negative, percentiles are monotone, events are the good lines", arguments: seeds)
  func soundness(seed: UInt64) throws {
    let log = RandomLog(seed: seed, sameTime: 20)
    let result = try report([temporaryFile(log.text)])
    #expect(result.summary.events == Int64(log.lines.count))
    for row in result.locks.array + result.agents.array + [result.overall] {
      for stats in [row.wait, row.hold] {
        #expect(stats.max >= 0 && stats.mean >= 0 && stats.p50 >= 0)
        #expect(stats.p50 <= stats.p90 && stats.p90 <= stats.p95 && stats.p95 <= stats.p99 && stats.p99 <= stats.max)
      }
      #expect(row.waitTotalNanos >= 0 && row.holdTotalNanos >= 0 && row.causedWaitNanos >= 0)
      #expect((0...1).contains(row.contentionRate) && (0...1).contains(row.timeoutRate))
      #expect((0...1).contains(row.utilization) && (0...1).contains(row.waitShare))
    }
  }
}
