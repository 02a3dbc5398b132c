/// An agent holding a lock.
struct Holder: Sendable {
  var agent: AgentID
  var mode: LockMode
  var since: Int64
  /// When the lease runs out; `Int64.max` when the hold has no lease.
  var leaseDeadline: Int64
  /// The last lease granted, in nanoseconds (-1: none), reused by a `renew` without one.
  var leaseLength: Int64
  var source: SourceLocation
  /// `site` of its acquire, else of the request it ended (-1: none).
  var site: Int32 = -1
  /// When its holder crashed holding it (`Int64.min`: alive), and the crash's line. An
  /// orphaned hold stays until the manager reclaims the lock, its lease runs out, another
  /// agent's conflicting acquire takes it over, or the log ends (SPEC §1 `crash`).
  var crashedAt: Int64 = .min
  var crashSource: SourceLocation?
  var isOrphaned: Bool { crashedAt != .min }
  /// Where the time each other agent spent waiting for the lock while this hold was open is
  /// summed over its attempts (SPEC §2 orphan rule): a table in its lock's `blockedTables`,
  /// made when a wait first ends while it is held (-1: none yet), kept while the lock has
  /// at most `followedHolders` holders. An index, not the table itself: a hold is then
  /// plain bytes, copied and dropped without a retain or release.
  var blockedTable: Int32 = -1
  /// The lock's charge integrals when this hold began (see `LockState.allShare`): what the
  /// hold caused is a subtraction at its end, not an addition per holder per event (a crowd
  /// of 40,000 readers would make that quadratic).
  var allShareAtJoin: Double = 0
  var exclusiveShareAtJoin: Double = 0
  var epochAtJoin: Int32 = 0
  /// Caused wait charged to this hold alone, by waiters that hold the lock themselves (the
  /// rare moments the shared integrals cannot describe), and the most of them at once.
  var directCaused: Double = 0
  var directMostBlocked = 0
}

/// An agent waiting for a lock (an open request).
struct Waiter: Sendable {
  var agent: AgentID
  var mode: LockMode
  var since: Int64
  /// The lock's queue integral when this waiter joined, so its share is a subtraction.
  var queueIntegralAtJoin: Double
  var source: SourceLocation
  /// `site` of its request (-1: none).
  var site: Int32 = -1
  /// Acquisitions by others that got ahead of it so far.
  var overtaken: Int32 = 0
  /// Wait charged to it by later waiters queued behind it (SPEC §2 `caused_wait`: a waiter
  /// no holder blocks waits for the earlier conflicting waiters).
  var causedWait: Double = 0
}

/// What is left of a `LockState` while nobody holds or waits for the lock: its integrals,
/// counters and semaphore size, in 40 bytes (`LockTable` keeps a million per-key locks in
/// this form, and a whole state only for the locks in use). `slot` is where the lock's
/// whole state is while it is in use (-1: it is idle, and this is all of it).
struct IdleLock: Sendable {
  var slot: Int32 = -1
  var capacity: Int32 = 0
  fileprivate(set) var holderEpoch: Int32 = 0
  fileprivate(set) var queueMaxAndSeen: UInt32 = 0
  var integratedUntil: Int64 = 0
  var queueIntegral: Double = 0
  var heldNanos: Int64 = 0

  /// Whether any event of this lock was analysed (`LockState.seen`).
  var seen: Bool { queueMaxAndSeen & LockState.notSeenFlag == 0 }

  /// A lock no event was analysed for yet (an id interned for a line outside the selection).
  static let unseen = IdleLock(queueMaxAndSeen: LockState.notSeenFlag)
}

