import Foundation
import Testing

@testable import LockscopeCore

/// Issue 18: `fairness` per lock and overall by arrays indexed by id is the same index as
/// grouping the (lock, agent) pairs by dictionary (the way families still are).
@Suite("Fairness by arrays")
struct FairnessTests {
  @Test("random pairs: each lock's index and the overall one match the grouped computation")
  func arraysMatchGrouping() {
    var random = SplitMix(seed: 18)
    for _ in 0..<50 {
      var pairs = BlockedPairs()
      let (locks, agents) = (1 + random.below(30), 1 + random.below(30))
      for _ in 0..<random.below(200) {
        let key = LockAgentKey(lock: LockID(Int32(random.below(locks))), agent: AgentID(Int32(random.below(agents))))
        // Some pairs with no samples: they count for nothing.
        if random.below(10) == 0 { pairs.add(key, total: 0, count: 0) } else { pairs.add(key, sample: Int64(random.below(1_000_000))) }
      }
      let fast = ReportBuilder<Analyzers>.fairness(pairs)
      let byLock = ReportBuilder<Analyzers>.fairness(pairs, groupOf: { $0.rawValue })
      for lock in 0..<(locks + 2) {
        #expect(abs(fast.locks[lock] - (byLock[Int32(lock)] ?? 1)) < 1e-12)
      }
      let overall = ReportBuilder<Analyzers>.fairness(pairs, groupOf: { _ in 0 })[0] ?? 1
      #expect(abs(fast.overall - overall) < 1e-12)
    }
  }

  @Test("two agents on a lock, means 1 and 3: (1+3)²/(2·(1+9)) = 0.8; a lock with one agent is 1")
  func handWorked() {
    var pairs = BlockedPairs()
    pairs.add(LockAgentKey(lock: LockID(0), agent: AgentID(0)), sample: 1)
    pairs.add(LockAgentKey(lock: LockID(0), agent: AgentID(1)), sample: 3)
    pairs.add(LockAgentKey(lock: LockID(2), agent: AgentID(1)), sample: 5)
    let fairness = ReportBuilder<Analyzers>.fairness(pairs)
    #expect(fairness.locks[0] == 0.8)
    #expect(fairness.locks[1] == 1)
    #expect(fairness.locks[2] == 1)
    // Agents' means over all their locks: 1 and (3+5)/2 = 4 → 25/(2·17).
    #expect(abs(fairness.overall - 25.0 / 34.0) < 1e-15)
  }

  @Test("pairs kept by lock and by dictionary: every pair once, sums added to the right one")
  func pairsEveryOnce() {
    var pairs = BlockedPairs()
    var expected: [LockAgentKey: (total: Int128, count: Int)] = [:]
    var random = SplitMix(seed: 1818)
    for _ in 0..<2_000 {
      let key = LockAgentKey(lock: LockID(Int32(random.below(40))), agent: AgentID(Int32(random.below(5))))
      let sample = Int64(random.below(1000)) - 100  // some negative: counted as 0
      pairs.add(key, sample: sample)
      expected[key, default: (0, 0)].total += Int128(max(0, sample))
      expected[key, default: (0, 0)].count += 1
    }
    var seen: [LockAgentKey: (total: Int128, count: Int)] = [:]
    for (key, sum) in pairs {
      #expect(seen[key] == nil)
      seen[key] = (sum.total, sum.count)
    }
    #expect(seen.count == expected.count)
    for (key, sums) in expected {
      #expect(seen[key]?.total == sums.total && seen[key]?.count == sums.count)
    }
  }

