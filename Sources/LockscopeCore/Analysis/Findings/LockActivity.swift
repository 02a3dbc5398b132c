/// What findings may read of the engine's per-lock state once the log is read: whether a
/// lock was seen, how long it was held and how far its integrals run. A view of the engine's
/// array (shared, not copied: a million locks cost nothing more), so no analyzer reaches into
/// the state machine's holders, queue or integrals.
struct LockActivity {
  private let states: LockTable

  init(_ states: LockTable) { self.states = states }

  /// Whether the log had an event of `lock` inside the selection.
  func seen(_ lock: LockID) -> Bool { lock.index >= 0 && lock.index < states.count && states[lock.index].seen }

  /// Time `lock` was held by anyone, in nanoseconds (SPEC §2 `utilization`'s numerator).
  func heldNanos(_ lock: LockID) -> Int64 { seen(lock) ? states[lock.index].heldNanos : 0 }

  /// The last instant `lock`'s time integrals reach: its last event, or the end of the log.
  func integratedUntil(_ lock: LockID) -> Int64 { seen(lock) ? states[lock.index].integratedUntil : 0 }

  /// Every lock seen, in id order.
  var seenLocks: [LockID] { states.indices.filter { states[$0].seen }.map { LockID(Int32($0)) } }
}