/// Everything known about one lock at one instant, plus its running time integrals.
///
/// Holders and waiters are small arrays: most locks have one holder and a short queue, and
/// a linear scan of a few elements beats any hashed structure there. A million per-key
/// locks make a million of these: 104 bytes each, counts in 32 bits, and what only a lock
/// with contention or lapsed leases needs behind one reference made on first use.
struct LockState: Sendable {
  var holders = HolderList()
  /// Open requests in arrival order.
  var waiters = WaiterQueue()
  /// Semaphore slots (0: not a semaphore); the last `capacity` seen stands.
  var capacity: Int32 = 0
  /// Waiters that also hold this lock (an upgrade, or a self-deadlock).
  private var narrowWaitersThatHold: Int32 = 0
  /// Holds left by agents that crashed holding them (see `Holder.crashedAt`).
  private var narrowOrphanedHolders: Int32 = 0
  private var narrowExclusiveHolders: Int32 = 0
  private var narrowSharedWaiters: Int32 = 0
  /// Counts changes of the holder set; the maxima in `rare` are kept per epoch.
  private var holderEpoch: Int32 = 0
  /// Most waiters at once (`queueMax`) in the low 31 bits, and `notSeenFlag`: one word
  /// beside `holderEpoch`, where a count and a `Bool` at the end made the state 120 bytes.
  private var queueMaxAndSeen: UInt32 = 0
  fileprivate static let notSeenFlag: UInt32 = 1 << 31
  /// The earliest lease deadline among the holders (`Int64.max`: none), so the per-event
  /// lease check is one comparison.
  var earliestDeadline: Int64 = .max
  /// Made when the lock first has contention or a lapsed lease; shared by copies until changed.
  private var rareParts = LazyBox<RareParts>()

  /// What most locks never need.
  struct RareParts: Sendable {
    /// Agents whose lease ran out while they held this lock and who have not touched it since.
    var lapsedHolders: [AgentID] = []
    /// Caused wait per holder, integrated while held (SPEC §2 `caused_wait`): `allShare` is
    /// owed by every holder, `exclusiveShare` by exclusive holders only (the readers queued
    /// behind a writer's hold blame only the writer). Reset whenever nobody holds the lock,
    /// so they stay small.
    var allShare: Double = 0
    var exclusiveShare: Double = 0
    /// The most waiters charged to every holder / to exclusive holders since each change
    /// of the holder set.
    var allMaxima = SuffixMaxima()
    var exclusiveMaxima = SuffixMaxima()
    /// The open holds' waiting agents (`Holder.blockedTable`); the tables of ended holds
    /// are emptied and listed in `freeBlockedTables` for the next.
    var blockedTables: [[AgentID: Int64]] = []
    var freeBlockedTables: [Int32] = []
  }

  /// The rare parts to change, made on first use.
  private var rare: RareParts {
    get { rareParts[making: RareParts()] }
    _modify { yield &rareParts[making: RareParts()] }
  }

  var waitersThatHold: Int {
    get { Int(narrowWaitersThatHold) }
    set { narrowWaitersThatHold = Int32(newValue) }
  }
  /// Holds left by agents that crashed holding them: an acquire looks for one to take over
  /// only when there is one.
  var orphanedHolders: Int {
    get { Int(narrowOrphanedHolders) }
    set { narrowOrphanedHolders = Int32(newValue) }
  }
  /// Holders in exclusive mode: whether a request conflicts with the holders is a count.
  private(set) var exclusiveHolders: Int {
    get { Int(narrowExclusiveHolders) }
    set { narrowExclusiveHolders = Int32(newValue) }
  }
  /// Waiters in shared mode: whether every waiter conflicts with every holder is a count.
  private(set) var sharedWaiters: Int {
    get { Int(narrowSharedWaiters) }
    set { narrowSharedWaiters = Int32(newValue) }
  }
  var allShare: Double { rareParts.read { $0.allShare } ?? 0 }
  var exclusiveShare: Double { rareParts.read { $0.exclusiveShare } ?? 0 }
  /// Agents whose lease ran out while they held this lock and who have not touched it since.
  var lapsedHolders: [AgentID] { rareParts.read { $0.lapsedHolders } ?? [] }

  /// `agent`'s lease here ran out while it held the lock.
  mutating func noteLapse(of agent: AgentID) { rare.lapsedHolders.append(agent) }

  /// `agent` touched the lock again: its lapse is forgotten.
  mutating func forgetLapse(of agent: AgentID) {
    guard rareParts.read({ $0.lapsedHolders.contains(agent) }) == true else { return }
    rare.lapsedHolders.removeAll { $0 == agent }
  }

  /// Whether a request in `mode` by an agent that does not hold the lock conflicts with a holder.
  func holdersConflict(with mode: LockMode) -> Bool {
    if capacity > 0 { return holders.count >= Int(capacity) }
    return mode == .exclusive ? !holders.isEmpty : exclusiveHolders > 0
  }

  /// Adds a hold; it starts owing nothing.
  mutating func addHolder(_ holder: Holder) {
    var holder = holder
    holderEpoch &+= 1
    holder.allShareAtJoin = allShare
    holder.exclusiveShareAtJoin = exclusiveShare
    holder.epochAtJoin = holderEpoch
    if holder.mode == .exclusive { exclusiveHolders += 1 }
    holders.append(holder)
  }

