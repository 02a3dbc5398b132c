/// The `blocked` samples of each (lock, agent) pair, summed: the per-lock means behind
/// `fairness`. With per-key names most locks are blocked on by one agent only: the first
/// agent of each lock is kept in an array indexed by lock, any other in a dictionary, so a
/// million per-agent locks cost no hashing and no dictionary growth.
struct BlockedPairs: Sequence, Sendable {
  /// Per lock: its first agent (-1 for none yet) and that pair's sum.
  private var first: [(agent: Int32, sum: StatisticsAnalyzer.BlockedSum)] = []
  private var more: [LockAgentKey: StatisticsAnalyzer.BlockedSum] = [:]

  init() {}

  /// One sample of the pair (negative durations count as 0).
  @inline(__always)
  mutating func add(_ key: LockAgentKey, sample nanos: Int64) {
    update(key) { $0.add(nanos) }
  }

  /// Another pair sum (a shard's, SPEC §7).
  mutating func add(_ key: LockAgentKey, total: Int128, count: Int) {
    update(key) { sum in
      sum.total += total
      sum.count += count
    }
  }

  @inline(__always)
  private mutating func update(_ key: LockAgentKey, _ body: (inout StatisticsAnalyzer.BlockedSum) -> Void) {
    let (lock, agent) = (Int(key.lock.rawValue), key.agent.rawValue)
    guard lock >= 0 else { return body(&more[key, default: .init()]) }
    if lock >= first.count { first.append(contentsOf: repeatElement((-1, .init()), count: lock + 1 - first.count)) }
    if first[lock].agent == -1 { first[lock].agent = agent }
    if first[lock].agent == agent { body(&first[lock].sum) } else { body(&more[key, default: .init()]) }
  }

  func makeIterator() -> Iterator { Iterator(first: first, more: more.makeIterator()) }

  /// Every pair with its sum: first agents by lock, then the others.
  struct Iterator: IteratorProtocol {
    fileprivate let first: [(agent: Int32, sum: StatisticsAnalyzer.BlockedSum)]
    fileprivate var more: [LockAgentKey: StatisticsAnalyzer.BlockedSum].Iterator
    private var lock = 0

    fileprivate init(
      first: [(agent: Int32, sum: StatisticsAnalyzer.BlockedSum)], more: [LockAgentKey: StatisticsAnalyzer.BlockedSum].Iterator
    ) {
      self.first = first
      self.more = more
    }

    mutating func next() -> (key: LockAgentKey, value: StatisticsAnalyzer.BlockedSum)? {
      while lock < first.count {
        defer { lock += 1 }
        let entry = first[lock]
        if entry.agent != -1 { return (LockAgentKey(lock: LockID(Int32(lock)), agent: AgentID(entry.agent)), entry.sum) }
      }
      return more.next()
    }
  }
}
