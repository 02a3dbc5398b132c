import Testing

@testable import LockscopeCore

/// `LockState.forEachWaitTarget`, the one who-blocks-whom rule, read per log (SPEC §2) and
/// per shard summary (SPEC §7).
@Suite("Wait-for edges: one function, two readings")
struct WaitRuleTests {
  let a = AgentID(0), b = AgentID(1), c = AgentID(2)
  let here = SourceLocation(input: 0, line: 1)

  /// `a` holds a mutex; `b` and then `c` queue for it.
  func queued() -> LockState {
    var state = LockState(createdAt: 0)
    _ = state.admit(a, mode: .exclusive, at: 0, leaseNanos: -1, source: here)
    _ = state.request(by: b, mode: .exclusive, at: 1, source: here)
    _ = state.request(by: c, mode: .exclusive, at: 2, source: here)
    return state
  }

  func targets(_ state: LockState, of agent: AgentID, rule: LockState.WaitRule) -> [String] {
    var found: [String] = []
    state.forEachWaitTarget(agent: agent, mode: .exclusive, rule: rule) { target, slot in
      found.append("\(target.rawValue)\(slot == nil ? " queue" : "")")
    }
    return found
  }

  @Test("a waiter blocked by the holder waits for it under both rules")
  func holder() {
    let state = queued()
    #expect(targets(state, of: b, rule: .log) == ["0"] && targets(state, of: b, rule: .shard) == ["0"])
  }

  @Test("a free lock's queue: per log the front waits for nobody, the one behind for it; per shard, no edge")
  func freeLock() {
    var state = queued()
    _ = state.release(by: a, at: 3, source: here, lock: LockID(0))
    #expect(targets(state, of: b, rule: .log).isEmpty && targets(state, of: c, rule: .log) == ["1 queue"])
    // A shard's edges lead to holders only: with none, none.
    #expect(targets(state, of: c, rule: .shard).isEmpty)
  }

  @Test("a reader queued behind a writer, the holder a reader: per log it waits for the writer, per shard for the holder")
  func readerBehindWriter() {
    var state = LockState(createdAt: 0)
    _ = state.admit(a, mode: .shared, at: 0, leaseNanos: -1, source: here)
    _ = state.request(by: b, mode: .exclusive, at: 1, source: here)
    _ = state.request(by: c, mode: .shared, at: 2, source: here)
    var log: [String] = []
    var shard: [String] = []
    state.forEachWaitTarget(agent: c, mode: .shared) { target, slot in log.append("\(target.rawValue)\(slot == nil ? " queue" : "")") }
    state.forEachWaitTarget(agent: c, mode: .shared, rule: .shard) { target, _ in shard.append("\(target.rawValue)") }
    #expect(log == ["1 queue"] && shard == ["0"])
  }

  @Test("a dead holder blocks: no edge to it per log (it waits for nothing), an edge per shard (the merge knows no lives)")
  func deadHolder() {
    var state = queued()
    state.orphanHold(of: a, at: 3, source: here)
    #expect(targets(state, of: b, rule: .log).isEmpty && targets(state, of: b, rule: .shard) == ["0"])
  }
}