  /// Removes a hold and returns it with the wait it caused while it lasted, the most
  /// waiters it blocked at once (SPEC §2 `caused_wait`) and the longest any other agent
  /// waited for it (summed over its attempts).
  mutating func removeHolder(at index: Int) -> (holder: Holder, causedWait: Double, mostBlocked: Int, longestBlocked: Int64) {
    let holder = holders.remove(at: index, keepingStorage: isBusy)
    var longestBlocked: Int64 = 0
    if holder.blockedTable >= 0 {
      let table = Int(holder.blockedTable)
      longestBlocked = rare.blockedTables[table].values.max() ?? 0
      rare.blockedTables[table].removeAll(keepingCapacity: true)
      rare.freeBlockedTables.append(holder.blockedTable)
    }
    let exclusive = holder.mode == .exclusive
    if exclusive { exclusiveHolders -= 1 }
    if holder.isOrphaned { orphanedHolders -= 1 }
    var caused = allShare - holder.allShareAtJoin + holder.directCaused
    var most = max(rareParts.read { $0.allMaxima.maximum(since: holder.epochAtJoin) } ?? 0, holder.directMostBlocked)
    if exclusive {
      caused += exclusiveShare - holder.exclusiveShareAtJoin
      most = max(most, rareParts.read { $0.exclusiveMaxima.maximum(since: holder.epochAtJoin) } ?? 0)
    }
    holderEpoch &+= 1
    if holders.isEmpty && rareParts.isMade {
      rare.allShare = 0
      rare.exclusiveShare = 0
      rare.allMaxima.removeAll()
      rare.exclusiveMaxima.removeAll()
    }
    return (holder, caused, most, longestBlocked)
  }

  /// Queues a request.
  mutating func enqueue(_ waiter: Waiter) {
    if liveHolderIndex(waiter.agent) != nil { waitersThatHold += 1 }
    if waiter.mode == .shared { sharedWaiters += 1 }
    waiters.append(waiter)
    queueMax = max(queueMax, waiters.count)
  }

  /// Ends the request at `position`.
  mutating func dequeue(at position: Int) -> Waiter {
    let waiter = waiters.remove(at: position)
    if !isBusy { waiters.releaseStorageIfEmpty() }
    if liveHolderIndex(waiter.agent) != nil { waitersThatHold -= 1 }
    if waiter.mode == .shared { sharedWaiters -= 1 }
    return waiter
  }

  /// Whether the lock has had enough holds (eight) that its emptied holder list and queue
  /// keep their storage for the next ones; before that they let it go each time they
  /// empty, so a million locks each taken a few times keep no buffers. (`holderEpoch`
  /// counts two changes a hold.)
  private var isBusy: Bool { holderEpoch >= 16 || holderEpoch < 0 }

  /// Past this many holders at once (a crowd of readers), holds are not followed one by one
  /// for the orphan rule: only `--orphan-after` makes one an orphan at the end of the log.
  static let followedHolders = 16

  /// `waiter`'s wait ends at `time` (or is still open then): each hold open now, other than
  /// its own, kept it waiting for the part of the wait since the hold began.
  mutating func chargeBlocked(by waiter: Waiter, until time: Int64) {
    guard !holders.isEmpty, holders.count <= Self.followedHolders else { return }
    for slot in holders.indices where holders[slot].agent != waiter.agent || holders[slot].isOrphaned {
      let overlap = time - max(waiter.since, holders[slot].since)
      guard overlap > 0 else { continue }
      var table = holders[slot].blockedTable
      if table < 0 {
        table = newBlockedTable()
        holders[slot].blockedTable = table
      }
      rare.blockedTables[Int(table)][waiter.agent, default: 0] += overlap
    }
  }

  /// An empty table in `blockedTables` for a hold, a freed one if any.
  private mutating func newBlockedTable() -> Int32 {
    if let free = rare.freeBlockedTables.popLast() { return free }
    rare.blockedTables.append([:])
    return Int32(rare.blockedTables.count - 1)
  }

  /// The holder at `index` crashed at `time` (the `crash` line at `source`): its hold stays, orphaned.
  mutating func orphan(at index: Int, time: Int64, source: SourceLocation) {
    guard !holders[index].isOrphaned else { return }
    holders[index].crashedAt = time
    holders[index].crashSource = source
    orphanedHolders += 1
  }

