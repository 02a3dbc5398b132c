/// What kind of number a metric is: it decides which threshold units fit it and how its
/// values are printed.
enum SLOQuantity: Sendable {
  /// Nanoseconds; thresholds need a time unit (`10ms`).
  case duration
  /// A share in [0, 1]; thresholds as `10%` or `0.1`.
  case ratio
  /// A whole count; thresholds are plain numbers.
  case count
  /// Any other plain number (`queue.mean`).
  case number

  /// What `check --help` calls it.
  var helpWord: String {
    switch self {
    case .duration: "a duration"
    case .ratio: "a share"
    case .count: "a count"
    case .number: "a number"
    }
  }

  /// `18.0s`, `12.5%`, `3`, `0.43`.
  func format(_ value: Double) -> String {
    switch self {
    case .duration: HumanDuration.human(Int64(saturating: value))
    case .ratio: formatFixed(value * 100, decimals: value * 100 < 0.1 && value > 0 ? 3 : 1) + "%"
    case .count: formatFixed(value, decimals: 0)
    case .number: formatFixed(value, decimals: 2)
    }
  }
}

/// Which scopes a rule on a metric may have.
enum SLOScopeKind: String, Sendable {
  case overall, lock, agent, family, site
}

/// One measurable quantity an SLO rule can name: a statistic of SPEC §2, or a count of
/// findings.
struct SLOMetric: Sendable {
  /// How the value is taken from a report.
  enum Source: Sendable {
    /// A statistic of a metrics row; nil when the row has no data for it (no samples).
    case row(@Sendable (MetricsRow) -> Double?)
    /// How many findings of this kind (`Finding.kind`) concern the scope.
    case findings(FindingKind)
    /// All anomalies, whatever their kind.
    case anomalies
  }

  let name: String
  /// Other spellings accepted, such as the JSON report's keys (`contention_rate`).
  let aliases: [String]
  let quantity: SLOQuantity
  let scopes: Set<SLOScopeKind>
  /// One line for `check --help` and error messages.
  let summary: String
  let source: Source

  init(
    _ name: String, aliases: [String] = [], _ quantity: SLOQuantity, scopes: Set<SLOScopeKind> = [.overall, .lock, .agent],
    _ summary: String, _ source: Source
  ) {
    self.name = name
    self.aliases = aliases
    self.quantity = quantity
    self.scopes = scopes
    self.summary = summary
    self.source = source
  }

