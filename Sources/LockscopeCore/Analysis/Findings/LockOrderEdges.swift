#if canImport(Glibc)
  import Glibc
#endif

/// The lock-order graph's edges: one per ordered pair of locks, with its first witness and
/// what every witness since had in common. A transaction log makes millions of them, so an
/// edge is a 28-byte record (in chunks that never move), found through one open-addressing
/// table of packed (from, to) keys; what its first witness shares with the other edges of
/// the same attempt (the agent, the acquire line, the time, the held locks' prefix) and with
/// other attempts made while holding the same lock (where that lock was taken) is kept once,
/// in `Attempt` and `HeldRecord`, not copied into each edge. No allocation per edge beyond
/// the arrays' amortised growth.
struct LockOrderEdges {
  struct Edge {
    var from: LockID
    var to: LockID
    /// The edge out of `from` added before this one (-1: none). Linked newest first, so a
    /// new edge writes only itself and its lock's head, never an old edge's cache line.
    var nextOut: Int32 = -1
    /// The first witness's attempt and the hold of `from` it was made under.
    var attempt: Int32
    var held: Int32
    /// A second, different agent that took it (-1: none yet): two rule out "one agent".
    var secondAgent = AgentID(-1)
    var gates: GateSet
    var flags: UInt8

    static let sharedOnly: UInt8 = 1
    /// The cycle detector has it (only the edges from the latest held lock go in).
    static let inDetector: UInt8 = 2
  }

  /// One attempt that made at least one new edge: who, the line of its request or acquire,
  /// its site and time, and the first locks the agent held then (`GatePrefixes`).
  struct Attempt {
    var line: Int64
    var time: Int64
    var input: Int32
    var agent: AgentID
    var site: Int32
    var prefix: Int32
  }

  /// One hold that was the `from` of a new edge: where its lock was acquired.
  struct HeldRecord {
    var line: Int64
    var input: Int32
    var site: Int32
  }

  private var edges = EdgeChunks()
  private(set) var attempts: [Attempt] = []
  private(set) var holds: [HeldRecord] = []
  private(set) var prefixes = GatePrefixes()
  /// The newest edge out of each lock (-1: none).
  private var newestOut: [Int32] = []
  /// Open addressing, linear probing: `hash << 32 | (edge + 1)`, 0 empty, where `hash` is
  /// the low half of the key's hash and its low bits are the home slot. The rest of it rules
  /// out almost every other key without reading its edge, and growing the table needs only
  /// the slots (no edge is read again).
  private var slots: [UInt64] = Array(repeating: 0, count: 16)

  var count: Int { edges.count }
  /// One past the largest lock id an edge touches.
  private(set) var lockSpan = 0

  @inline(__always)
  private static func hash(_ from: LockID, _ to: LockID) -> UInt64 {
    // SplitMix64's finaliser over the packed pair.
    var h = UInt64(UInt32(bitPattern: from.rawValue)) << 32 | UInt64(UInt32(bitPattern: to.rawValue))
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
  }

  /// The edge `from → to`, if there is one.
  @inline(__always)
  func index(from: LockID, to: LockID) -> Int32? {
    let found = probe(from: from, to: to)
    return found.edge >= 0 ? found.edge : nil
  }

  /// Where looking up one pair ended: its edge, or (`edge` -1) the empty slot it would take.
  struct Probe {
    var edge: Int32
    var slot: Int
    var fingerprint: UInt64
  }

  /// Looks `from → to` up; a new edge can then be added at the slot found (`add(…, at:)`)
  /// without hashing and probing a second time.
  @inline(__always)
  func probe(from: LockID, to: LockID) -> Probe {
    let fingerprint = Self.hash(from, to) & 0xFFFF_FFFF
    let mask = slots.count - 1
    var position = Int(truncatingIfNeeded: fingerprint) & mask
    return slots.withUnsafeBufferPointer { slots in
      while true {
        let slot = slots[position]
        if slot == 0 { return Probe(edge: -1, slot: position, fingerprint: fingerprint) }
        if slot >> 32 == fingerprint {
          let edge = Int(slot & 0xFFFF_FFFF) - 1
          if edges[edge].from == from && edges[edge].to == to { return Probe(edge: Int32(edge), slot: position, fingerprint: fingerprint) }
        }
        position = (position + 1) & mask
      }
    }
  }