  /// The waiters waited `elapsed` nanoseconds in the current state: each one's time is
  /// charged to the agents it waits for, split evenly (SPEC §2 `caused_wait`, along the
  /// wait-for edges of `forEachWaitTarget`). Returns how many waiters were blocked by
  /// somebody. O(1) when every waiter conflicts with every holder (one writer, a full
  /// semaphore, readers with writers queued), else one walk of the queue.
  mutating func chargeWaitTargets(elapsed: Int64) -> Int {
    let count = waiters.count
    guard count > 0, elapsed > 0 else { return 0 }
    let holding = holders.count
    let everyWaiterConflictsWithEveryHolder =
      capacity > 0 ? holding >= Int(capacity) : (sharedWaiters == 0 || exclusiveHolders == holding)
    if holding > 0 && waitersThatHold == 0 && everyWaiterConflictsWithEveryHolder {
      rare.allShare += Double(elapsed) * Double(count) / Double(holding)
      rare.allMaxima.record(count, at: holderEpoch)
      return count
    }
    if holding == 0 && waitersThatHold == 0 && (capacity > 0 || sharedWaiters == 0) {
      // A free lock's queue where each waits for everyone ahead: the front waits for nobody.
      waiters.chargeEveryEarlier(elapsed: Double(elapsed))
      return count - 1
    }
    return chargeWaiterByWaiter(Double(elapsed))
  }

  /// `chargeWaitTargets` in general: a walk from the back of the queue, carrying what the
  /// later waiters owe the earlier ones (Σ 1/k over those blaming every earlier waiter, and
  /// over readers blaming the earlier writers), so the walk is linear, not quadratic.
  private mutating func chargeWaiterByWaiter(_ elapsed: Double) -> Int {
    let holding = holders.count
    let full = capacity > 0 && holding >= Int(capacity)
    var exclusiveWaiters = waiters.count - sharedWaiters
    var owedByAll = 0.0, owedByReaders = 0.0
    var rateAll = 0.0, rateExclusive = 0.0
    var blamingAll = 0, blamingExclusive = 0, blocked = 0
    var direct: [Int: Int] = [:]  // holder slot → waiters holding the lock that it blocks
    var position = waiters.count - 1
    while position >= 0 {
      let waiter = waiters[position]
      let exclusive = waiter.mode == .exclusive
      let owed = owedByAll + (exclusive ? owedByReaders : 0)
      if owed > 0 { waiters[position].causedWait += elapsed * owed }
      if exclusive { exclusiveWaiters -= 1 }  // now: the exclusive waiters ahead of it
      let blamesEveryEarlier = capacity > 0 || exclusive
      if waitersThatHold > 0 && liveHolderIndex(waiter.agent) != nil {
        // It holds the lock itself (an upgrade, a self-deadlock): its edges one by one.
        var slots: [Int] = []
        _ = forEachBlockingHolder(agent: waiter.agent, mode: waiter.mode) { slots.append($0) }
        if !slots.isEmpty {
          let share = elapsed / Double(slots.count)
          for slot in slots {
            holders[slot].directCaused += share
            direct[slot, default: 0] += 1
          }
          blocked += 1
        } else {
          let ahead = blamesEveryEarlier ? position : exclusiveWaiters
          if ahead > 0 {
            let share = 1 / Double(ahead)
            if blamesEveryEarlier { owedByAll += share } else { owedByReaders += share }
            blocked += 1
          }
        }
      } else if capacity > 0 ? full : (exclusive ? holding > 0 : exclusiveHolders > 0) {
        // Blocked by holders: every holder (a writer, a full semaphore) or the writers.
        if blamesEveryEarlier {
          rateAll += 1 / Double(holding)
          blamingAll += 1
        } else {
          rateExclusive += 1 / Double(exclusiveHolders)
          blamingExclusive += 1
        }
        blocked += 1
      } else {
        // No holder blocks it, yet it waits: behind the earlier waiters it conflicts with.
        let ahead = blamesEveryEarlier ? position : exclusiveWaiters
        if ahead > 0 {
          let share = 1 / Double(ahead)
          if blamesEveryEarlier { owedByAll += share } else { owedByReaders += share }
          blocked += 1
        }
      }
      position -= 1
    }
    if holding > 0 {
      rare.allShare += elapsed * rateAll
      rare.exclusiveShare += elapsed * rateExclusive
      if blamingAll > 0 { rare.allMaxima.record(blamingAll, at: holderEpoch) }
      if blamingAll + blamingExclusive > 0 { rare.exclusiveMaxima.record(blamingAll + blamingExclusive, at: holderEpoch) }
      for (slot, count) in direct {
        let shared = blamingAll + (holders[slot].mode == .exclusive ? blamingExclusive : 0)
        holders[slot].directMostBlocked = max(holders[slot].directMostBlocked, count + shared)
      }
    }
    return blocked
  }

