/// An agent holding a lock.
public struct Holder: Sendable {
  public var agent: AgentID
  public var mode: LockMode
  public var since: Int64
  /// When the lease runs out; `Int64.max` when the hold has no lease.
  public var leaseDeadline: Int64
  /// The last lease granted, in nanoseconds (-1: none), reused by a `renew` without one.
  public var leaseLength: Int64
  public var source: SourceLocation
  /// The lock's share integrals and holder epoch when this hold began: what the hold
  /// imposed on waiters is a subtraction at its end, not an addition per holder per event
  /// (a crowd of 40,000 readers would make that quadratic).
  /// When its holder crashed holding it (`Int64.min`: alive), and the crash's line. An
  /// orphaned hold stays until the manager reclaims the lock, its lease runs out, another
  /// agent's conflicting acquire takes it over, or the log ends (SPEC §1 `crash`).
  public internal(set) var crashedAt: Int64 = .min
  public var crashSource: SourceLocation?
  public var isOrphaned: Bool { crashedAt != .min }
  /// Time each other agent spent waiting for the lock while this hold was open, summed over
  /// its attempts (SPEC §2 orphan rule); kept while the lock has at most
  /// `followedHolders` holders. Empty (no allocation) until a wait ends while it is held.
  var blockedBy: [AgentID: Int64] = [:]
  var evenShareAtJoin: Double = 0
  var uniformShareAtJoin: Double = 0
  var epochAtJoin: Int32 = 0
}

/// An agent waiting for a lock (an open request).
public struct Waiter: Sendable {
  public var agent: AgentID
  public var mode: LockMode
  public var since: Int64
  /// The lock's queue integral when this waiter joined, so its share is a subtraction.
  public var queueIntegralAtJoin: Double
  public var source: SourceLocation
  /// Acquisitions by others that got ahead of it so far.
  public var overtaken: Int32 = 0
}

/// Everything known about one lock at one instant, plus its running time integrals.
///
/// Holders and waiters are small arrays: most locks have one holder and a short queue, and
/// a linear scan of a few elements beats any hashed structure there.
public struct LockState: Sendable {
  public internal(set) var holders = HolderList()
  /// Open requests in arrival order.
  public var waiters = WaiterQueue()
  /// Semaphore slots (0: not a semaphore); the last `capacity` seen stands.
  public var capacity: Int32 = 0
  /// Agents whose lease ran out while they held this lock and who have not touched it since.
  public var lapsedHolders: [AgentID] = []
  /// Waiters that also hold this lock (an upgrade, or a self-deadlock).
  public var waitersThatHold = 0
  /// The earliest lease deadline among the holders (`Int64.max`: none), so the per-event
  /// lease check is one comparison.
  public var earliestDeadline: Int64 = .max
  /// Holds left by agents that crashed holding them (see `Holder.crashedAt`): an acquire
  /// looks for one to take over only when there is one.
  public internal(set) var orphanedHolders = 0
  /// Holders in exclusive mode: whether a request conflicts with the holders is a count.
  public private(set) var exclusiveHolders = 0
  /// ∫ waiters ÷ holders dt while held: what one holder imposed on the waiters, split evenly
  /// among the holders. Reset whenever nobody holds the lock, so it stays small.
  public private(set) var evenShare: Double = 0
  /// The same, over the moments when every waiter is blocked by every holder alike
  /// (`blocksEveryWaiterAlike`): the caused wait of the statistics in those moments.
  public private(set) var uniformShare: Double = 0
  /// Counts changes of the holder set, and the most waiters charged since each change.
  private var holderEpoch: Int32 = 0
  private var chargedMaxima = SuffixMaxima()

  /// Whether every waiter is blocked by every holder alike — one exclusive holder, shared
  /// holders and a writer, a full semaphore — so the wait is split evenly among the holders.
  public var blocksEveryWaiterAlike: Bool {
    waitersThatHold == 0 && (capacity > 0 || exclusiveHolders == 0 || exclusiveHolders == holders.count)
  }

  /// Whether a request in `mode` by an agent that does not hold the lock conflicts with a holder.
  public func holdersConflict(with mode: LockMode) -> Bool {
    if capacity > 0 { return holders.count >= Int(capacity) }
    return mode == .exclusive ? !holders.isEmpty : exclusiveHolders > 0
  }

