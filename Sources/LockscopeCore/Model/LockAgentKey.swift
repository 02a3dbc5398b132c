/// A (lock, agent) pair packed into one integer, for dictionaries keyed by the pair (open
/// holds, pending requests, per-pair samples): it hashes and compares as one `Int64`.
///
/// The lock is the high half and the agent the low, so keys order by lock, then by agent.
struct LockAgentKey: Hashable, Comparable, Sendable {
  let rawValue: Int64

  init(lock: LockID, agent: AgentID) {
    rawValue = Int64(lock.rawValue) << 32 | Int64(UInt32(bitPattern: agent.rawValue))
  }

  var lock: LockID { LockID(Int32(truncatingIfNeeded: rawValue >> 32)) }
  var agent: AgentID { AgentID(Int32(truncatingIfNeeded: rawValue)) }

  static func < (a: LockAgentKey, b: LockAgentKey) -> Bool { a.rawValue < b.rawValue }
}
