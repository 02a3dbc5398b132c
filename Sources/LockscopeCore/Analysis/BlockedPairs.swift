/// The `blocked` samples of each (lock, agent) pair, summed: the per-lock means behind
/// `fairness`. With per-key names most locks are blocked on by one agent only: the first
/// agent of each lock is kept in an array indexed by lock, 16 bytes a lock, any other in
/// `OtherPairs`, an open-addressing table of packed keys, so a million per-agent locks
/// cost no hashing.
struct BlockedPairs: Sequence, Sendable {
  /// Per lock: its first agent (-1 for none yet) and that pair's sum.
  private var first: [FirstPair] = []
  /// First pairs whose sum outgrew `FirstPair`'s widths, by lock, exact.
  private var wideFirst: [Int32: StatisticsAnalyzer.BlockedSum] = [:]
  private var more = OtherPairs()
  /// The highest agent id of any pair (-1: none).
  private(set) var maxAgent: Int32 = -1

  /// A lock's first pair: its total and count while they fit 64 and 32 bits; past that
  /// (`count == .max`) the sum is in `wideFirst`.
  private struct FirstPair: Sendable {
    var agent: Int32 = -1
    var count: UInt32 = 0
    var total: Int64 = 0
  }

  init() {}

  /// One sample of the pair (negative durations count as 0).
  @inline(__always)
  mutating func add(_ key: LockAgentKey, sample nanos: Int64) {
    let value = Swift.max(0, nanos)
    let lock = Int(key.lock.rawValue)
    if key.agent.rawValue > maxAgent { maxAgent = key.agent.rawValue }
    guard let slot = firstSlot(lock, key.agent.rawValue) else { return more.add(key, sample: value) }
    // The common case in 64 bits: both stay in their widths (`count` short of `.max`).
    let (sum, overflow) = first[slot].total.addingReportingOverflow(value)
    if !overflow && first[slot].count < .max - 1 {
      first[slot].total = sum
      first[slot].count += 1
      return
    }
    widenFirst(slot, total: Int128(value), count: 1)
  }

  /// Another pair sum (a shard's, SPEC §7).
  @inline(__always)
  mutating func add(_ key: LockAgentKey, total: Int128, count: Int) {
    let lock = Int(key.lock.rawValue)
    maxAgent = Swift.max(maxAgent, key.agent.rawValue)
    guard let slot = firstSlot(lock, key.agent.rawValue) else { return more.add(key, total: total, count: count) }
    let pair = first[slot]
    if pair.count != .max, let sum = Int64(exactly: Int128(pair.total) + total), sum >= 0,
      let counted = UInt32(exactly: Int(pair.count) + count), counted != .max
    {
      first[slot].total = sum
      first[slot].count = counted
      return
    }
    widenFirst(slot, total: total, count: count)
  }

  /// Adds to a first pair kept (or now moving) whole in `wideFirst`.
  @inline(never)
  private mutating func widenFirst(_ lock: Int, total: Int128, count: Int) {
    let pair = first[lock]
    let key = Int32(lock)
    if pair.count != .max {
      wideFirst[key] = StatisticsAnalyzer.BlockedSum(total: Int128(pair.total), count: Int(pair.count))
      first[lock].count = .max
      first[lock].total = 0
    }
    wideFirst[key, default: .init()].total += total
    wideFirst[key, default: .init()].count += count
  }

  /// `lock`'s index in `first` when `agent` is its first agent (made so if it has none).
  @inline(__always)
  private mutating func firstSlot(_ lock: Int, _ agent: Int32) -> Int? {
    guard lock >= 0 else { return nil }
    if lock >= first.count { first.append(contentsOf: repeatElement(FirstPair(), count: lock + 1 - first.count)) }
    if first[lock].agent == -1 { first[lock].agent = agent }
    return first[lock].agent == agent ? lock : nil
  }

  /// The highest lock id blocked on by more than one agent (-1: none): every other lock
  /// has at most its first pair.
  var maxSharedLock: Int32 { more.maxLock }

  func makeIterator() -> Iterator { Iterator(pairs: self) }

  /// Every pair with its sum: first agents by lock, then the others (in the table's order,
  /// which depends on the pairs alone, so runs agree).
  struct Iterator: IteratorProtocol {
    private let pairs: BlockedPairs
    private var lock = 0
    private var slot = 0

    fileprivate init(pairs: BlockedPairs) { self.pairs = pairs }

    mutating func next() -> (key: LockAgentKey, value: StatisticsAnalyzer.BlockedSum)? {
      while lock < pairs.first.count {
        defer { lock += 1 }
        let entry = pairs.first[lock]
        guard entry.agent != -1 else { continue }
        let key = LockAgentKey(lock: LockID(Int32(lock)), agent: AgentID(entry.agent))
        if entry.count == .max, let wide = pairs.wideFirst[Int32(lock)] { return (key, wide) }
        return (key, StatisticsAnalyzer.BlockedSum(total: Int128(entry.total), count: Int(entry.count)))
      }
      return pairs.more.next(&slot)
    }
  }
}

/// The pairs that are not their lock's first, in an open-addressing table of 16-byte slots
/// in one flat array: the packed key, and the pair's total (44 bits of nanoseconds, almost
/// five hours) and count (20 bits) in one word. A sample reads one slot, one cache line,
/// where a `Dictionary` of `BlockedSum`s took 40 bytes a pair and three arrays missed three
/// lines; and a few hundred thousand pairs (2,000 locks of 200 agents) take a third less
/// than in 24-byte slots. A pair whose total or count outgrows those widths, or goes below
/// zero, moves to `wide` with its exact sum and its slot says so: nothing is ever rounded.
struct OtherPairs: Sendable {
  private var slots: [Slot] = []
  private var used = 0
  /// The highest lock id of any pair here (-1: none).
  private(set) var maxLock: Int32 = -1
  private var wide: [LockAgentKey: StatisticsAnalyzer.BlockedSum] = [:]