  /// Reads the table slot of each pair `lock → to` ahead of the lookups that need it. The
  /// table is far larger than the caches, so each lookup is a cache miss; one attempt's
  /// lookups do not depend on each other, and loading their slots in one tight loop lets the
  /// processor overlap those misses instead of waiting for them one after another.
  mutating func warm(from locks: some Sequence<LockID>, to: LockID) {
    var sum: UInt64 = 0
    let mask = UInt64(slots.count - 1)
    slots.withUnsafeBufferPointer { slots in
      newestOut.withUnsafeBufferPointer { newestOut in
        for lock in locks {
          sum &+= slots[Int(truncatingIfNeeded: Self.hash(lock, to) & mask)]
          if lock.index < newestOut.count { sum &+= UInt64(UInt32(bitPattern: newestOut[lock.index])) }
        }
      }
    }
    warmed &+= sum  // kept, so the loads are not optimised away
  }
  private var warmed: UInt64 = 0

  /// Adds `from → to` (not yet known) and returns its index.
  mutating func add(from: LockID, to: LockID, attempt: Int32, held: Int32, gates: GateSet, sharedOnly: Bool) -> Int32 {
    add(from: from, to: to, attempt: attempt, held: held, gates: gates, sharedOnly: sharedOnly, at: probe(from: from, to: to))
  }

  /// Adds `from → to` where `probe`, the table's last change since, found no edge.
  mutating func add(from: LockID, to: LockID, attempt: Int32, held: Int32, gates: GateSet, sharedOnly: Bool, at probe: Probe) -> Int32 {
    let index = Int32(edges.count)
    let span = max(from.index, to.index) + 1
    if span > lockSpan {
      lockSpan = span
      // Grown geometrically: locks first seen in random order would grow it a lock at a time.
      if span > newestOut.count { newestOut.append(contentsOf: repeatElement(-1, count: max(span, 2 * newestOut.count) - newestOut.count)) }
    }
    edges.append(
      Edge(
        from: from, to: to, nextOut: newestOut[from.index], attempt: attempt, held: held, gates: gates,
        flags: sharedOnly ? Edge.sharedOnly : 0))
    newestOut[from.index] = index
    let slot = probe.fingerprint << 32 | UInt64(index + 1)
    if (edges.count + 1) * 10 > slots.count * 7 {
      grow()
      Self.place(slot, in: &slots)
    } else {
      slots[probe.slot] = slot
    }
    return index
  }

  mutating func addAttempt(_ attempt: Attempt) -> Int32 {
    attempts.append(attempt)
    return Int32(attempts.count - 1)
  }

  mutating func addHeld(_ held: HeldRecord) -> Int32 {
    holds.append(held)
    return Int32(holds.count - 1)
  }

  mutating func addPrefix<Locks: Collection>(_ locks: Locks) -> Int32 where Locks.Element == LockID {
    prefixes.add(locks)
  }

  /// The edges out of `lock` in the order they were added, into `buffer` (replacing what
  /// it held): the order a cycle search walks them in.
  func outgoing(from lock: LockID, into buffer: inout [Int32]) {
    buffer.removeAll(keepingCapacity: true)
    guard lock.index < newestOut.count else { return }
    var edge = newestOut[lock.index]
    while edge >= 0 {
      buffer.append(edge)
      edge = edges[Int(edge)].nextOut
    }
    buffer.reverse()
  }

  subscript(index: Int) -> Edge {
    get { edges[index] }
    _modify { yield &edges[index] }
  }

  // MARK: What an edge's first witness was

  /// An edge with its first witness spelled out, for a finding's text.
  struct FirstWitness {
    var from: LockID
    var to: LockID
    var firstAgent: AgentID
    var heldAt: SourceLocation
    var acquiredAt: SourceLocation
    var heldSite: Int32
    var acquiredSite: Int32
    var time: Int64
  }

  func firstWitness(_ index: Int) -> FirstWitness {
    FirstWitness(
      from: edges[index].from, to: edges[index].to, firstAgent: firstAgent(index), heldAt: heldAt(index),
      acquiredAt: acquiredAt(index), heldSite: heldSite(index), acquiredSite: acquiredSite(index), time: time(index))
  }

  func firstAgent(_ index: Int) -> AgentID { attempts[Int(edges[index].attempt)].agent }
  func time(_ index: Int) -> Int64 { attempts[Int(edges[index].attempt)].time }
  func acquiredSite(_ index: Int) -> Int32 { attempts[Int(edges[index].attempt)].site }
  func heldSite(_ index: Int) -> Int32 { holds[Int(edges[index].held)].site }

  func acquiredAt(_ index: Int) -> SourceLocation {
    let attempt = attempts[Int(edges[index].attempt)]
    return SourceLocation(input: attempt.input, line: attempt.line)
  }