  /// Recomputes `earliestDeadline` after the holders or their leases changed.
  mutating func refreshEarliestDeadline() {
    var earliest = Int64.max
    for holder in holders where holder.leaseDeadline < earliest { earliest = holder.leaseDeadline }
    earliestDeadline = earliest
  }

  /// Time up to which the integrals below are accumulated.
  var integratedUntil: Int64
  /// ∫ waiters dt inside the window, in waiter-nanoseconds.
  var queueIntegral: Double = 0
  /// Time with at least one holder, inside the window.
  var heldNanos: Int64 = 0
  /// Most waiters at once.
  var queueMax: Int {
    get { Int(queueMaxAndSeen & ~Self.notSeenFlag) }
    set { queueMaxAndSeen = queueMaxAndSeen & Self.notSeenFlag | UInt32(Int32(newValue)) }  // 0 ..< 2³¹, as an Int32 was
  }

  /// Whether any event of this lock was analysed (the engine's table has a slot per id).
  var seen: Bool { queueMaxAndSeen & Self.notSeenFlag == 0 }

  init(createdAt time: Int64, seen: Bool = true) {
    integratedUntil = time
    if !seen { queueMaxAndSeen = Self.notSeenFlag }
  }

  /// The state of a lock nobody holds or waits for, from its idle form.
  init(idle: IdleLock) {
    self.init(createdAt: idle.integratedUntil)
    reuse(for: idle)
  }

  /// Becomes the state of the idle lock `idle`, in place: for a state whose own lock went
  /// idle (`idleForm` was not nil), its holders, queue, counts and shares are empty or
  /// zero already, so only what the idle form carries is set (no buffer let go or made).
  mutating func reuse(for idle: IdleLock) {
    integratedUntil = idle.integratedUntil
    queueIntegral = idle.queueIntegral
    heldNanos = idle.heldNanos
    capacity = idle.capacity
    holderEpoch = idle.holderEpoch
    queueMaxAndSeen = idle.queueMaxAndSeen
  }

  /// The lock's idle form, when this state says nothing more than it: nobody holds or
  /// waits, no lapse is remembered, and the lock is not busy (a busy lock keeps its
  /// buffers, so it stays whole). The shares and maxima of `rare` are reset whenever the
  /// last holder goes, so a made but otherwise empty `rare` is let go with them.
  var idleForm: IdleLock? {
    // Inline: asked after every event, and a busy lock (most events' lock) answers at once.
    @inline(__always) get {
      guard !isBusy, holders.isEmpty, waiters.isEmpty, earliestDeadline == .max,
        rareParts.read({ $0.lapsedHolders.isEmpty }) ?? true
      else { return nil }
      return idle
    }
  }

  /// The idle form itself (`idleForm` when it applies).
  private var idle: IdleLock {
    IdleLock(
      capacity: capacity, holderEpoch: holderEpoch, queueMaxAndSeen: queueMaxAndSeen, integratedUntil: integratedUntil,
      queueIntegral: queueIntegral, heldNanos: heldNanos)
  }

  @inline(__always)
  func holderIndex(_ agent: AgentID) -> Int? {
    holders.slot(of: agent)
  }

  /// The hold of `agent` that is alive: a crashed agent's orphaned hold is not its new
  /// life's to release or renew.
  @inline(__always)
  func liveHolderIndex(_ agent: AgentID) -> Int? {
    guard let slot = holders.slot(of: agent), !holders[slot].isOrphaned else { return nil }
    return slot
  }

  @inline(__always)
  func waiterIndex(_ agent: AgentID) -> Int? {
    waiters.firstIndex { $0.agent == agent }
  }

  /// Whether a holder of mode `holderMode` blocks a request of mode `requestMode`
  /// by another agent. On a semaphore only the number of holders matters.
  @inline(__always)
  func blocks(holderMode: LockMode, requestMode: LockMode) -> Bool {
    capacity > 0 ? holders.count >= Int(capacity) : holderMode.conflicts(with: requestMode)
  }

