/// A mergeable summary of part of a fleet's log (SPEC §7): what `report --format summary`
/// writes for one shard, and what `route` writes about the lock-order edges of one input
/// partition. Counts, sums and maxima, digests that merge without a second rounding,
/// findings capped per kind with totals: its size grows with locks, agents and edges,
/// never with the length of the log.
struct FleetSummary: Sendable {
  /// The `format` value and version every summary carries; another is refused.
  static let format = "lockscope-summary"
  static let version = 1

  /// What wrote it.
  enum Kind: String, Sendable {
    /// `report --format summary`: the statistics and findings of the locks of a shard.
    case shard
    /// `route`: the lines of one input partition (events, bad lines) and its lock-order edges.
    case partition
  }

  /// One lock's row, with the time integrals the report divides by the span.
  struct LockPart: Sendable {
    var name: String
    var metrics = MetricAccumulator()
    var queueMax = 0
    var queueIntegral = 0.0
    var heldNanos: Int64 = 0
    /// Each agent's `blocked` total and count on this lock (SPEC §2 `fairness`).
    var blockedByAgent: [(agent: String, total: Int128, count: Int)] = []
  }

  /// One agent's row, and the time it held at least one lock (of this shard).
  struct AgentPart: Sendable {
    var name: String
    var metrics = MetricAccumulator()
    var heldAnyNanos: Int64 = 0
  }

  /// One step of a lock-order edge (`LockOrderAnalyzer.Witness`): names, not ids — ids
  /// are per process.
  struct OrderEdge: Sendable {
    /// `added`, `detector` or `updated`, and when.
    var step: LockOrderAnalyzer.Witness.Step
    var at: Int64
    var from, to: String
    /// Who took it: one agent, or two different ones (two rule out "one agent").
    var agents: [String]
    /// Locks held every time it was taken, besides its own two.
    var gates: [String]
    var sharedOnly: Bool
    var heldAt: String
    var acquiredAt: String
    var time: Int64
  }

  /// Times an agent waited for another on a lock of this shard (a wait-for edge of SPEC
  /// §2 `deadlock`): the merge looks for cycles of these across shards at one instant.
  struct WaitSpan: Sendable, Equatable {
    var waiter, holder, lock: String
    var start: Int64
    /// Nil: still waiting at the end of the shard's log.
    var end: Int64?
    /// The event kind that ended it (`timeout`, `release`, …); nil while open.
    var endedBy: String?
    var source: String
  }

  var kind: Kind
  var inputs: [String] = []
  /// Valid event lines (a shard's routed span marks and repeated crashes not counted).
  var events: Int64 = 0
  var skippedLines = 0
  var skipped: [SkippedLines.Entry] = []
  var firstTime: Int64?
  var lastTime: Int64?
  /// Distinct lock names, and every agent name, in valid events.
  var lockCount = 0
  var agentNames: [String] = []
  var findingsAnalyzed = true
  var locks: [LockPart] = []
  var agents: [AgentPart] = []
  /// Seen locks (row or not) and their held time together: overall utilization.
  var seenLocks = 0
  var heldTotal: Int64 = 0
  var totalQueueMax = 0
  var totalQueueIntegral = 0.0
  var findings: [Finding] = []
  var findingCounts: [(kind: String, count: Int)] = []
  var anomalyCounts: [(kind: String, count: Int)] = []
  var edges: [OrderEdge] = []
  var waitSpans: [WaitSpan] = []
  /// Wait spans not kept (past `WaitForRecorder.keptPerPair` for a pair of agents).
  var waitSpansDropped = 0

  init(kind: Kind) { self.kind = kind }
}
