/// Percentile summary of a set of durations, in nanoseconds (SPEC §5 `wait`, `hold`).
public struct DurationStats: Equatable, Sendable {
  public var count = 0
  public var mean: Int64 = 0
  public var p50: Int64 = 0
  public var p90: Int64 = 0
  public var p95: Int64 = 0
  public var p99: Int64 = 0
  public var max: Int64 = 0
  /// Holds only: holds that did not end in a release.
  public var unfinished = 0
  /// `--prometheus-histograms`: how many samples are at most each of
  /// `PrometheusRenderer.bucketBounds` (empty unless asked for).
  public var cumulative: [Int] = []
  /// The sum of the samples (a histogram's `_sum`).
  public var sampleSum: Int128 = 0

  public init() {}

  /// Equal statistics: the histogram's extras come from the same samples, or are absent.
  public static func == (a: DurationStats, b: DurationStats) -> Bool {
    a.count == b.count && a.mean == b.mean && a.p50 == b.p50 && a.p90 == b.p90 && a.p95 == b.p95 && a.p99 == b.p99
      && a.max == b.max && a.unfinished == b.unfinished
  }

  init(_ digest: LatencyDigest, unfinished: Int = 0, histogram: Bool) {
    self.init(digest, unfinished: unfinished)
    if histogram { cumulative = PrometheusRenderer.bucketBounds.map(digest.count(atMost:)) }
  }

  init(_ digest: LatencyDigest, unfinished: Int = 0) {
    count = digest.count
    sampleSum = digest.sum
    mean = digest.mean
    let values = digest.percentiles([50, 90, 95, 99])
    (p50, p90, p95, p99) = (values[0], values[1], values[2], values[3])
    max = digest.max
    self.unfinished = unfinished
  }
}

/// One row of metrics: a lock, an agent, or overall (SPEC §5 METRICS).
public struct MetricsRow: Equatable, Sendable {
  /// The lock or agent name; nil for overall.
  public var name: String?
  public var attempts = 0
  public var acquisitions = 0
  public var timeouts = 0
  public var wait = DurationStats()
  public var hold = DurationStats()
  /// Every attempt, request to acquire, timeout or cancel (SPEC §2 `blocked`).
  public var blocked = DurationStats()
  /// Jain's index over the agents' mean blocked time (SPEC §2); nil for agent rows.
  public var fairness: Double?
  /// Released holds that had an expected length, and those longer than it.
  public var expectedHolds = 0
  public var overExpected = 0
  /// `hold.over_expected`: overExpected / expectedHolds (0 with no expectation).
  public var overExpectedShare: Double { expectedHolds > 0 ? Double(overExpected) / Double(expectedHolds) : 0 }
  public var contentionRate = 0.0
  public var timeoutRate = 0.0
  public var queueMax = 0
  public var queueMean = 0.0
  public var utilization = 0.0
  public var waitShare = 0.0
  /// Totals, 128 bits wide (written exactly in JSON even past Int64.max).
  public var causedWaitNanos: Int128 = 0
  public var waitTotalNanos: Int128 = 0
  public var holdTotalNanos: Int128 = 0
  public var blockedTotalNanos: Int128 = 0
  /// The longest hold that did not end in a release (`hold.unfinished` of them).
  public var unfinishedHoldMaxNanos: Int64 = 0
  /// Agents: the most waiters they blocked at once as holders.
  public var blockedMax = 0
  /// Families: how many locks of the log belong to it.
  public var lockCount = 0
  /// Locks: the family it belongs to under `--family`.
  public var family: String?

  public init(name: String? = nil) { self.name = name }
}

/// A finding of SPEC §5; this version reports anomalies.
public struct Finding: Sendable {
  public enum Severity: String, Sendable, Comparable {
    case critical, warning, info
    var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }

