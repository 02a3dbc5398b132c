/// A mergeable summary of part of a fleet's log (SPEC §7): what `report --format summary`
/// writes for one shard, and what `route` writes about the lock-order edges of one input
/// partition. Counts, sums and maxima, digests that merge without a second rounding,
/// findings capped per kind with totals: its size grows with locks, agents and edges,
/// never with the length of the log.
public struct FleetSummary: Sendable {
  /// The `format` value and version every summary carries; another is refused.
  public static let format = "lockscope-summary"
  public static let version = 1

  /// What wrote it.
  public enum Kind: String, Sendable {
    /// `report --format summary`: the statistics and findings of the locks of a shard.
    case shard
    /// `route`: the lines of one input partition (events, bad lines) and its lock-order edges.
    case partition
  }

  /// One lock's row, with the time integrals the report divides by the span.
  public struct LockPart: Sendable {
    public var name: String
    public var metrics = MetricAccumulator()
    public var queueMax = 0
    public var queueIntegral = 0.0
    public var heldNanos: Int64 = 0
    /// Each agent's `blocked` total and count on this lock (SPEC §2 `fairness`).
    public var blockedByAgent: [(agent: String, total: Int128, count: Int)] = []
  }

  /// One agent's row, and the time it held at least one lock (of this shard).
  public struct AgentPart: Sendable {
    public var name: String
    public var metrics = MetricAccumulator()
    public var heldAnyNanos: Int64 = 0
  }

  /// One step of a lock-order edge (`LockOrderAnalyzer.Witness`): names, not ids — ids
  /// are per process.
  public struct OrderEdge: Sendable {
    /// `added`, `detector` or `updated`, and when.
    public var step: LockOrderAnalyzer.Witness.Step
    public var at: Int64
    public var from: String
    public var to: String
    /// Who took it: one agent, or two different ones (two rule out "one agent").
    public var agents: [String]
    /// Locks held every time it was taken, besides its own two.
    public var gates: [String]
    public var sharedOnly: Bool
    public var heldAt: String
    public var acquiredAt: String
    public var time: Int64
  }

  /// Times an agent waited for another on a lock of this shard (a wait-for edge of SPEC
  /// §2 `deadlock`): the merge looks for cycles of these across shards at one instant.
  public struct WaitSpan: Sendable, Equatable {
    public var waiter: String
    public var holder: String
    public var lock: String
    public var start: Int64
    /// Nil: still waiting at the end of the shard's log.
    public var end: Int64?
    /// The event kind that ended it (`timeout`, `release`, …); nil while open.
    public var endedBy: String?
    public var source: String
  }

  public var kind: Kind
  public var inputs: [String] = []
  /// Valid event lines (a shard's routed span marks and repeated crashes not counted).
  public var events: Int64 = 0
  public var skippedLines = 0
  public var skipped: [SkippedLines.Entry] = []
  public var firstTime: Int64?
  public var lastTime: Int64?
  /// Distinct lock names, and every agent name, in valid events.
  public var lockCount = 0
  public var agentNames: [String] = []
  public var findingsAnalyzed = true
  public var locks: [LockPart] = []
  public var agents: [AgentPart] = []
  /// Seen locks (row or not) and their held time together: overall utilization.
  public var seenLocks = 0
  public var heldTotal: Int64 = 0
  public var totalQueueMax = 0
  public var totalQueueIntegral = 0.0
  public var findings: [Finding] = []
  public var findingCounts: [(kind: String, count: Int)] = []
  public var anomalyCounts: [(kind: String, count: Int)] = []
  public var edges: [OrderEdge] = []
  public var waitSpans: [WaitSpan] = []
  /// Wait spans not kept (past `WaitForRecorder.keptPerPair` for a pair of agents).
  public var waitSpansDropped = 0

  public init(kind: Kind) { self.kind = kind }
}
