/// How a wait ended.
enum WaitOutcome: UInt8, Sendable {
  case granted, timedOut, cancelled, abandoned, endOfLog
}

/// How a hold ended. Only `released` holds are hold-time samples.
enum HoldOutcome: UInt8, Sendable {
  case released, leaseExpired, expired, crashed, endOfLog

  /// The orphan `cause` of SPEC §5 for a hold that did not end in a release.
  var cause: String {
    switch self {
    case .released: "released"
    case .leaseExpired: "lease-expired"
    case .expired: "expire"
    case .crashed: "crash"
    case .endOfLog: "end-of-log"
    }
  }
}

/// A request and how it ended.
struct WaitInterval: Sendable {
  var agent: AgentID
  var lock: LockID
  var mode: LockMode
  /// Nanoseconds since the Unix epoch.
  var start, end: Int64
  var outcome: WaitOutcome
  /// ∫ (waiters of the lock) dt over this wait, inside the window.
  var queueIntegral: Double
  var source: SourceLocation
  /// How many times another agent got the lock ahead of this waiter: a later arrival or
  /// an acquire with no request (starvation, when it keeps happening).
  var overtaken: Int
  /// Wait it caused, as the earlier waiter that later ones queued behind (SPEC §2).
  var causedWait: Double = 0
  /// `site` of the request, an id in `EventParser.sites` (-1: none).
  var site: Int32 = -1
}

/// A cycle in the wait-for graph, in wait-for order: `agents[i]` waits for `locks[i]`,
/// which `agents[i + 1]` (cyclically) holds or is queued ahead on.
struct WaitCycle: Sendable {
  var agents: [AgentID]
  var locks: [LockID]
  /// Whether `agents[i]` waits behind `agents[i + 1]` in the queue (rather than for its hold).
  var viaQueue: [Bool]
  /// When it closed, and the event that closed it.
  var time: Int64
  var source: SourceLocation
  /// `sites[i]`: the `site` of `agents[i]`'s request of `locks[i]` (-1: none).
  var sites: [Int32] = []

  /// The same cycle, whatever agent it is read from.
  var canonicalKey: [LockAgentKey] {
    let edges = zip(agents, locks).map { LockAgentKey(lock: $1, agent: $0) }
    guard let start = edges.indices.min(by: { edges[$0] < edges[$1] }) else { return [] }
    return Array(edges[start...] + edges[..<start])
  }
}

/// An acquire and how the hold ended.
struct HoldInterval: Sendable {
  var agent: AgentID
  var lock: LockID
  var mode: LockMode
  /// Nanoseconds since the Unix epoch.
  var start, end: Int64
  var outcome: HoldOutcome
  var source: SourceLocation
  /// The event that ended it (a release, crash or expire); nil for a lease that ran out
  /// or the end of the log.
  var endSource: SourceLocation?
  /// Wait it caused while it lasted (SPEC §2 `caused_wait`: each blocked waiter's time split
  /// evenly among the agents it waits for), and the most waiters it blocked at once.
  var causedWait: Double = 0
  var mostBlocked = 0
  /// When its holder crashed, for a hold that stayed orphaned after the crash (`end` is when
  /// the orphaned hold ended).
  var crashedAt: Int64? = nil
  /// The longest any one other agent waited for the lock while this hold was open, summed
  /// over its attempts (not followed past `LockState.followedHolders` holders: 0).
  var longestBlocked: Int64 = 0
  /// `site` of the acquire (else of its request), an id in `EventParser.sites` (-1: none).
  var site: Int32 = -1
}
