import Foundation
import Testing

@testable import LockscopeCore

/// Shapes of ordinary logs that once hung, trapped or grew without bound (each test is named
/// after what happened). The numbers are small enough for a unit test; Scripts/scale.sh runs
/// the same shapes at full size and times them.
@Suite("Linear at any shape")
struct ScaleShapeTests {
  @Test("an agent holding 1,000 locks at once is analysed with bounded gate sets (each edge once kept every other held lock: 1.8 GB)")
  func deepNesting() throws {
    var lines: [String] = []
    for k in 0..<1000 { lines.append(line(Double(k) / 1000, "acquire", "deep", "L\(k)")) }
    for k in (0..<1000).reversed() { lines.append(line(2 + Double(999 - k) / 1000, "release", "deep", "L\(k)")) }
    let report = try analyze(lines.joined(separator: "\n"))
    #expect(report.summary.locks == 1000)
    #expect(report.overall.acquisitions == 1000)
    #expect(!report.findings.contains { $0.kind == .lockOrderInversion })
  }

  @Test("transactions taking rows in key order find no inversion, and one taken against the order is found")
  func transactionsInKeyOrder() throws {
    // 300 transactions of 8 rows out of 500, in key order, by 6 agents: a large acyclic order
    // graph whose rows first appear in random order. Then one transaction takes two of its
    // rows the other way round.
    var generator = SplitMix(seed: 7)
    var lines: [String] = []
    var t = 0.0
    var lastRows: [Int] = []
    for n in 0..<300 {
      var rows = Set<Int>()
      while rows.count < 8 { rows.insert(Int.random(in: 0..<500, using: &generator)) }
      lastRows = rows.sorted()
      for row in lastRows {
        t += 0.001
        lines.append(line(t, "acquire", "tx\(n % 6)", "row:\(row)"))
      }
      for row in lastRows {
        t += 0.001
        lines.append(line(t, "release", "tx\(n % 6)", "row:\(row)"))
      }
    }
    let inOrder = try analyze(lines.joined(separator: "\n"))
    #expect(!inOrder.findings.contains { $0.kind == .lockOrderInversion })
    let (low, high) = (lastRows[0], lastRows[7])
    for (event, row) in [("acquire", high), ("acquire", low), ("release", low), ("release", high)] {
      t += 0.001
      lines.append(line(t, event, "rogue", "row:\(row)"))
    }
    let inverted = try analyze(lines.joined(separator: "\n"))
    let inversions = inverted.findings.filter { $0.kind == .lockOrderInversion }
    #expect(inversions.count == 1)
    #expect(inversions.first.map { Set($0.locks) } == ["row:\(low)", "row:\(high)"])
  }

