/// The report in the Prometheus text exposition format (version 0.0.4), for the
/// node_exporter textfile collector: `lockscope_` names, base units (seconds), `_total` on
/// counters, `# HELP` and `# TYPE` once before each family's samples, label values escaped,
/// wait and hold quantiles as summaries. Every lock and agent is written (not `--top`): a
/// scraper wants the same series on every run.
struct PrometheusRenderer: ReportRenderer {
  /// `--prometheus-histograms`: wait, hold and blocked also as classic histograms.
  let histograms: Bool

  init(histograms: Bool = false) { self.histograms = histograms }

  /// The `le` bounds of the classic histograms, in nanoseconds: 1, 2.5 and 5 of every
  /// decade from 1 µs to 100 s. Fixed, so every host's `_bucket` series line up and add.
  static let bucketBounds: [Int64] = {
    var bounds: [Int64] = []
    var decade: Int64 = 1_000
    while decade <= 10_000_000_000 {
      bounds += [decade, decade * 5 / 2, decade * 5]
      decade *= 10
    }
    return bounds + [100_000_000_000]
  }()

  /// One metric family: its samples are written together, under its HELP and TYPE.
  private struct Family {
    let name: String
    let type: String
    let help: String
    var samples: [String] = []
  }

  /// A family of one sample without labels.
  private func family(_ family: Family, value: String) -> String {
    var family = family
    family.samples = ["\(family.name) \(value)"]
    return self.family(family)
  }

  /// The families of one scope (`lock`, `agent`, or overall with no label), in order.
  private struct Scope {
    let prefix: String
    let label: String?
    var families: [Family] = []

    init(prefix: String, label: String?, noun: String, histograms: Bool) {
      self.prefix = prefix
      self.label = label
      func family(_ suffix: String, _ type: String, _ help: String) -> Family {
        Family(name: prefix + suffix, type: type, help: help + " (" + noun + ").")
      }
      families = [
        family("attempts_total", "counter", "Lock attempts (requests, and acquires with no request)"),
        family("acquisitions_total", "counter", "Acquisitions"),
        family("timeouts_total", "counter", "Attempts that timed out"),
        family("wait_seconds", "summary", "Acquisition latency, request to acquire"),
        family("hold_seconds", "summary", "Hold time, acquire to release"),
        family("contention_ratio", "gauge", "Share of attempts that had to wait"),
        family("timeout_ratio", "gauge", "Share of attempts that timed out"),
        family("queue_length_max", "gauge", "Most waiters queued at once"),
        family("queue_length_mean", "gauge", "Mean number of waiters over the span"),
        family("utilization_ratio", "gauge", "Share of the span with a holder"),
        family("caused_wait_seconds_total", "counter", "Waiting that holders imposed on others"),
        family("blocked_seconds", "summary", "Every attempt, request to acquire, timeout or cancel"),
        family("unfinished_holds_total", "counter", "Holds ended by crash, expire, lease or end of log"),
        family("unfinished_hold_max_seconds", "gauge", "The longest unfinished hold"),
        family("fairness_ratio", "gauge", "Jain's index over the agents' mean blocked time (1: all wait alike)"),
        family("hold_over_expected_total", "counter", "Released holds longer than expected"),
        family("hold_over_expected_ratio", "gauge", "Share of released holds with an expectation that exceeded it"),
      ]
      guard histograms else { return }
      families += [
        family("wait_histogram_seconds", "histogram", "Acquisition latency, as a histogram that adds up across hosts"),
        family("hold_histogram_seconds", "histogram", "Hold time, as a histogram that adds up across hosts"),
        family("blocked_histogram_seconds", "histogram", "Every attempt to its end, as a histogram that adds up across hosts"),
      ]
    }
  }

