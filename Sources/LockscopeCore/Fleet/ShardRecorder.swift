/// What a shard's summary needs beyond the analyzers (SPEC §7): the wait-for edges of its
/// locks over time, so the merge can find a deadlock whose cycle spans shards, and the
/// span marks `route` wrote, so they are not counted as events.
///
/// Memory: the edges open now (bounded by waiters and holders), and at most `keptPerPair`
/// spans per (waiter, holder) pair of agents — the longest, since a deadlock is a wait that
/// lasts.
struct ShardRecorder: TimelineObserver {
  static let keptPerPair = 8

  private struct OpenEdge: Equatable {
    var waiter: AgentID
    var holder: AgentID
    var start: Int64
    /// The holder's lease deadline as last seen: a lapsed lease ends the edge there, as the
    /// engine would on the holder's next event elsewhere (which this shard may not see).
    var deadline: Int64
    var source: SourceLocation
    static func == (a: OpenEdge, b: OpenEdge) -> Bool { a.waiter == b.waiter && a.holder == b.holder }
    /// The (waiter, holder) pair as one key.
    var pair: LockAgentKey { LockAgentKey(lock: LockID(waiter.rawValue), agent: holder) }
  }

  struct Span {
    var lock: LockID
    var start: Int64
    var end: Int64?
    /// The kind of the event that ended it (nil: still open at the end).
    var endedBy: EventKind?
    var source: SourceLocation
    var length: Int64 { end.map { $0 - start } ?? .max }
  }

  private let agentNames: NameTable
  private var open: [LockID: [OpenEdge]] = [:]
  private(set) var spans: [LockAgentKey: [Span]] = [:]
  private(set) var dropped = 0
  /// `route`'s span marks seen (crashes of `RouteCommand.spanAgent`).
  private(set) var marks: Int64 = 0

  /// Up to this many (previous, current) comparisons a lock's edges are matched by a scan;
  /// past it, by a table (tests set it to force one or the other).
  private let pairsScanned: Int
  static let defaultPairsScanned = 256

  init(agentNames: NameTable, pairsScanned: Int = ShardRecorder.defaultPairsScanned) {
    self.agentNames = agentNames
    self.pairsScanned = pairsScanned
  }

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { true }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    guard let state else {
      // A crash ends the agent's waits on every lock.
      for (lock, edges) in open where edges.contains(where: { $0.waiter == event.agent }) {
        for edge in edges where edge.waiter == event.agent { close(edge, lock: lock, at: time, by: .crash) }
        open[lock] = edges.filter { $0.waiter != event.agent }
      }
      return
    }
    let lock = event.lock
    var current: [OpenEdge] = []
    for waiter in state.waiters {
      state.forEachWaitTarget(agent: waiter.agent, mode: waiter.mode, rule: .shard) { holder, slot in
        let deadline = slot.map { state.holders[$0].leaseDeadline } ?? .max
        current.append(OpenEdge(waiter: waiter.agent, holder: holder, start: time, deadline: deadline, source: waiter.source))
      }
    }
    let previous = open[lock] ?? []
    guard !(previous.isEmpty && current.isEmpty) else { return }
    // An edge open before and now keeps its (first) start; one open before only ends here.
    var stillOpen = [Bool](repeating: false, count: previous.count)
    if previous.count * current.count <= pairsScanned {
      for index in previous.indices { stillOpen[index] = current.contains(previous[index]) }
      for index in current.indices {
        if let kept = previous.first(where: { $0 == current[index] }) { current[index].start = kept.start }
      }
    } else {
      // A full semaphore waited on by many: every waiter has an edge to every holder, and
      // matching them pair by pair was quadratic in the edges (minutes for 100 x 100).
      var firstStart: [LockAgentKey: Int64] = [:]
      firstStart.reserveCapacity(previous.count)
      for edge in previous where firstStart[edge.pair] == nil { firstStart[edge.pair] = edge.start }
      let now = Set(current.map(\.pair))
      for index in previous.indices { stillOpen[index] = now.contains(previous[index].pair) }
      for index in current.indices {
        if let start = firstStart[current[index].pair] { current[index].start = start }
      }
    }
    for (index, edge) in previous.enumerated() where !stillOpen[index] { close(edge, lock: lock, at: time, by: event.kind) }
    open[lock] = current.isEmpty ? nil : current
  }

  mutating func crashed(_ agent: AgentID, at time: Int64) {
    if agentNames.name(agent.rawValue) == RouteCommand.spanAgent { marks += 1 }
  }

  mutating func finished(at end: Int64) {
    for (lock, edges) in open {
      for edge in edges { close(edge, lock: lock, at: nil, by: nil) }
    }
    open = [:]
  }

  private mutating func close(_ edge: OpenEdge, lock: LockID, at end: Int64?, by kind: EventKind?) {
    let key = LockAgentKey(lock: LockID(edge.waiter.rawValue), agent: edge.holder)
    var list = spans[key] ?? []
    var (end, kind) = (end, kind)
    if edge.deadline < (end ?? .max) { (end, kind) = (max(edge.start, edge.deadline), .expire) }
    list.append(Span(lock: lock, start: edge.start, end: end, endedBy: kind, source: edge.source))
    if list.count > ShardRecorder.keptPerPair, let shortest = list.indices.min(by: { list[$0].length < list[$1].length }) {
      list.remove(at: shortest)
      dropped += 1
    }
    spans[key] = list
  }
}