  /// Adds a hold; it starts owing nothing.
  mutating func addHolder(_ holder: Holder) {
    var holder = holder
    holderEpoch &+= 1
    holder.evenShareAtJoin = evenShare
    holder.uniformShareAtJoin = uniformShare
    holder.epochAtJoin = holderEpoch
    if holder.mode == .exclusive { exclusiveHolders += 1 }
    holders.append(holder)
  }

  /// Removes a hold and returns it with what it imposed on the waiters while it lasted:
  /// the even share, the share while every waiter was blocked alike, and the most waiters
  /// charged to it at once.
  mutating func removeHolder(at index: Int) -> (holder: Holder, evenShare: Double, uniformShare: Double, mostBlocked: Int) {
    let holder = holders.remove(at: index)
    if holder.mode == .exclusive { exclusiveHolders -= 1 }
    if holder.isOrphaned { orphanedHolders -= 1 }
    let result = (
      holder, evenShare - holder.evenShareAtJoin, uniformShare - holder.uniformShareAtJoin,
      chargedMaxima.maximum(since: holder.epochAtJoin)
    )
    holderEpoch &+= 1
    if holders.isEmpty {
      evenShare = 0
      uniformShare = 0
      chargedMaxima.removeAll()
    }
    return result
  }

  /// Past this many holders at once (a crowd of readers), holds are not followed one by one
  /// for the orphan rule: only `--orphan-after` makes one an orphan at the end of the log.
  static let followedHolders = 16

  /// `waiter`'s wait ends at `time` (or is still open then): each hold open now, other than
  /// its own, kept it waiting for the part of the wait since the hold began.
  mutating func chargeBlocked(by waiter: Waiter, until time: Int64) {
    guard !holders.isEmpty, holders.count <= Self.followedHolders else { return }
    for slot in holders.indices where holders[slot].agent != waiter.agent || holders[slot].isOrphaned {
      let overlap = time - max(waiter.since, holders[slot].since)
      if overlap > 0 { holders[slot].blockedBy[waiter.agent, default: 0] += overlap }
    }
  }

  /// The holder at `index` crashed at `time` (the `crash` line at `source`): its hold stays, orphaned.
  mutating func orphan(at index: Int, time: Int64, source: SourceLocation) {
    guard !holders[index].isOrphaned else { return }
    holders[index].crashedAt = time
    holders[index].crashSource = source
    orphanedHolders += 1
  }

  /// `waiters` waited `elapsed` nanoseconds while held: each holder's even share grows.
  mutating func chargeHolders(waiters: Int, elapsed: Int64) {
    guard !holders.isEmpty else { return }
    let share = Double(waiters) * Double(elapsed) / Double(holders.count)
    evenShare += share
    if blocksEveryWaiterAlike {
      uniformShare += share
      chargedMaxima.record(waiters, at: holderEpoch)
    }
  }

  /// Recomputes `earliestDeadline` after the holders or their leases changed.
  mutating func refreshEarliestDeadline() {
    var earliest = Int64.max
    for holder in holders where holder.leaseDeadline < earliest { earliest = holder.leaseDeadline }
    earliestDeadline = earliest
  }

  /// Time up to which the integrals below are accumulated.
  public internal(set) var integratedUntil: Int64
  /// ∫ waiters dt inside the window, in waiter-nanoseconds.
  public var queueIntegral: Double = 0
  /// Time with at least one holder, inside the window.
  public var heldNanos: Int64 = 0
  /// Most waiters at once.
  public var queueMax = 0

  /// Whether any event of this lock was analysed (the engine's table has a slot per id).
  public var seen = true

  public init(createdAt time: Int64, seen: Bool = true) {
    integratedUntil = time
    self.seen = seen
  }

  @inline(__always)
  public func holderIndex(_ agent: AgentID) -> Int? {
    holders.slot(of: agent)
  }

  /// The hold of `agent` that is alive: a crashed agent's orphaned hold is not its new
  /// life's to release or renew.
  @inline(__always)
  public func liveHolderIndex(_ agent: AgentID) -> Int? {
    guard let slot = holders.slot(of: agent), !holders[slot].isOrphaned else { return nil }
    return slot
  }

  @inline(__always)
  public func waiterIndex(_ agent: AgentID) -> Int? {
    waiters.firstIndex { $0.agent == agent }
  }