  @Test("a pair past 64-bit totals or 32-bit counts keeps its exact sum, and goes on adding")
  func widePairsExact() {
    var pairs = BlockedPairs()
    let firstOfLock = LockAgentKey(lock: LockID(0), agent: AgentID(0))
    let big = LockAgentKey(lock: LockID(0), agent: AgentID(1))
    let many = LockAgentKey(lock: LockID(0), agent: AgentID(2))
    pairs.add(firstOfLock, sample: 1)
    pairs.add(big, total: Int128(Int64.max), count: 1)
    pairs.add(big, sample: 10)  // past Int64.max: moves to the exact table
    pairs.add(big, sample: 5)  // and keeps adding there
    pairs.add(many, total: 7, count: Int(UInt32.max))
    pairs.add(many, total: 3, count: 2)
    var seen: [LockAgentKey: StatisticsAnalyzer.BlockedSum] = [:]
    for (key, sum) in pairs {
      #expect(seen[key] == nil)
      seen[key] = sum
    }
    #expect(seen.count == 3)
    #expect(seen[big]?.total == Int128(Int64.max) + 15 && seen[big]?.count == 3)
    #expect(seen[many]?.total == 10 && seen[many]?.count == Int(UInt32.max) + 2)
    #expect(seen[firstOfLock]?.total == 1 && seen[firstOfLock]?.count == 1)
  }

  @Test("a lock's first pair past 64-bit totals or 32-bit counts keeps its exact sum, in its place in the order")
  func wideFirstPairsExact() {
    var pairs = BlockedPairs()
    let big = LockAgentKey(lock: LockID(0), agent: AgentID(3))
    let many = LockAgentKey(lock: LockID(1), agent: AgentID(4))
    let other = LockAgentKey(lock: LockID(1), agent: AgentID(5))
    pairs.add(big, total: Int128(Int64.max), count: 1)
    pairs.add(big, sample: 10)  // past Int64.max: moves whole to the exact table
    pairs.add(big, sample: 5)  // and keeps adding there
    pairs.add(many, total: 7, count: Int(UInt32.max) - 1)
    pairs.add(many, total: 3, count: 2)
    pairs.add(other, sample: 4)
    let seen = Array(pairs)
    // First pairs by lock, then the others: the order per-lock sums are made in.
    #expect(seen.map(\.key) == [big, many, other])
    #expect(seen[0].value.total == Int128(Int64.max) + 15 && seen[0].value.count == 3)
    #expect(seen[1].value.total == 10 && seen[1].value.count == Int(UInt32.max) + 1)
    #expect(seen[2].value.total == 4 && seen[2].value.count == 1)
  }

  @Test("per-key locks, each blocked on by its own agent: no lock is shared, and every lock's index is 1")
  func perKeyLocksNeedNoTotals() {
    var pairs = BlockedPairs()
    for id in 0..<1_000 as Range<Int32> { pairs.add(LockAgentKey(lock: LockID(id), agent: AgentID(id)), sample: Int64(id) * 1000) }
    #expect(pairs.maxSharedLock == -1 && pairs.maxAgent == 999)
    let fairness = ReportBuilder<Analyzers>.fairness(pairs)
    #expect((0..<1_001).allSatisfy { fairness.locks[$0] == 1 })
    // Agents' means 0, 1000, ..., 999000: (Σx)²/(n·Σx²) = (999·1000/2)² / (1000·(999·1000·1999/6)).
    let n = 1000.0
    let expected = pow(999 * n / 2, 2) / (n * (999 * n * 1999 / 6))
    #expect(abs(fairness.overall - expected) < 1e-12)
  }

  @Test("an agent whose blocked total passes 64 bits over its locks still has its exact mean")
  func wideAgentTotals() {
    var pairs = BlockedPairs()
    let half = Int128(Int64.max) / 2 + 1
    // Agent 0: three pairs summing past Int64.max, mean (3·half)/3 = half; agent 1: mean half.
    for lock in 0..<3 as Range<Int32> { pairs.add(LockAgentKey(lock: LockID(lock), agent: AgentID(0)), total: half, count: 1) }
    pairs.add(LockAgentKey(lock: LockID(3), agent: AgentID(1)), total: half, count: 1)
    #expect(ReportBuilder<Analyzers>.fairness(pairs).overall == 1)
    pairs.add(LockAgentKey(lock: LockID(4), agent: AgentID(1)), total: 0, count: 1)
    // Agent 1's mean is now half/2: (1.5)²/(2·1.25) = 0.9.
    #expect(abs(ReportBuilder<Analyzers>.fairness(pairs).overall - 0.9) < 1e-12)
  }
}

