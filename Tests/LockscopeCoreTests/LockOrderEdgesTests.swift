import Testing

@testable import LockscopeCore

/// The lock-order edge store (an open-addressing table over packed pairs, first witnesses
/// shared per attempt, gates as a mask over a held prefix) against a plain Dictionary that
/// keeps every edge's facts spelled out, on random witness sequences.
@Suite("Lock-order edge store")
struct LockOrderEdgesTests {
  /// What one edge should be, kept the simple way.
  struct Expected: Equatable {
    var index: Int32
    var firstAgent: AgentID
    var secondAgent: AgentID?
    var gates: [LockID]
    var sharedOnly: Bool
    var heldAt: LockscopeCore.SourceLocation
    var acquiredAt: LockscopeCore.SourceLocation
    var time: Int64
  }

  @Test("an edge record is 28 bytes, its first witness shared: the transactions shape once kept ~120 bytes an edge")
  func edgeRecordIsSmall() {
    #expect(MemoryLayout<LockOrderEdges.Edge>.stride == 28)
    #expect(MemoryLayout<GateSet>.size == 1)
  }

  @Test(
    "every witness finds, adds or narrows the same edge as a Dictionary of (from, to) would, in any order and past several table growths",
    arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
  func agreesWithDictionary(seed: UInt64) {
    var generator = SplitMix(seed: seed)
    // Few locks make repeated witnesses (narrowing, second agents); many make the table grow.
    let lockCount = Int32(seed.isMultiple(of: 2) ? 12 : 400)
    var store = LockOrderEdges()
    var reference: [Int64: Expected] = [:]
    var order: [Int64] = []
    for step in 0..<4000 {
      // One attempt: an agent holding a few distinct locks asks for `to`.
      let agent = AgentID(Int32.random(in: 0..<5, using: &generator))
      var held: [LockID] = []
      for _ in 0..<Int.random(in: 1...8, using: &generator) {
        let lock = LockID(Int32.random(in: 0..<lockCount, using: &generator))
        if !held.contains(lock) { held.append(lock) }
      }
      let to = LockID(Int32.random(in: 0..<lockCount, using: &generator))
      let time = Int64(step)
      let acquiredAt = LockscopeCore.SourceLocation(input: 0, line: Int64(step) + 1)
      let prefix = held.count > 1 ? store.addPrefix(held) : GatePrefixes.none
      let attempt = store.addAttempt(
        LockOrderEdges.Attempt(line: acquiredAt.line, time: time, input: 0, agent: agent, site: -1, prefix: prefix))
      if Bool.random(using: &generator) { store.warm(from: held, to: to) }
      for (position, from) in held.enumerated() where from != to {
        let sharedOnly = Int.random(in: 0..<3, using: &generator) == 0
        let key = Int64(from.rawValue) << 32 | Int64(to.rawValue)
        let probe = store.probe(from: from, to: to)
        let found = probe.edge >= 0 ? probe.edge : nil
        #expect(found == reference[key]?.index, "lookup of \(from) → \(to) at step \(step)")
        #expect(store.index(from: from, to: to) == found)
        if let index = found.map(Int.init), var expected = reference[key] {
          if expected.firstAgent != agent && expected.secondAgent == nil {
            expected.secondAgent = agent
            store[index].secondAgent = agent
          }
          expected.gates = expected.gates.filter { held.contains($0) }
          _ = store.narrowGates(index) { held.contains($0) }
          if !sharedOnly {
            expected.sharedOnly = false
            store[index].flags &= ~LockOrderEdges.Edge.sharedOnly
          }
          reference[key] = expected
        } else {
          let heldAt = LockscopeCore.SourceLocation(input: 1, line: Int64(position) + 1)
          let record = store.addHeld(LockOrderEdges.HeldRecord(line: heldAt.line, input: 1, site: -1))
          let gates = store.prefixes.firstGates(prefix, excluding: from, to)
          // Half the time at the slot the lookup found (the analyzer's way), half looked up again.
          let index =
            Bool.random(using: &generator)
            ? store.add(from: from, to: to, attempt: attempt, held: record, gates: gates, sharedOnly: sharedOnly, at: probe)
            : store.add(from: from, to: to, attempt: attempt, held: record, gates: gates, sharedOnly: sharedOnly)
          reference[key] = Expected(
            index: index, firstAgent: agent, gates: Array(held.filter { $0 != from && $0 != to }.prefix(GateSet.capacity)),
            sharedOnly: sharedOnly, heldAt: heldAt, acquiredAt: acquiredAt, time: time)
          order.append(key)
        }
      }
    }
    #expect(store.count == reference.count)
    for (key, expected) in reference {
      let index = Int(expected.index)
      #expect(store[index].from.rawValue == Int32(key >> 32) && store[index].to.rawValue == Int32(truncatingIfNeeded: key))
      let agents = [expected.firstAgent] + (expected.secondAgent.map { [$0] } ?? [])
      #expect(store.agents(index) == agents)
      #expect(store.gates(index) == expected.gates)
      #expect(store.isSharedOnly(index) == expected.sharedOnly)
      #expect(store.heldAt(index) == expected.heldAt && store.acquiredAt(index) == expected.acquiredAt && store.time(index) == expected.time)
    }
    // The edges out of each lock, in the order they were added (the cycle search's order).
    for lock in 0..<lockCount {
      var listed: [Int32] = []
      store.outgoing(from: LockID(lock), into: &listed)
      let expected = order.filter { Int32($0 >> 32) == lock }.compactMap { reference[$0]?.index }
      #expect(listed == expected, "edges out of \(lock)")
    }
  }

  @Test(
    "an attempt's gates, worked out once and narrowed per edge, are each edge's first gates: the held edge's own position dropped, the attempted lock's too, four kept",
    arguments: [1, 2, 3] as [UInt64])
  func attemptGatesAgreeWithFirstGates(seed: UInt64) {
    var generator = SplitMix(seed: seed)
    var prefixes = GatePrefixes()
    for _ in 0..<2000 {
      // Distinct held locks, 1 to 9 of them (past the prefix's 6: positions with no bit).
      var held: [LockID] = []
      for _ in 0..<Int.random(in: 1...9, using: &generator) {
        let lock = LockID(Int32.random(in: 0..<12, using: &generator))
        if !held.contains(lock) { held.append(lock) }
      }
      // Often a lock already held (a re-entrant request: it must not be a gate).
      let to = Bool.random(using: &generator) ? held.randomElement(using: &generator)! : LockID(Int32.random(in: 0..<12, using: &generator))
      let prefix = held.count > 1 ? prefixes.add(held) : GatePrefixes.none
      let gates = prefixes.attemptGates(prefix, excluding: to)
      for (position, from) in held.enumerated() where from != to {
        #expect(
          gates.gates(from: position) == prefixes.firstGates(prefix, excluding: from, to),
          "held \(held), to \(to), from position \(position)")
      }
    }
  }