  public var kind: FindingKind
  public var severity: Severity
  public var locks: [String]
  public var agents: [String]
  public var time: Int64
  /// `FILE:LINE` of the event it comes from.
  public var source: String
  public var message: String
  /// What to do about it, chosen from what the data shows.
  public var remedy: String = ""
  /// Finding-specific keys (a deadlock's `cycle`, an orphan's `cause`, …).
  public var details: [(key: String, value: JSONValue)] = []
  /// How many events this finding stands for (a group of long holds, say).
  public var count = 1

  public init(
    kind: FindingKind, severity: Severity, locks: [String], agents: [String], time: Int64, source: String,
    message: String, remedy: String = "", details: [(key: String, value: JSONValue)] = [], count: Int = 1
  ) {
    self.kind = kind
    self.severity = severity
    self.locks = locks
    self.agents = agents
    self.time = time
    self.source = source
    self.message = message
    self.remedy = remedy
    self.details = details
    self.count = count
  }

  public func detail(_ key: String) -> JSONValue? { details.first { $0.key == key }?.value }
}

/// The header of a report.
public struct Summary: Sendable {
  public var inputs: [String] = []
  /// Valid event lines read.
  public var events: Int64 = 0
  public var skippedLines = 0
  /// Per input file, events earlier than one before them in that file, and the most any
  /// was behind (clocks that disagree, interleaved writers): whatever `--reorder-window` did.
  public var outOfOrder: [(input: String, events: Int64, worstSkew: Int64)] = []
  public var reorderWindow: Int64 = 0
  /// `--from otlp`: the spans read as lock uses, and those ignored for want of `lock.name`.
  public var otlpSpans: (locks: Int64, ignored: Int64)?
  /// `--timezone` (`UTC` by default), when some timestamp had no offset and was read in it.
  public var assumedTimeZone: String?
  /// When lines lacked a required field: which keys they have and the `--field` remap to try.
  public var remapHint: String?
  /// False under `--no-findings`: no finding analyzer ran (anomalies are still counted).
  public var findingsAnalyzed = true
  /// The observed span (nil when no event was analysed).
  public var firstTime: Int64?
  public var lastTime: Int64?
  /// Distinct names in valid events, before filters.
  public var locks = 0
  public var agents = 0
}

extension Report {
  /// WAITED AT: the sites where attempts were requested, by total wait (as `sites`).
  public var waitedAtSites: [MetricsRow] { sites.filter { $0.attempts > 0 } }

  /// BLOCKED OTHERS FROM: the sites whose holds made others wait, by the wait they caused.
  public var blockingSites: [MetricsRow] {
    sites.filter { $0.causedWaitNanos > 0 }.sorted {
      $0.causedWaitNanos != $1.causedWaitNanos ? $0.causedWaitNanos > $1.causedWaitNanos : ($0.name ?? "") < ($1.name ?? "")
    }
  }
}

/// Everything `lockscope report` shows, names resolved: what the renderers print.
public struct Report: Sendable {
  public var summary = Summary()
  public var overall = MetricsRow()
  /// Sorted by total wait, largest first, then by name.
  public var locks: [MetricsRow] = []
  public var agents: [MetricsRow] = []
  /// `--family`: one row per family of locks, named by its glob or pattern; same order.
  public var families: [MetricsRow] = []
  /// Code sites (`site` on events, SPEC §2): wait and blocked over the attempts requested
  /// there, hold and caused wait over the holds acquired there; by total wait.
  public var sites: [MetricsRow] = []
  /// Whether `--family` was given (the JSON report then has a `families` array, empty or not).
  public var familiesAsked = false
  public var findings: [Finding] = []
  /// How many of each kind were found, in `FindingKind` order: grouped findings count
  /// every hold or wait they stand for, and findings past the number kept still count.
  /// `long-hold` counts holds over `--long-hold` only (not the outlier notes).
  public var findingCounts: [(kind: FindingKind, count: Int)] = []
  /// Anomalies by kind (all of them, including those not kept as findings).
  public var anomalyCounts: [(kind: Anomaly.Kind, count: Int)] = []
  public var skipped: [SkippedLines.Entry] = []
}