  @Test("a crowd of 60 readers released in shuffled order: every hold found, a writer waits for the last (holes in the holder list)")
  func readerCrowdReleasedInAnyOrder() throws {
    // Reader k takes 'config' (shared) at k ms and lets go at 100 ms + order[k] ms; a writer
    // asks at 70 ms and gets it after the last reader leaves (159 ms), at 160 ms: a 90 ms wait.
    var generator = SplitMix(seed: 11)
    let order = Array(0..<60).shuffled(using: &generator)
    var events: [(Double, String)] = []
    for k in 0..<60 {
      events.append((Double(k), line(Double(k) / 1000, "acquire", "r\(k)", "config", extra: #","mode":"shared""#)))
      events.append(
        (100 + Double(order[k]), line((100 + Double(order[k])) / 1000, "release", "r\(k)", "config", extra: #","mode":"shared""#)))
    }
    events.append((70, line(0.070, "request", "writer", "config")))
    events.append((159.5, line(0.160, "acquire", "writer", "config")))
    events.append((161, line(0.161, "release", "writer", "config")))
    let log = events.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n")
    let report = try analyze(log)
    for k in 0..<60 {
      let held = Int64(100 + order[k] - k) * millisecond
      #expect(report.agent("r\(k)")?.hold.max == held, "r\(k)")
    }
    #expect(report.agent("writer")?.wait.max == 90 * millisecond)
    #expect(!report.findings.contains { $0.kind == .anomaly })
  }

  @Test("totals past Int64.max stay exact: a hundred agents queued a hundred years (the mean once fell below the median)")
  func totalsPastInt64() throws {
    // 'holder' holds L from 1950 to 2050 (36,525 days); 100 agents queue for all of it, then
    // take L in turn at 2050. Each wait is 3.15576e18 ns; their sum, 3.15576e20, is 34
    // times Int64.max.
    var lines = [#"{"ts":"1950-01-01T00:00:00Z","event":"acquire","agent":"holder","lock":"L"}"#]
    for k in 0..<100 { lines.append(#"{"ts":"1950-01-01T00:00:00Z","event":"request","agent":"w\#(k)","lock":"L"}"#) }
    lines.append(#"{"ts":"2050-01-01T00:00:00Z","event":"release","agent":"holder","lock":"L"}"#)
    for k in 0..<100 {
      lines.append(#"{"ts":"2050-01-01T00:00:00Z","event":"acquire","agent":"w\#(k)","lock":"L"}"#)
      lines.append(#"{"ts":"2050-01-01T00:00:00Z","event":"release","agent":"w\#(k)","lock":"L"}"#)
    }
    let report = try analyze(lines.joined(separator: "\n"))
    let century: Int64 = 36_525 * 86_400 * 1_000_000_000
    let lock = try #require(report.lock("L"))
    #expect(lock.wait.count == 101)  // the holder's bare acquire waits 0
    #expect(lock.wait.mean == Int64(Int128(century) * 100 / 101))
    #expect(lock.wait.p50 == century)
    #expect(lock.waitTotalNanos == Int128(century) * 100)
    #expect(report.agent("holder")?.causedWaitNanos == Int128(century) * 100)
    let json = JSONReportRenderer().render(report)
    #expect(json.contains(#""wait_total_ns": 315576000000000000000"#))
    #expect(json.contains(#""caused_wait_ns": 315576000000000000000"#))
  }
}

/// The cycle detector against a brute-force reachability check on random graphs.
@Suite("Online cycle detection")
struct OnlineCycleDetectorTests {
  /// Seeds 6 and 7: 120 nodes and 600 edges, so components made of merged components merge
  /// again, and edges recorded before a merge (kept per component) point at merged ones.
  @Test("each new edge is reported on a cycle exactly when its target reaches its source", arguments: [1, 2, 3, 4, 5, 6, 7])
  func agreesWithBruteForce(seed: UInt64) {
    var generator = SplitMix(seed: seed)
    let nodes = Int32(seed == 1 ? 12 : seed >= 6 ? 120 : 40)
    var detector = OnlineCycleDetector()
    var successors: [Int32: [Int32]] = [:]
    for _ in 0..<(seed == 1 ? 40 : seed >= 6 ? 600 : 160) {
      var from = Int32.random(in: 0..<nodes, using: &generator)
      var to = Int32.random(in: 0..<nodes, using: &generator)
      // Mostly "low before high", as real lock orders are, with some edges against it.
      if from > to && Int.random(in: 0..<4, using: &generator) != 0 { swap(&from, &to) }
      if from == to { continue }
      successors[from, default: []].append(to)
      let expected = reaches(to, from, successors)
      #expect(detector.insert(from: from, to: to) == expected, "edge \(from) → \(to)")
    }
    // Afterwards, two nodes share a component exactly when each reaches the other.
    for a in 0..<nodes {
      for b in 0..<nodes where a < b {
        let both = reaches(a, b, successors) && reaches(b, a, successors)
        #expect(detector.onCommonCycle(a, b) == both, "\(a) and \(b)")
      }
    }
  }

  /// Seed 8: 300 nodes, 3,000 edges, a third against the order: most nodes end in one
  /// component that many cycles join, so its edge lists are appended to far past 16 entries
  /// and remade (repeats dropped) again and again.
  @Test("a component that many cycles join keeps answering exactly, and every edge between components runs along the order")
  func manyMergesIntoOne() {
    var generator = SplitMix(seed: 8)
    let nodes: Int32 = 300
    var detector = OnlineCycleDetector()
    var successors: [Int32: [Int32]] = [:]
    var edges: [(Int32, Int32)] = []
    for _ in 0..<3000 {
      var from = Int32.random(in: 0..<nodes, using: &generator)
      var to = Int32.random(in: 0..<nodes, using: &generator)
      if from > to && Int.random(in: 0..<3, using: &generator) != 0 { swap(&from, &to) }
      if from == to { continue }
      successors[from, default: []].append(to)
      edges.append((from, to))
      let onCycle = detector.insert(from: from, to: to)
      #expect(onCycle == reaches(to, from, successors), "edge \(from) → \(to)")
    }
    let reach = (0..<nodes).map { start in reachable(from: start, successors) }
    for a in 0..<nodes {
      for b in 0..<nodes where a < b {
        let together = detector.onCommonCycle(a, b)
        #expect(together == (reach[Int(a)].contains(b) && reach[Int(b)].contains(a)), "\(a) and \(b)")
      }
    }
    for (from, to) in edges where !detector.onCommonCycle(from, to) {
      #expect(detector.precedes(from, to), "\(from) → \(to) against the order")
    }
  }

  @Test("a component that cycle after cycle joins keeps its edge list within twice its distinct targets, repeats and all")
  func mergedEdgeListsStayBounded() {
    var detector = OnlineCycleDetector()
    // A hub 0 in a cycle with each of 1...400 in turn; each of those also points at a node
    // of its own outside (1000 + i) and at one that all share (999): every cycle merges one
    // small component into the hub's, whose list gets 999 again each time.
    _ = detector.insert(from: 0, to: 999)
    var targets = 1
    for node: Int32 in 1...400 {
      _ = detector.insert(from: node, to: 1000 + node)
      _ = detector.insert(from: node, to: 999)
      targets += 1
      _ = detector.insert(from: 0, to: node)
      let closes = detector.insert(from: node, to: 0)
      #expect(closes, "the cycle 0 → \(node) → 0")
      let counts = detector.edgeListCounts(0)
      #expect(counts.successors >= targets)
      #expect(counts.successors <= 2 * targets + 17, "after \(node): \(counts.successors) entries for \(targets) targets")
    }
    let (inside, outsideHub) = (detector.onCommonCycle(0, 400), detector.onCommonCycle(0, 1400))
    #expect(inside && !outsideHub)
  }

  @Test("an edge against the order into a node that reaches nothing puts it after the source unsearched; one that reaches more is searched")
  func targetReachingNothing() {
    var detector = OnlineCycleDetector()
    // Nodes come in the order first seen: 0 before 1. 0 reaches nothing: the shortcut.
    #expect(detector.insert(from: 1, to: 0) == false)
    #expect(detector.precedes(1, 0))
    #expect(detector.insert(from: 0, to: 1) == true)  // the order it left still finds the cycle
    // 3 reaches 4: no shortcut, the search finds the cycle.
    _ = detector.insert(from: 3, to: 4)
    #expect(detector.insert(from: 4, to: 3) == true)
    // 5 reaches 6: both must move after 7, not 5 alone.
    _ = detector.insert(from: 5, to: 6)
    #expect(detector.insert(from: 7, to: 5) == false)
    #expect(detector.precedes(7, 5) && detector.precedes(5, 6) && detector.precedes(7, 6))
  }

  private func reachable(from start: Int32, _ successors: [Int32: [Int32]]) -> Set<Int32> {
    var seen: Set<Int32> = [start]
    var stack = [start]
    while let node = stack.popLast() {
      for next in successors[node] ?? [] where seen.insert(next).inserted { stack.append(next) }
    }
    return seen
  }

  private func reaches(_ start: Int32, _ goal: Int32, _ successors: [Int32: [Int32]]) -> Bool {
    var seen: Set<Int32> = [start]
    var stack = [start]
    while let node = stack.popLast() {
      if node == goal { return true }
      for next in successors[node] ?? [] where seen.insert(next).inserted { stack.append(next) }
    }
    return false
  }
}
