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
    #expect(!report.findings.contains { $0.kind == "lock-order-inversion" })
  }

  @Test("transactions taking rows in key order find no inversion, and one taken against the order is found")
  func transactionsInKeyOrder() throws {
    // 300 transactions of 8 rows out of 500, in key order, by 6 agents: a large acyclic order
    // graph whose rows first appear in random order. Then one transaction takes two of its
    // rows the other way round.
    var generator = SeededGenerator(seed: 7)
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
    #expect(!inOrder.findings.contains { $0.kind == "lock-order-inversion" })
    let (low, high) = (lastRows[0], lastRows[7])
    for (event, row) in [("acquire", high), ("acquire", low), ("release", low), ("release", high)] {
      t += 0.001
      lines.append(line(t, event, "rogue", "row:\(row)"))
    }
    let inverted = try analyze(lines.joined(separator: "\n"))
    let inversions = inverted.findings.filter { $0.kind == "lock-order-inversion" }
    #expect(inversions.count == 1)
    #expect(inversions.first.map { Set($0.locks) } == ["row:\(low)", "row:\(high)"])
  }
}

/// The cycle detector against a brute-force reachability check on random graphs.
@Suite("Online cycle detection")
struct OnlineCycleDetectorTests {
  @Test("each new edge is reported on a cycle exactly when its target reaches its source", arguments: [1, 2, 3, 4, 5])
  func agreesWithBruteForce(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let nodes = Int32(seed == 1 ? 12 : 40)
    var detector = OnlineCycleDetector()
    var successors: [Int32: [Int32]] = [:]
    for _ in 0..<(seed == 1 ? 40 : 160) {
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

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