  private struct Slot: Sendable {
    var key = OtherPairs.empty
    /// `count << totalBits | total`; a count of `wideCount`: the sum is in `wide`.
    var sum: UInt64 = 0
  }

  /// No real key: lock ids are -1 or more.
  private static let empty = Int64.min
  private static let totalBits: UInt64 = 44
  private static let totalMask: UInt64 = 1 << totalBits - 1
  /// The count that marks a slot whose sum is in `wide` (one past the largest kept here).
  private static let wideCount: UInt64 = 1 << (64 - totalBits) - 1

  /// One sample (not negative), the common case: one slot read and written.
  @inline(__always)
  mutating func add(_ key: LockAgentKey, sample: Int64) {
    let slot = slot(for: key)
    let sum = slots[slot].sum
    let (total, count) = (sum & OtherPairs.totalMask, sum >> OtherPairs.totalBits)
    if count < OtherPairs.wideCount - 1 && UInt64(sample) <= OtherPairs.totalMask - total {
      slots[slot].sum = sum &+ (1 << OtherPairs.totalBits) &+ UInt64(sample)
      return
    }
    addWide(key, slot: slot, total: Int128(sample), count: 1)
  }

  /// Another pair sum (a shard's, SPEC §7).
  mutating func add(_ key: LockAgentKey, total: Int128, count: Int) {
    let slot = slot(for: key)
    let sum = slots[slot].sum
    let kept = sum >> OtherPairs.totalBits
    if kept != OtherPairs.wideCount {
      let newTotal = Int128(sum & OtherPairs.totalMask) + total
      let newCount = Int(kept) + count
      if newTotal >= 0 && newTotal <= Int128(OtherPairs.totalMask) && newCount >= 0
        && newCount < Int(OtherPairs.wideCount)
      {
        slots[slot].sum = UInt64(newCount) << OtherPairs.totalBits | UInt64(newTotal)
        return
      }
    }
    addWide(key, slot: slot, total: total, count: count)
  }

  /// The key's slot, taken for it if it has none.
  @inline(__always)
  private mutating func slot(for key: LockAgentKey) -> Int {
    if key.lock.rawValue > maxLock { maxLock = key.lock.rawValue }
    if (used + 1) * 4 > slots.count * 3 { grow() }
    let slot = find(key.rawValue)
    if slots[slot].key == OtherPairs.empty {
      slots[slot].key = key.rawValue
      used += 1
    }
    return slot
  }

  /// Adds to a pair kept (or now moving) whole in `wide`.
  @inline(never)
  private mutating func addWide(_ key: LockAgentKey, slot: Int, total: Int128, count: Int) {
    let sum = slots[slot].sum
    if sum >> OtherPairs.totalBits != OtherPairs.wideCount {
      wide[key] = StatisticsAnalyzer.BlockedSum(
        total: Int128(sum & OtherPairs.totalMask), count: Int(sum >> OtherPairs.totalBits))
      slots[slot].sum = OtherPairs.wideCount << OtherPairs.totalBits
    }
    wide[key, default: .init()].total += total
    wide[key, default: .init()].count += count
  }

  /// The pair after `slot` in table order (then the wide ones), advancing `slot`.
  func next(_ slot: inout Int) -> (key: LockAgentKey, value: StatisticsAnalyzer.BlockedSum)? {
    while slot < slots.count {
      defer { slot += 1 }
      let entry = slots[slot]
      let count = entry.sum >> OtherPairs.totalBits
      // A wide pair comes after, with the others in `wide`.
      if entry.key != OtherPairs.empty && count != OtherPairs.wideCount {
        let total = Int128(entry.sum & OtherPairs.totalMask)
        return (OtherPairs.key(entry.key), StatisticsAnalyzer.BlockedSum(total: total, count: Int(count)))
      }
    }
    // The wide pairs, by key: a Dictionary's own order changes from run to run.
    let rank = slot - slots.count
    guard rank < wide.count else { return nil }
    slot += 1
    let key = wide.keys.sorted()[rank]
    return (key, wide[key]!)  // a key of `wide`
  }

  private static func key(_ raw: Int64) -> LockAgentKey {
    LockAgentKey(lock: LockID(Int32(truncatingIfNeeded: raw >> 32)), agent: AgentID(Int32(truncatingIfNeeded: raw)))
  }

  /// Where the packed key's probe starts in a table of `slots` (a power of two): the top
  /// bits of its Fibonacci product, which every bit of the key reaches. (Middle bits, as
  /// this once took, are reached by the agent's 32 bits alone below 2^12 slots and by few
  /// of the lock's above: 100,000 locks blocked on by a few agents probed runs of
  /// thousands of slots.)
  @inline(__always)
  static func home(of raw: Int64, slots: Int) -> Int {
    Int(truncatingIfNeeded: (UInt64(bitPattern: raw) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slots.trailingZeroBitCount))
  }

  @inline(__always)
  private func find(_ raw: Int64) -> Int {
    let mask = slots.count - 1
    var slot = OtherPairs.home(of: raw, slots: slots.count)
    while slots[slot].key != OtherPairs.empty && slots[slot].key != raw { slot = (slot + 1) & mask }
    return slot
  }

  private mutating func grow() {
    let old = slots
    slots = Array(repeating: Slot(), count: max(64, old.count * 2))
    for entry in old where entry.key != OtherPairs.empty { slots[find(entry.key)] = entry }
  }
}
