/// Percentile summary of a set of durations, in nanoseconds (SPEC §5 `wait`, `hold`).
struct DurationStats: Equatable, Sendable {
  var count = 0
  var mean: Int64 = 0
  var p50: Int64 = 0
  var p90: Int64 = 0
  var p95: Int64 = 0
  var p99: Int64 = 0
  var max: Int64 = 0
  /// Holds only: holds that did not end in a release.
  var unfinished = 0
  /// `--prometheus-histograms`: how many samples are at most each of
  /// `PrometheusRenderer.bucketBounds` (empty unless asked for).
  var cumulative: [Int] = []
  /// The sum of the samples (a histogram's `_sum`).
  var sampleSum: Int128 = 0

  init() {}

  /// Equal statistics: the histogram's extras come from the same samples, or are absent.
  static func == (a: DurationStats, b: DurationStats) -> Bool {
    a.count == b.count && a.mean == b.mean && a.p50 == b.p50 && a.p90 == b.p90 && a.p95 == b.p95 && a.p99 == b.p99
      && a.max == b.max && a.unfinished == b.unfinished
  }

  init(_ digest: LatencyDigest, unfinished: Int = 0, histogram: Bool) {
    self.init(digest, unfinished: unfinished)
    if histogram { cumulative = PrometheusRenderer.bucketBounds.map(digest.count(atMost:)) }
  }

  init(_ digest: LatencyDigest, unfinished: Int = 0) {
    let summary = digest.summary
    count = summary.count
    sampleSum = summary.sum
    mean = summary.mean
    (p50, p90, p95, p99) = (summary.p50, summary.p90, summary.p95, summary.p99)
    max = summary.max
    self.unfinished = unfinished
  }
}

/// One row of metrics: a lock, an agent, or overall (SPEC §5 METRICS).
struct MetricsRow: Equatable, Sendable {
  /// The lock or agent name; nil for overall.
  var name: String?
  var attempts = 0
  var acquisitions = 0
  var timeouts = 0
  var wait = DurationStats()
  var hold = DurationStats()
  /// Every attempt, request to acquire, timeout or cancel (SPEC §2 `blocked`).
  var blocked = DurationStats()
  /// Jain's index over the agents' mean blocked time (SPEC §2); nil for agent rows.
  var fairness: Double?
  /// Released holds that had an expected length, and those longer than it.
  var expectedHolds = 0
  var overExpected = 0
  /// `hold.over_expected`: overExpected / expectedHolds (0 with no expectation).
  var overExpectedShare: Double { expectedHolds > 0 ? Double(overExpected) / Double(expectedHolds) : 0 }
  var contentionRate = 0.0
  var timeoutRate = 0.0
  var queueMax = 0
  var queueMean = 0.0
  var utilization = 0.0
  var waitShare = 0.0
  /// Totals, 128 bits wide (written exactly in JSON even past Int64.max).
  var causedWaitNanos: Int128 = 0
  var waitTotalNanos: Int128 = 0
  var holdTotalNanos: Int128 = 0
  var blockedTotalNanos: Int128 = 0
  /// The longest hold that did not end in a release (`hold.unfinished` of them).
  var unfinishedHoldMaxNanos: Int64 = 0
  /// Agents: the most waiters they blocked at once as holders.
  var blockedMax = 0
  /// Families: how many locks of the log belong to it.
  var lockCount = 0
  /// Locks: the family it belongs to under `--family`.
  var family: String?

  init(name: String? = nil) { self.name = name }
}

/// A finding of SPEC §5 as the report shows it: names resolved (`FindingDraft.named`).
struct Finding: Sendable {
  enum Severity: String, Sendable, Comparable {
    case critical, warning, info
    var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
    static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }

  var kind: FindingKind
  var severity: Severity
  var locks, agents: [String]
  var time: Int64
  /// `FILE:LINE` of the event it comes from.
  var source: String
  var message: String
  /// What to do about it, chosen from what the data shows.
  var remedy: String = ""
  /// Finding-specific keys (a deadlock's `cycle`, an orphan's `cause`, …).
  var details: [(key: String, value: JSONValue)] = []
  /// How many events this finding stands for (a group of long holds, say).
  var count = 1
  /// The run's ids of `locks` and `agents`, for outputs that place a finding on a lock's or
  /// agent's track; empty for findings read back from fleet summaries (names only).
  var lockIDs: [LockID] = []
  var agentIDs: [AgentID] = []

  init(
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

  func detail(_ key: String) -> JSONValue? { details.first { $0.key == key }?.value }
}

/// The header of a report.
struct Summary: Sendable {
  var inputs: [String] = []
  /// Valid event lines read.
  var events: Int64 = 0
  var skippedLines = 0
  /// Per input file, events earlier than one before them in that file, and the most any
  /// was behind (clocks that disagree, interleaved writers): whatever `--reorder-window` did.
  var outOfOrder: [(input: String, events: Int64, worstSkew: Int64)] = []
  var reorderWindow: Int64 = 0
  /// `--from otlp`: the spans read as lock uses, and those ignored for want of `lock.name`.
  var otlpSpans: (locks: Int64, ignored: Int64)?
  /// `--timezone` (`UTC` by default), when some timestamp had no offset and was read in it.
  var assumedTimeZone: String?
  /// When lines lacked a required field: which keys they have and the `--field` remap to try.
  var remapHint: String?
  /// False under `--no-findings`: no finding analyzer ran (anomalies are still counted).
  var findingsAnalyzed = true
  /// The observed span (nil when no event was analysed).
  var firstTime: Int64?
  var lastTime: Int64?
  /// Distinct names in valid events, before filters.
  var locks = 0
  var agents = 0
}

extension Report {
  /// WAITED AT: the sites where attempts were requested, by total wait (as `sites`).
  var waitedAtSites: [MetricsRow] { sites.filter { $0.attempts > 0 } }

  /// BLOCKED OTHERS FROM: the sites whose holds made others wait, by the wait they caused.
  var blockingSites: [MetricsRow] {
    sites.filter { $0.causedWaitNanos > 0 }.sorted {
      $0.causedWaitNanos != $1.causedWaitNanos ? $0.causedWaitNanos > $1.causedWaitNanos : ($0.name ?? "") < ($1.name ?? "")
    }
  }
}

/// Everything `lockscope report` shows, names resolved: what the renderers print.
struct Report: Sendable {
  var summary = Summary()
  var overall = MetricsRow()
  /// Sorted by total wait, largest first, then by name.
  var locks = MetricsRows()
  var agents = MetricsRows()
  /// `--family`: one row per family of locks, named by its glob or pattern; same order.
  var families = MetricsRows()
  /// Code sites (`site` on events, SPEC §2): wait and blocked over the attempts requested
  /// there, hold and caused wait over the holds acquired there; by total wait.
  var sites: [MetricsRow] = []
  /// Whether `--family` was given (the JSON report then has a `families` array, empty or not).
  var familiesAsked = false
  var findings: [Finding] = []
  /// How many of each kind were found, in `FindingKind` order: grouped findings count
  /// every hold or wait they stand for, and findings past the number kept still count.
  /// `long-hold` counts holds over `--long-hold` only (not the outlier notes).
  var findingCounts: [(kind: FindingKind, count: Int)] = []
  /// Anomalies by kind (all of them, including those not kept as findings).
  var anomalyCounts: [(kind: Anomaly.Kind, count: Int)] = []
  var skipped: [SkippedLines.Entry] = []
}