/// The fairness pairs' table spreads keys made of many locks and few agents (a
/// transaction log: 100,000 rows taken by a handful of agents), instead of piling them
/// on a few home slots and probing runs thousands long.
@Suite("Blocked pairs' table")
struct BlockedPairsTableTests {
  @Test("200,000 (lock, agent) keys over 4 agents reach most of the home slots a random hash would")
  func homesSpread() {
    let slots = 1 << 19
    var homes = Set<Int>()
    for lock in 0..<50_000 {
      for agent in 0..<4 {
        homes.insert(OtherPairs.home(of: LockAgentKey(lock: LockID(Int32(lock)), agent: AgentID(Int32(agent))).rawValue, slots: slots))
      }
    }
    // A random hash reaches slots·(1 − e^(−n/slots)) ≈ 164,000 of them; the middle bits
    // reached about 1,000.
    #expect(homes.count > 150_000)
  }

  @Test("every pair added over many locks and agents is read back once with its sum")
  func everyPairBack() {
    var pairs = BlockedPairs()
    var expected: [LockAgentKey: (Int128, Int)] = [:]
    for lock in 0..<3_000 {
      for agent in 0..<5 {
        let key = LockAgentKey(lock: LockID(Int32(lock)), agent: AgentID(Int32(agent)))
        pairs.add(key, sample: Int64(lock * 10 + agent))
        pairs.add(key, sample: 1)
        expected[key] = (Int128(lock * 10 + agent + 1), 2)
      }
    }
    var seen = 0
    for (key, sum) in pairs {
      seen += 1
      #expect(expected[key].map { $0.0 == sum.total && $0.1 == sum.count } == true, "\(key)")
    }
    #expect(seen == expected.count)
  }

  @Test("a shared lock's pairs past the table's 44-bit totals or 20-bit counts keep their exact sums")
  func pastTheSlotWidths() {
    var pairs = BlockedPairs()
    var expected: [LockAgentKey: (total: Int128, count: Int)] = [:]
    func add(_ lock: Int32, _ agent: Int32, _ sample: Int64) {
      let key = LockAgentKey(lock: LockID(lock), agent: AgentID(agent))
      pairs.add(key, sample: sample)
      expected[key, default: (0, 0)].total += Int128(sample)
      expected[key, default: (0, 0)].count += 1
    }
    // Agent 0 is each lock's first; agents 1 and 2 are in the table.
    for lock in 0..<4 as Range<Int32> { add(lock, 0, 5) }
    // Count: 2^20 + 3 samples of 1 ns, past the 20 bits.
    for _ in 0..<(1 << 20) + 3 { add(0, 1, 1) }
    // Total: three samples of 2^43 ns pass 2^44 − 1 on the second; one exactly at the edge.
    for _ in 0..<3 { add(1, 1, 1 << 43) }
    add(2, 1, (1 << 44) - 1)
    add(3, 2, (1 << 44) - 2)
    add(3, 2, 1)
    // Shard sums go on adding to a pair already wide, and may widen one.
    pairs.add(LockAgentKey(lock: LockID(1), agent: AgentID(1)), total: 7, count: 2)
    expected[LockAgentKey(lock: LockID(1), agent: AgentID(1))]!.total += 7
    expected[LockAgentKey(lock: LockID(1), agent: AgentID(1))]!.count += 2
    pairs.add(LockAgentKey(lock: LockID(2), agent: AgentID(2)), total: Int128(1) << 50, count: 1)
    expected[LockAgentKey(lock: LockID(2), agent: AgentID(2)), default: (0, 0)].total += Int128(1) << 50
    expected[LockAgentKey(lock: LockID(2), agent: AgentID(2)), default: (0, 0)].count += 1
    var seen: [LockAgentKey] = []
    for (key, sum) in pairs {
      seen.append(key)
      #expect(expected[key].map { $0.total == sum.total && $0.count == sum.count } == true, "\(key): \(sum)")
    }
    #expect(seen.count == expected.count && Set(seen).count == seen.count)
  }
}
