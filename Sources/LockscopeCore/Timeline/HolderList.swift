/// A lock's holders in the order they acquired it, with O(1) lookup by agent and O(1)
/// removal anywhere once the list is long: a crowd of 40,000 readers (or the slots of a
/// large semaphore) must not cost O(holders) per acquire and release.
///
/// Removal leaves a hole that iteration skips (a slot whose agent is `hole`, so a lock's
/// state needs no second array of flags: 8 bytes less per lock, one allocation less per
/// first hold); holes are compacted away once they outnumber the holders. An index by
/// agent is kept only past `indexedFrom` holders, so the common lock (one holder, a few
/// readers) stays a small array scanned in place.
struct HolderList: BidirectionalCollection, Sendable {
  private var slots: [Holder] = []
  private var slotByAgent: [AgentID: Int] = [:]
  /// The first live slot, and the holders: 32 bits each (a lock's state is per name).
  private var narrowFirst: Int32 = 0
  private var narrowCount: Int32 = 0
  static let indexedFrom = 16
  /// The agent of a slot that no longer holds (no interned id is negative).
  private static let hole = AgentID(.min)

  init() {}

  private var first: Int {
    get { Int(narrowFirst) }
    set { narrowFirst = Int32(newValue) }
  }
  private(set) var count: Int {
    get { Int(narrowCount) }
    set { narrowCount = Int32(newValue) }
  }

  var startIndex: Int { count == 0 ? slots.count : first }
  var endIndex: Int { slots.count }
  var isEmpty: Bool { count == 0 }

  subscript(position: Int) -> Holder {
    get { slots[position] }
    _modify { yield &slots[position] }
  }

  func index(after i: Int) -> Int {
    var next = i + 1
    while next < slots.count && slots[next].agent == Self.hole { next += 1 }
    return next
  }

  func index(before i: Int) -> Int {
    var previous = i - 1
    while previous > first && slots[previous].agent == Self.hole { previous -= 1 }
    return previous
  }

  /// The slot of `agent`'s hold, if it holds.
  func slot(of agent: AgentID) -> Int? {
    if slotByAgent.isEmpty || count < Self.indexedFrom {
      var position = startIndex
      while position < slots.count {
        if slots[position].agent == agent { return position }  // a hole's agent is no agent
        position += 1
      }
      return nil
    }
    return slotByAgent[agent]
  }

  mutating func append(_ holder: Holder) {
    slots.append(holder)
    count += 1
    if count == Self.indexedFrom {
      for position in indices { slotByAgent[slots[position].agent] = position }
    } else if count > Self.indexedFrom {
      slotByAgent[holder.agent] = slots.count - 1
    }
  }

  /// Removes the hold at `position`. When it was the last, the storage is kept for the
  /// next holder only if `keepingStorage` (a lock in use, taken again and again, allocates
  /// once; a million per-key locks, each held a few times, keep no buffer each).
  mutating func remove(at position: Int, keepingStorage: Bool) -> Holder {
    let holder = slots[position]
    slots[position].agent = Self.hole
    count -= 1
    if !slotByAgent.isEmpty {
      slotByAgent[holder.agent] = nil
      if count < Self.indexedFrom / 2 { slotByAgent.removeAll() }
    }
    if count == 0 {
      if keepingStorage { slots.removeAllKeepingCapacity() } else { slots.removeAll() }
      first = 0
    } else if position == first {
      first = index(after: first)
    }
    if slots.count - count > Swift.max(32, count) { compact() }
    return holder
  }

  /// Drops the holes, keeping the order.
  private mutating func compact() {
    var kept: [Holder] = []
    kept.reserveCapacity(count)
    for position in indices { kept.append(slots[position]) }
    slots = kept
    first = 0
    if !slotByAgent.isEmpty {
      for (position, holder) in slots.enumerated() { slotByAgent[holder.agent] = position }
    }
  }
}