  func heldAt(_ index: Int) -> SourceLocation {
    let held = holds[Int(edges[index].held)]
    return SourceLocation(input: held.input, line: held.line)
  }

  func wasTaken(_ index: Int, by agent: AgentID) -> Bool { firstAgent(index) == agent || edges[index].secondAgent == agent }
  func agentCount(_ index: Int) -> Int { edges[index].secondAgent.rawValue < 0 ? 1 : 2 }
  func agents(_ index: Int) -> [AgentID] { agentCount(index) > 1 ? [firstAgent(index), edges[index].secondAgent] : [firstAgent(index)] }
  func isSharedOnly(_ index: Int) -> Bool { edges[index].flags & Edge.sharedOnly != 0 }

  /// The edge's gates, outermost first.
  func gates(_ index: Int) -> [LockID] {
    prefixes.locks(of: edges[index].gates, in: attempts[Int(edges[index].attempt)].prefix)
  }

  /// Keeps of the edge's gates those that pass `isIncluded`; true when some were dropped.
  mutating func narrowGates(_ index: Int, keeping isIncluded: (LockID) -> Bool) -> Bool {
    let gates = edges[index].gates
    guard !gates.isEmpty else { return false }
    let narrowed = prefixes.narrowed(gates, in: attempts[Int(edges[index].attempt)].prefix, keeping: isIncluded)
    edges[index].gates = narrowed
    return narrowed != gates
  }

  // MARK: The table

  @inline(__always)
  private static func place(_ slot: UInt64, in slots: inout [UInt64]) {
    let mask = slots.count - 1
    var position = Int(truncatingIfNeeded: slot >> 32) & mask
    slots.withUnsafeMutableBufferPointer { slots in
      while slots[position] != 0 { position = (position + 1) & mask }
      slots[position] = slot
    }
  }

  /// Doubles the table. A slot carries its key's hash, so the old slots are placed again
  /// in order, each near its old position: no edge is read, and the writes go forward.
  private mutating func grow() {
    let count = slots.count * 2
    var grown = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
      Self.adviseHugePages(buffer)
      buffer.initialize(repeating: 0)
      initialized = count
    }
    let mask = grown.count - 1
    grown.withUnsafeMutableBufferPointer { grown in
      for slot in slots where slot != 0 {
        var position = Int(truncatingIfNeeded: slot >> 32) & mask
        while grown[position] != 0 { position = (position + 1) & mask }
        grown[position] = slot
      }
    }
    slots = grown
  }

  /// Asks the kernel to back a large, not yet touched buffer with 2 MiB pages where it can
  /// (Linux's transparent huge pages, with glibc, when set to `madvise`; elsewhere nothing).
  /// The edge table is tens of megabytes read at random, one cache miss per new edge: with
  /// 4 KiB pages each of those misses is also a TLB miss, and filling it took a page fault
  /// per 4 KiB (16,000 of them on the transactions shape).
  private static func adviseHugePages<Element>(_ buffer: UnsafeMutableBufferPointer<Element>) {
    #if canImport(Glibc)
      let huge = 2 << 20
      let bytes = buffer.count * MemoryLayout<Element>.stride
      guard bytes >= 2 * huge, let base = buffer.baseAddress else { return }
      let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
      let end = (Int(bitPattern: base) + bytes) & ~(huge - 1)
      guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
      _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
  }
}

/// The edges, in chunks of `size` that are filled in place and never move: an array of
/// millions of edges grown by doubling copied them all at each growth and, at the last,
/// held the old copy and the new at once (a third more memory than the edges, every page
/// of it written for the first time).
struct EdgeChunks {
  private static let shift = 16
  private static let size = 1 << shift
  private var chunks: [[LockOrderEdges.Edge]] = []
  private(set) var count = 0

  subscript(index: Int) -> LockOrderEdges.Edge {
    @inline(__always) get { chunks[index >> Self.shift][index & (Self.size - 1)] }
    @inline(__always) _modify { yield &chunks[index >> Self.shift][index & (Self.size - 1)] }
  }

  mutating func append(_ edge: LockOrderEdges.Edge) {
    if count & (Self.size - 1) == 0 {
      // The first chunk grows as an array does (a small log keeps a small one); the others
      // are allocated whole (their pages are written as they fill).
      var chunk: [LockOrderEdges.Edge] = []
      if count > 0 { chunk.reserveCapacity(Self.size) }
      chunks.append(chunk)
    }
    chunks[chunks.count - 1].append(edge)
    count += 1
  }
}
