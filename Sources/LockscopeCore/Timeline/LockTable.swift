/// Every lock's state, by id. A lock in use (held, waited for, remembering a lapsed lease,
/// or busy enough to keep its buffers) has its whole `LockState` in a slot of `inUse`; any
/// other is only its 40-byte `IdleLock`. A million per-key locks, each taken a few times,
/// cost 40 bytes each instead of 104, and `inUse` holds the locks in use at once (its
/// slots are reused). Reading a lock gives the same `LockState` in either form.
struct LockTable: RandomAccessCollection, Sendable {
  private var idle: [IdleLock] = []
  private var inUse: [LockState] = []
  private var freeSlots: [Int32] = []

  init() {}

  var startIndex: Int { 0 }
  var endIndex: Int { idle.count }

  /// Lock `position`'s state (made from its idle form when it is idle).
  subscript(position: Int) -> LockState {
    let slot = idle[position].slot
    return slot >= 0 ? inUse[Int(slot)] : LockState(idle: idle[position])
  }

  /// Makes entries up to `index`: locks not seen yet.
  @inline(__always)
  mutating func ensure(_ index: Int) {
    if index >= idle.count { idle.extend(toInclude: index, with: .unseen) }
  }

  /// Whether lock `index` (ensured) had an event analysed.
  @inline(__always)
  func isSeen(_ index: Int) -> Bool {
    let slot = idle[index].slot
    return slot >= 0 ? inUse[Int(slot)].seen : idle[index].seen
  }

  /// Lock `index`'s state to change in place, put in `inUse` first when it is idle. Call
  /// `settle` once the change is done, so an idle lock goes back to its small form.
  subscript(inUse index: Int) -> LockState {
    @inline(__always) get { self[index] }
    @inline(__always) _modify {
      var slot = idle[index].slot
      if slot < 0 { slot = wake(index) }
      yield &inUse[Int(slot)]
    }
  }

  /// What `body` reads of lock `index`, in place when it is in use (no copy of its arrays).
  @inline(__always)
  func read<Result>(_ index: Int, _ body: (LockState) -> Result) -> Result {
    let slot = idle[index].slot
    return slot >= 0 ? body(inUse[Int(slot)]) : body(LockState(idle: idle[index]))
  }

  /// The earliest lease deadline among lock `index`'s holders (`Int64.max`: none): an idle
  /// lock has no holders.
  @inline(__always)
  func earliestDeadline(_ index: Int) -> Int64 {
    let slot = idle[index].slot
    return slot >= 0 ? inUse[Int(slot)].earliestDeadline : .max
  }

  /// Whether anyone waits for lock `index`.
  @inline(__always)
  func hasWaiters(_ index: Int) -> Bool {
    let slot = idle[index].slot
    return slot >= 0 && !inUse[Int(slot)].waiters.isEmpty
  }

  /// ∫ waiters dt of lock `index` so far (0 for an id not in the table).
  func queueIntegral(_ index: Int) -> Double {
    guard index >= 0 && index < idle.count else { return 0 }
    let slot = idle[index].slot
    return slot >= 0 ? inUse[Int(slot)].queueIntegral : idle[index].queueIntegral
  }

  /// Semaphore slots of lock `index` (0: not a semaphore).
  @inline(__always)
  func capacity(_ index: Int) -> Int32 {
    let slot = idle[index].slot
    return slot >= 0 ? inUse[Int(slot)].capacity : idle[index].capacity
  }

  /// Puts lock `index` back in its idle form when nothing more is left of it.
  @inline(__always)
  mutating func settle(_ index: Int) {
    let slot = idle[index].slot
    guard slot >= 0, let form = inUse[Int(slot)].idleForm else { return }
    idle[index] = form
    freeSlots.append(slot)  // its state stays, empty, for `wake` to reuse in place
  }

  /// Marks lock `index` (ensured) seen from `time` on, its first event.
  @inline(__always)
  mutating func markSeen(_ index: Int, at time: Int64) {
    if idle[index].slot < 0 {
      idle[index] = LockState(createdAt: time).idleForm ?? .unseen
    } else {
      self[inUse: index] = LockState(createdAt: time)
    }
  }

  /// Locks whose whole state is kept now (in use, or busy).
  var inUseCount: Int { inUse.count - freeSlots.count }

  @inline(never)
  private mutating func wake(_ index: Int) -> Int32 {
    let slot: Int32
    if let free = freeSlots.popLast() {
      slot = free
      inUse[Int(slot)].reuse(for: idle[index])
    } else {
      slot = Int32(inUse.count)
      inUse.append(LockState(idle: idle[index]))
    }
    idle[index].slot = slot
    return slot
  }
}