  /// Whether a holder of mode `holderMode` blocks a request of mode `requestMode`
  /// by another agent. On a semaphore only the number of holders matters.
  @inline(__always)
  public func blocks(holderMode: LockMode, requestMode: LockMode) -> Bool {
    capacity > 0 ? holders.count >= Int(capacity) : holderMode.conflicts(with: requestMode)
  }

  /// Whether `agent` asking for `mode` now would have to wait: a holder blocks it, or it
  /// queues behind an earlier waiter it conflicts with (fair locks serve in order).
  public func isUnavailable(to agent: AgentID, mode: LockMode) -> Bool {
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

  /// Calls `body` with each agent `waiter` waits for in the wait-for graph (SPEC §2): the
  /// holders whose mode conflicts with its request (itself, for a self-deadlock); when no
  /// holder conflicts yet it waits, the earlier waiters it conflicts with. No allocation.
  @inline(__always)
  /// `body` gets the target and whether the edge goes through the queue.
  public func forEachWaitTarget(of waiter: Waiter, _ body: (AgentID, Bool) -> Void) {
    forEachWaitTarget(agent: waiter.agent, mode: waiter.mode, body)
  }

  /// The same for the waiter `agent`, asking in `mode` (it must be in the queue).
  public func forEachWaitTarget(agent: AgentID, mode: LockMode, _ body: (AgentID, Bool) -> Void) {
    guard !forEachBlockingHolder(agent: agent, mode: mode, { body($0, false) }) else { return }
    _ = forEachWaiterAhead(agent: agent, mode: mode, from: 0) { target, conflicts in if conflicts { body(target, true) } }
  }

  /// The waiters ahead of `agent` (asking in `mode`), walking the queue from position
  /// `start`: `body` gets each and whether `agent` waits behind it (they conflict). Returns
  /// the agent's position, or nil when it is not at or after `start`.
  public func forEachWaiterAhead(agent: AgentID, mode: LockMode, from start: Int, _ body: (AgentID, Bool) -> Void) -> Int? {
    var position = start
    while position < waiters.endIndex {
      let earlier = waiters[position]
      if earlier.agent == agent { return position }
      body(earlier.agent, capacity > 0 || earlier.mode.conflicts(with: mode))
      position += 1
    }
    return nil
  }

  /// The holders `agent` (asking in `mode`) waits for, itself in a self-deadlock; whether any.
  public func forEachBlockingHolder(agent: AgentID, mode: LockMode, _ body: (AgentID) -> Void) -> Bool {
    let waiter = (agent: agent, mode: mode)
    var any = false
    for holder in holders {
      if holder.isOrphaned {
        // It blocks, but a dead holder waits for nothing: no edge leads on from it.
        if holder.agent == waiter.agent || blocks(holderMode: holder.mode, requestMode: waiter.mode) { any = true }
        continue
      }
      if holder.agent == waiter.agent {
        // Asking again where either side is exclusive never succeeds on its own; nor a
        // semaphore slot when every slot is the waiter's own.
        let selfBlocking =
          capacity == 0
          ? (waiter.mode == .exclusive || holder.mode == .exclusive)
          : holders.count >= Int(capacity) && holders.allSatisfy { $0.agent == waiter.agent }
        if selfBlocking {
          body(holder.agent)
          any = true
        }
      } else if blocks(holderMode: holder.mode, requestMode: waiter.mode) {
        body(holder.agent)
        any = true
      }
    }
    return any
  }

  /// The holders that block `waiter` (SPEC §2: the conflicting ones, else all of them —
  /// it is queued behind an earlier waiter), excluding itself unless it is alone.
  public func blockers(of waiter: Waiter) -> [AgentID] {
    // A dead life's orphaned hold is another holder, even under the waiter's own name.
    let others = holders.filter { $0.agent != waiter.agent || $0.isOrphaned }
    if others.isEmpty {
      // Itself, only in a self-deadlock; otherwise (a reader asking again) nobody.
      let selfBlocking = holders.contains { holder in
        capacity == 0 ? (holder.mode == .exclusive || waiter.mode == .exclusive) : holders.count >= Int(capacity)
      }
      return selfBlocking ? holders.map(\.agent) : []
    }
    let conflicting = others.filter { blocks(holderMode: $0.mode, requestMode: waiter.mode) }
    return (conflicting.isEmpty ? others : conflicting).map(\.agent)
  }
}