  @Test("past two chunks of 65,536 edges each, every edge is found where it was put, keeps its fields and takes changes in place")
  func edgesAcrossChunks() {
    var store = LockOrderEdges()
    let attempt = store.addAttempt(
      LockOrderEdges.Attempt(line: 1, time: 0, input: 0, agent: AgentID(0), site: -1, prefix: GatePrefixes.none))
    let held = store.addHeld(LockOrderEdges.HeldRecord(line: 1, input: 0, site: -1))
    // Every ordered pair of 400 locks: 159,600 edges, the one from `a` to `b` numbered a·399 + (b < a ? b : b − 1).
    let locks: Int32 = 400
    func number(_ a: Int32, _ b: Int32) -> Int32 { a * (locks - 1) + (b < a ? b : b - 1) }
    for a in 0..<locks {
      for b in 0..<locks where a != b {
        let index = store.add(
          from: LockID(a), to: LockID(b), attempt: attempt, held: held, gates: GateSet(), sharedOnly: (a + b) % 3 == 0)
        #expect(index == number(a, b))
      }
    }
    #expect(store.count == 159_600)
    for a in stride(from: 0, to: locks, by: 7) {
      for b in stride(from: 1, to: locks, by: 5) where a != b {
        let index = store.index(from: LockID(a), to: LockID(b))
        #expect(index == number(a, b))
        guard let index = index.map(Int.init) else { continue }
        #expect(store[index].from == LockID(a) && store[index].to == LockID(b) && store.isSharedOnly(index) == ((a + b) % 3 == 0))
        store[index].secondAgent = AgentID(a + 1)
        #expect(store.agents(index) == [AgentID(0), AgentID(a + 1)])
      }
    }
    // A lock's edges out, oldest first, across the chunks they lie in.
    var listed: [Int32] = []
    store.outgoing(from: LockID(399), into: &listed)
    #expect(listed == (0..<399).map { number(399, $0) })
  }
}