  func render(_ report: Report) -> String {
    var overall = Scope(prefix: "lockscope_", label: nil, noun: "over all locks", histograms: histograms)
    var locks = Scope(prefix: "lockscope_lock_", label: "lock", noun: "per lock", histograms: histograms)
    var agents = Scope(prefix: "lockscope_agent_", label: "agent", noun: "per agent", histograms: histograms)
    var families = Scope(prefix: "lockscope_family_", label: "family", noun: "per lock family", histograms: histograms)
    add(report.overall, to: &overall)
    // Under --family, a family's locks are one series set, not one per key (a million
    // per-key locks would be a million series).
    for row in report.locks where row.family == nil { add(row, to: &locks) }
    for row in report.agents { add(row, to: &agents) }
    for row in report.families { add(row, to: &families) }

    var text = ""
    let summary = report.summary
    text += family(Family(name: "lockscope_events_total", type: "counter", help: "Valid event lines read."), value: "\(summary.events)")
    text += family(
      Family(name: "lockscope_skipped_lines_total", type: "counter", help: "Lines skipped as not valid events."),
      value: "\(summary.skippedLines)")
    if let first = summary.firstTime, let last = summary.lastTime {
      text += family(
        Family(name: "lockscope_span_seconds", type: "gauge", help: "Time from the first to the last event analysed."),
        value: "\(Self.seconds(last - first))")
      text += family(
        Family(name: "lockscope_last_event_timestamp_seconds", type: "gauge", help: "Time of the last event analysed, in Unix seconds."),
        value: "\(Self.seconds(last))")
    }
    text += family(
      Family(
        name: "lockscope_findings", type: "gauge", help: "Findings in the log, by kind.",
        samples: FindingKind.reported.filter { $0 != .anomaly }.map { kind in
          // Every kind, 0 included: a scraper should see the same series on every run.
          let count = report.findingCounts.first { $0.kind == kind }?.count ?? 0
          return #"lockscope_findings{kind=""# + kind.rawValue + #""} \#(count)"#
        }))
    text += family(
      Family(
        name: "lockscope_anomalies", type: "gauge", help: "Events that contradict the lock state, by kind.",
        samples: report.anomalyCounts.map { #"lockscope_anomalies{kind=""# + $0.kind.rawValue + #""} \#($0.count)"# }))
    for scope in [overall, locks, families, agents] {
      for family in scope.families { text += self.family(family) }
    }
    return text
  }

  /// Adds one row's samples to each family of its scope.
  private func add(_ row: MetricsRow, to scope: inout Scope) {
    let labels: [(String, String)] = scope.label.map { [($0, row.name ?? "")] } ?? []
    func series(_ suffix: String, _ extra: [(String, String)] = []) -> String {
      scope.prefix + suffix + Self.labelSet(labels + extra)
    }
    var values: [[String]] = []
    values.append(["\(series("attempts_total")) \(row.attempts)"])
    values.append(["\(series("acquisitions_total")) \(row.acquisitions)"])
    values.append(["\(series("timeouts_total")) \(row.timeouts)"])
    values.append(summary(row.wait, total: row.waitTotalNanos, name: "wait_seconds", series: series))
    values.append(summary(row.hold, total: row.holdTotalNanos, name: "hold_seconds", series: series))
    values.append(["\(series("contention_ratio")) \(Self.number(row.contentionRate))"])
    values.append(["\(series("timeout_ratio")) \(Self.number(row.timeoutRate))"])
    values.append(["\(series("queue_length_max")) \(row.queueMax)"])
    values.append(["\(series("queue_length_mean")) \(Self.number(row.queueMean))"])
    values.append(["\(series("utilization_ratio")) \(Self.number(row.utilization))"])
    values.append(["\(series("caused_wait_seconds_total")) \(Self.seconds(row.causedWaitNanos))"])
    values.append(summary(row.blocked, total: row.blockedTotalNanos, name: "blocked_seconds", series: series))
    values.append(["\(series("unfinished_holds_total")) \(row.hold.unfinished)"])
    values.append(["\(series("unfinished_hold_max_seconds")) \(Self.seconds(row.unfinishedHoldMaxNanos))"])
    values.append(row.fairness.map { ["\(series("fairness_ratio")) \(Self.number($0))"] } ?? [])
    values.append(["\(series("hold_over_expected_total")) \(row.overExpected)"])
    values.append(["\(series("hold_over_expected_ratio")) \(Self.number(row.overExpectedShare))"])
    if histograms {
      values.append(histogram(row.wait, total: row.waitTotalNanos, name: "wait_histogram_seconds", series: series))
      values.append(histogram(row.hold, total: row.holdTotalNanos, name: "hold_histogram_seconds", series: series))
      values.append(histogram(row.blocked, total: row.blockedTotalNanos, name: "blocked_histogram_seconds", series: series))
    }
    for index in scope.families.indices { scope.families[index].samples += values[index] }
  }

  /// A summary's quantile samples, then `_sum` and `_count`.
  private func summary(_ stats: DurationStats, total: Int128, name: String, series: (String, [(String, String)]) -> String) -> [String] {
    var lines: [String] = []
    if stats.count > 0 {
      for (quantile, value) in [("0.5", stats.p50), ("0.9", stats.p90), ("0.95", stats.p95), ("0.99", stats.p99), ("1", stats.max)] {
        lines.append("\(series(name, [("quantile", quantile)])) \(Self.seconds(value))")
      }
    }
    lines.append("\(series(name + "_sum", [])) \(Self.seconds(total))")
    lines.append("\(series(name + "_count", [])) \(stats.count)")
    return lines
  }

  /// A classic histogram: cumulative `_bucket` series on `bucketBounds` and `+Inf`, then
  /// `_sum` and `_count`. `_sum` is of the samples, as `_count` counts them.
  private func histogram(_ stats: DurationStats, total: Int128, name: String, series: (String, [(String, String)]) -> String) -> [String] {
    var lines: [String] = []
    for (bound, count) in zip(Self.bucketBounds, stats.cumulative) {
      lines.append("\(series(name + "_bucket", [("le", Self.seconds(bound))])) \(count)")
    }
    lines.append("\(series(name + "_bucket", [("le", "+Inf")])) \(stats.count)")
    lines.append("\(series(name + "_sum", [])) \(Self.seconds(stats.sampleSum))")
    lines.append("\(series(name + "_count", [])) \(stats.count)")
    return lines
  }

  private func family(_ family: Family) -> String {
    guard !family.samples.isEmpty else { return "" }
    return "# HELP \(family.name) \(Self.escapeHelp(family.help))\n# TYPE \(family.name) \(family.type)\n"
      + family.samples.joined(separator: "\n") + "\n"
  }

  /// `{lock="db:users",quantile="0.5"}`, or nothing with no labels.
  static func labelSet(_ labels: [(String, String)]) -> String {
    labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
  }

  /// A label value: backslash, double quote and line feed escaped, as the format requires.
  static func escape(_ value: String) -> String {
    value.replacingAll(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
  }

  /// HELP text escapes only backslash and line feed.
  static func escapeHelp(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
  }

  @_disfavoredOverload
  static func seconds(_ nanos: Int128) -> String {
    if let small = nanos.int64IfFits { return seconds(small) }
    return decimalSeconds(nanos)
  }

  static func seconds(_ nanos: Int64) -> String { decimalSeconds(nanos) }

  /// Exact: whole seconds and nine decimals, trailing zeros dropped (no float rounding).
  private static func decimalSeconds<Nanos: BinaryInteger>(_ nanos: Nanos) -> String {
    let sign = nanos < 0 ? "-" : ""
    let magnitude = nanos.magnitude
    var fraction = String(magnitude % 1_000_000_000)
    fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return sign + String(magnitude / 1_000_000_000) + (fraction.isEmpty ? "" : "." + fraction)
  }

  static func number(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    return JSONWriter.number(value)
  }
}
