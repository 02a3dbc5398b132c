/// The gate locks of a lock-order edge: locks held at every witness of it, besides its
/// own two, the outermost first, at most `capacity` of them (an agent holding n locks
/// makes n edges per attempt, and n gates each would cost n²).
///
/// Stored as a bit mask over a `GatePrefix`: the first locks the agent held at the edge's
/// first witness, kept once per attempt and shared by every edge that attempt made. A
/// later witness can only narrow the set (a gate must be common to every witness), so
/// narrowing clears bits and never allocates; an empty set never changes again.
struct GateSet: Equatable {
  static let capacity = 4
  /// Which positions of the prefix are gates (bit p: position p).
  var mask: UInt8 = 0

  var isEmpty: Bool { mask == 0 }
  var count: Int { mask.nonzeroBitCount }
}

/// The first `GatePrefixes.width` locks one agent held at one attempt (unused slots -1):
/// the four outermost held locks other than an edge's two lie among the first six.
struct GatePrefixes {
  static let width = 6
  private var locks: [Int32] = []

  /// No prefix: every edge that refers to it has no gates.
  static let none: Int32 = -1

  /// Keeps `held`'s first locks; returns the prefix's id.
  mutating func add<Locks: Collection>(_ held: Locks) -> Int32 where Locks.Element == LockID {
    let id = Int32(locks.count / Self.width)
    var stored = 0
    for lock in held.prefix(Self.width) {
      locks.append(lock.rawValue)
      stored += 1
    }
    for _ in stored..<Self.width { locks.append(-1) }
    return id
  }

  /// The lock at `position` of prefix `id`.
  @inline(__always)
  func lock(_ id: Int32, _ position: Int) -> LockID { LockID(locks[Int(id) * Self.width + position]) }

  /// The gates of a first witness: the first `GateSet.capacity` positions of the prefix
  /// whose lock is neither `from` nor `to`.
  func firstGates(_ id: Int32, excluding from: LockID, _ to: LockID) -> GateSet {
    guard id != Self.none else { return GateSet() }
    var gates = GateSet()
    var count = 0
    for position in 0..<Self.width where count < GateSet.capacity {
      let lock = self.lock(id, position)
      guard lock.rawValue >= 0 else { break }
      if lock != from && lock != to {
        gates.mask |= 1 << position
        count += 1
      }
    }
    return gates
  }

  /// What `firstGates` shares among one attempt's edges: the positions of prefix `id` that
  /// hold a lock other than the attempted `to`. The edge from the hold at `position` then
  /// has `AttemptGates.gates(from:)`, a few bit operations instead of a pass over the
  /// prefix per edge (an agent holding n locks makes n edges an attempt).
  func attemptGates(_ id: Int32, excluding to: LockID) -> AttemptGates {
    guard id != Self.none else { return AttemptGates(candidates: 0) }
    var candidates: UInt8 = 0
    for position in 0..<Self.width {
      let lock = self.lock(id, position)
      guard lock.rawValue >= 0 else { break }
      if lock != to { candidates |= 1 << position }
    }
    return AttemptGates(candidates: candidates)
  }

  /// The gates of `gates` (over prefix `id`), in order.
  func locks(of gates: GateSet, in id: Int32) -> [LockID] {
    guard !gates.isEmpty else { return [] }
    return (0..<Self.width).filter { gates.mask & (1 << $0) != 0 }.map { lock(id, $0) }
  }

  /// The gates that pass `isIncluded`.
  func narrowed(_ gates: GateSet, in id: Int32, keeping isIncluded: (LockID) -> Bool) -> GateSet {
    var kept = gates
    var bits = gates.mask
    while bits != 0 {
      let position = bits.trailingZeroBitCount
      bits &= bits - 1
      if !isIncluded(lock(id, position)) { kept.mask &= ~(1 << position) }
    }
    return kept
  }
}

/// One attempt's gate candidates (`GatePrefixes.attemptGates`): the held locks' positions
/// among the prefix's, less the attempted lock's.
struct AttemptGates {
  /// The first `GateSet.capacity` candidates, and the first one more.
  private let first: UInt8
  private let firstAndNext: UInt8

  init(candidates: UInt8) {
    var mask = candidates
    while mask.nonzeroBitCount > GateSet.capacity + 1 { mask &= ~(0x80 >> UInt8(mask.leadingZeroBitCount)) }
    firstAndNext = mask
    if mask.nonzeroBitCount > GateSet.capacity { mask &= ~(0x80 >> UInt8(mask.leadingZeroBitCount)) }
    first = mask
  }

  /// The first witness's gates of the edge from the hold at `position` of the agent's held
  /// locks: the first `GateSet.capacity` candidates but `position` itself (held locks are
  /// distinct, so the edge's `from` sits at `position` in the prefix, or past it) — what
  /// `GatePrefixes.firstGates` gives for that edge.
  @inline(__always)
  func gates(from position: Int) -> GateSet {
    guard position < GatePrefixes.width else { return GateSet(mask: first) }
    let own: UInt8 = 1 << UInt8(position)
    // Dropping one of the first candidates lets the next one in.
    return GateSet(mask: first & own != 0 ? firstAndNext & ~own : first)
  }
}