  /// Whether `agent` asking for `mode` now would have to wait: a holder blocks it, or it
  /// queues behind an earlier waiter it conflicts with (fair locks serve in order).
  func isUnavailable(to agent: AgentID, mode: LockMode) -> Bool {
    // Counts, not a walk over the holders: a crowd of readers makes every request O(1).
    if capacity > 0 {
      // Full: others block it, or it is full of the requester's own slots.
      if holders.count >= Int(capacity) { return true }
    } else {
      // Asking again for a lock one holds, where either side is exclusive (an upgrade
      // from read to write included), never succeeds: a self-deadlock.
      if let own = holderIndex(agent), holders[own].mode == .exclusive || mode == .exclusive { return true }
      // Otherwise only the others count (its own shared hold conflicts with no read).
      if holdersConflict(with: mode) { return true }
    }
    // Any earlier waiter conflicts with an exclusive request or a semaphore slot; a shared
    // request conflicts only with exclusive waiters. (The requester is not yet queued.)
    if capacity > 0 || mode == .exclusive { return !waiters.isEmpty }
    return waiters.contains { $0.mode == .exclusive }
  }

  /// Which wait-for edges `forEachWaitTarget` reads.
  enum WaitRule {
    /// SPEC §2, one log: the holders that conflict (itself, in a self-deadlock; not a dead
    /// holder, which waits for nothing); with none, the earlier waiters it conflicts with.
    case log
    /// SPEC §7, a shard's summary: holders only, since a cycle across shards closes through
    /// a hold another shard sees — the conflicting holders, or, queued behind earlier
    /// waiters, every holder; a dead holder too (the merge knows no lives), never itself.
    case shard
  }

  /// Who blocks whom — the one rule (SPEC §2 wait-for edges), read by the deadlock search,
  /// caused wait, the orphan rule and (`rule: .shard`) a shard's summary. Calls `body` with
  /// each agent the waiter `agent` (asking in `mode`, already queued) waits for and the
  /// holder's slot, nil when the edge goes through the queue. No allocation.
  func forEachWaitTarget(agent: AgentID, mode: LockMode, rule: WaitRule = .log, _ body: (AgentID, _ holderSlot: Int?) -> Void) {
    let blocked = forEachBlockingHolder(agent: agent, mode: mode) { slot in
      let holder = holders[slot]
      if rule == .log ? !holder.isOrphaned : holder.agent != agent { body(holder.agent, slot) }
    }
    guard !blocked else { return }
    switch rule {
    case .log:
      _ = forEachWaiterAhead(agent: agent, mode: mode, from: 0) { target, conflicts in if conflicts { body(target, nil) } }
    case .shard:
      for slot in holders.indices where holders[slot].agent != agent { body(holders[slot].agent, slot) }
    }
  }

  /// The waiters ahead of `agent` (asking in `mode`), walking the queue from position
  /// `start`: `body` gets each and whether `agent` waits behind it (they conflict). Returns
  /// the agent's position, or nil when it is not at or after `start`.
  func forEachWaiterAhead(agent: AgentID, mode: LockMode, from start: Int, _ body: (AgentID, Bool) -> Void) -> Int? {
    var position = start
    while position < waiters.endIndex {
      let earlier = waiters[position]
      if earlier.agent == agent { return position }
      body(earlier.agent, capacity > 0 || earlier.mode.conflicts(with: mode))
      position += 1
    }
    return nil
  }

  /// The slots of the holders that block `agent` asking in `mode` — dead ones included, and
  /// its own hold in a self-deadlock; whether any.
  func forEachBlockingHolder(agent: AgentID, mode: LockMode, _ body: (Int) -> Void) -> Bool {
    var any = false
    for slot in holders.indices {
      let holder = holders[slot]
      // A dead life's orphaned hold is another holder, even under the waiter's own name.
      if holder.agent == agent && !holder.isOrphaned {
        // Asking again where either side is exclusive never succeeds on its own; nor a
        // semaphore slot when every slot is the waiter's own.
        let selfBlocking =
          capacity == 0
          ? (mode == .exclusive || holder.mode == .exclusive)
          : holders.count >= Int(capacity) && holders.allSatisfy { $0.agent == agent && !$0.isOrphaned }
        guard selfBlocking else { continue }
      } else if !blocks(holderMode: holder.mode, requestMode: mode) {
        continue
      }
      body(slot)
      any = true
    }
    return any
  }
}