  /// The metrics a rule can check, in the order `check --help` lists them.
  static let all: [SLOMetric] =
    durations("wait", "acquisition latency, request to acquire", \.wait)
    + durations("hold", "hold time, acquire to release", \.hold)
    + durations("blocked", "time blocked per attempt, request to acquire, timeout or cancel", \.blocked)
    + [
      SLOMetric(
        "blocked.count", .count, "attempts ended by an acquire, timeout or cancel (blocked samples)", .row { Double($0.blocked.count) }),
      SLOMetric(
        "fairness", .number, scopes: [.overall, .lock], "Jain's index over the agents' mean blocked time (1: all wait alike)",
        .row { $0.fairness }),
      SLOMetric(
        "hold.over_expected", aliases: ["hold_over_expected"], .ratio, "share of released holds with an expectation that lasted longer",
        .row { $0.expectedHolds > 0 ? $0.overExpectedShare : nil }),
      SLOMetric("hold.over_expected.count", .count, "released holds longer than expected", .row { Double($0.overExpected) }),
      SLOMetric(
        "hold.unfinished.max", .duration, "the longest unfinished hold",
        .row { $0.hold.unfinished > 0 ? Double($0.unfinishedHoldMaxNanos) : nil }),
      SLOMetric("wait.count", .count, "granted attempts (wait samples)", .row { Double($0.wait.count) }),
      SLOMetric("hold.count", .count, "holds ended by a release", .row { Double($0.hold.count) }),
      SLOMetric("hold.unfinished", .count, "holds ended by crash, expire, lease or end of log", .row { Double($0.hold.unfinished) }),
      SLOMetric("wait.total", aliases: ["wait_total"], .duration, "all time spent waiting", .row { $0.waitTotalNanos.doubleValue }),
      SLOMetric("hold.total", aliases: ["hold_total"], .duration, "all time spent holding", .row { $0.holdTotalNanos.doubleValue }),
      SLOMetric(
        "contention.rate", aliases: ["contention_rate", "contention"], .ratio, "share of attempts that found the lock unavailable",
        .row { $0.attempts > 0 ? $0.contentionRate : nil }),
      SLOMetric(
        "timeout.rate", aliases: ["timeout_rate"], .ratio, "timeouts / attempts", .row { $0.attempts > 0 ? $0.timeoutRate : nil }),
      SLOMetric("queue.max", aliases: ["queue_max"], .count, "most waiters at once", .row { Double($0.queueMax) }),
      SLOMetric("queue.mean", aliases: ["queue_mean"], .number, "time-weighted mean number of waiters", .row { $0.queueMean }),
      SLOMetric("utilization", .ratio, "share of the span the lock was held", .row { $0.utilization }),
      SLOMetric(
        "wait.share", aliases: ["wait_share"], .ratio, "time waiting / (waiting + holding)",
        .row { $0.waitTotalNanos > 0 || $0.holdTotalNanos > 0 ? $0.waitShare : nil }),
      SLOMetric(
        "caused_wait", aliases: ["caused.wait"], .duration, "wait the holds imposed on others", .row { $0.causedWaitNanos.doubleValue }),
      SLOMetric("attempts", .count, "requests plus bare acquires", .row { Double($0.attempts) }),
      SLOMetric("acquisitions", .count, "acquires", .row { Double($0.acquisitions) }),
      SLOMetric("timeouts", .count, "timed-out attempts", .row { Double($0.timeouts) }),
      SLOMetric("deadlocks", .count, "deadlock findings", .findings(.deadlock)),
      SLOMetric("orphans", .count, "orphaned holds", .findings(.orphan)),
      SLOMetric("inversions", aliases: ["lock_order_inversions"], .count, "lock-order inversions", .findings(.lockOrderInversion)),
      SLOMetric("two_holders", .count, "grants while a lapsed lease still held the lock", .findings(.twoHolders)),
      SLOMetric("fencing", .count, "grants with a fencing token that did not rise", .findings(.fencing)),
      // Grouped per lock (one finding stands for many holds), so not countable per agent.
      SLOMetric("long_holds", .count, scopes: [.overall, .lock], "holds longer than --long-hold", .findings(.longHold)),
      SLOMetric("hot_locks", .count, scopes: [.overall, .lock], "hot (serializing) locks", .findings(.hotLock)),
      SLOMetric("starvations", .count, scopes: [.overall, .lock], "waits overtaken again and again", .findings(.starvation)),
      // Only the first anomalies are kept with their names, so only the total is exact.
      SLOMetric("anomalies", .count, scopes: [.overall], "protocol anomalies in the log", .anomalies),
    ]

  private static func durations(_ prefix: String, _ what: String, _ stats: KeyPath<MetricsRow, DurationStats> & Sendable) -> [SLOMetric] {
    let pick: [(String, String, @Sendable (DurationStats) -> Int64)] = [
      ("p50", "median", { $0.p50 }), ("p90", "90th percentile", { $0.p90 }), ("p95", "95th percentile", { $0.p95 }),
      ("p99", "99th percentile", { $0.p99 }), ("max", "longest", { $0.max }), ("mean", "mean", { $0.mean }),
    ]
    return pick.map { suffix, words, value in
      SLOMetric(
        "\(prefix).\(suffix)", .duration, "\(words) \(what)",
        .row { row in
          let stats = row[keyPath: stats]
          return stats.count > 0 ? Double(value(stats)) : nil
        })
    }
  }

  /// Whether a rule of `kind` can measure it. A family is measured as a lock is; a site
  /// has statistics rows (its attempts and holds) but no findings of its own.
  func allows(_ kind: SLOScopeKind) -> Bool {
    switch kind {
    case .overall, .lock, .agent: scopes.contains(kind)
    case .family: scopes.contains(.lock)
    case .site:
      if case .row = source { scopes.contains(.lock) } else { false }
    }
  }

  static func named(_ name: String) -> SLOMetric? {
    all.first { $0.name == name || $0.aliases.contains(name) }
  }
}
