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

  /// The families of every scope (`lock`, `agent`, family, or overall), in order: a row
  /// writes one or more samples into each.
  private enum Metric: CaseIterable {
    case attempts, acquisitions, timeouts, wait, hold, contention, timeoutRatio, queueMax, queueMean, utilization
    case causedWait, blocked, unfinishedHolds, unfinishedHoldMax, fairness, overExpected, overExpectedRatio
    case waitHistogram, holdHistogram, blockedHistogram

    var isHistogram: Bool { self == .waitHistogram || self == .holdHistogram || self == .blockedHistogram }

    var family: (suffix: String, type: String, help: String) {
      switch self {
      case .attempts: ("attempts_total", "counter", "Lock attempts (requests, and acquires with no request)")
      case .acquisitions: ("acquisitions_total", "counter", "Acquisitions")
      case .timeouts: ("timeouts_total", "counter", "Attempts that timed out")
      case .wait: ("wait_seconds", "summary", "Acquisition latency, request to acquire")
      case .hold: ("hold_seconds", "summary", "Hold time, acquire to release")
      case .contention: ("contention_ratio", "gauge", "Share of attempts that had to wait")
      case .timeoutRatio: ("timeout_ratio", "gauge", "Share of attempts that timed out")
      case .queueMax: ("queue_length_max", "gauge", "Most waiters queued at once")
      case .queueMean: ("queue_length_mean", "gauge", "Mean number of waiters over the span")
      case .utilization: ("utilization_ratio", "gauge", "Share of the span with a holder")
      case .causedWait: ("caused_wait_seconds_total", "counter", "Waiting that holders imposed on others")
      case .blocked: ("blocked_seconds", "summary", "Every attempt, request to acquire, timeout or cancel")
      case .unfinishedHolds: ("unfinished_holds_total", "counter", "Holds ended by crash, expire, lease or end of log")
      case .unfinishedHoldMax: ("unfinished_hold_max_seconds", "gauge", "The longest unfinished hold")
      case .fairness: ("fairness_ratio", "gauge", "Jain's index over the agents' mean blocked time (1: all wait alike)")
      case .overExpected: ("hold_over_expected_total", "counter", "Released holds longer than expected")
      case .overExpectedRatio:
        ("hold_over_expected_ratio", "gauge", "Share of released holds with an expectation that exceeded it")
      case .waitHistogram:
        ("wait_histogram_seconds", "histogram", "Acquisition latency, as a histogram that adds up across hosts")
      case .holdHistogram: ("hold_histogram_seconds", "histogram", "Hold time, as a histogram that adds up across hosts")
      case .blockedHistogram:
        ("blocked_histogram_seconds", "histogram", "Every attempt to its end, as a histogram that adds up across hosts")
      }
    }
  }

  /// A scope's rows and how their series are named.
  private struct Scope {
    let prefix: String
    let label: String?
    let noun: String
    let rows: [MetricsRow]
  }

  func render(_ report: Report) -> String {
    var text = ""
    stream(report) { text += $0 }
    return text
  }

  /// Written a megabyte at a time: every lock and agent is in the output, so a million
  /// per-key names make hundreds of megabytes that are never held whole.
  func write(_ report: Report, to sink: TextSink) throws(TextSink.Stopped) {
    var stopped: TextSink.Stopped?
    stream(report) { part in
      guard stopped == nil else { return }
      do throws(TextSink.Stopped) { try sink.write(part) } catch { stopped = error }
    }
    if let stopped { throw stopped }
  }

  /// The exposition in parts of about a megabyte, in order. A family's samples must be
  /// together, so the rows are walked once a family instead of collected per family.
  private func stream(_ report: Report, _ emit: (String) -> Void) {
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
    // The rows are made once (a few hundred bytes each, a fifth of their text here).
    let scopes = [
      Scope(prefix: "lockscope_", label: nil, noun: "over all locks", rows: [report.overall]),
      // Under --family, a family's locks are one series set, not one per key (a million
      // per-key locks would be a million series).
      Scope(prefix: "lockscope_lock_", label: "lock", noun: "per lock", rows: report.locks.filter { $0.family == nil }),
      Scope(prefix: "lockscope_family_", label: "family", noun: "per lock family", rows: Array(report.families)),
      Scope(prefix: "lockscope_agent_", label: "agent", noun: "per agent", rows: Array(report.agents)),
    ]
    for scope in scopes {
      for metric in Metric.allCases where histograms || !metric.isHistogram {
        // A family with no samples is left out whole (fairness on agent rows, a scope
        // with no rows).
        guard scope.rows.contains(where: { metric != .fairness || $0.fairness != nil }) else { continue }
        let (suffix, type, help) = metric.family
        let name = scope.prefix + suffix
        text += Self.header(name: name, type: type, help: help + " (" + scope.noun + ").")
        for row in scope.rows {
          for line in samples(of: metric, row, in: scope) {
            text += line
            text += "\n"
          }
          if text.utf8.count >= 1 << 20 {
            emit(text)
            text = ""
          }
        }
      }
    }
    if !text.isEmpty { emit(text) }
  }

  /// One row's samples of one family.
  private func samples(of metric: Metric, _ row: MetricsRow, in scope: Scope) -> [String] {
    let labels: [(String, String)] = scope.label.map { [($0, row.name ?? "")] } ?? []
    func series(_ suffix: String, _ extra: [(String, String)] = []) -> String {
      scope.prefix + suffix + Self.labelSet(labels + extra)
    }
    switch metric {
    case .attempts: return ["\(series("attempts_total")) \(row.attempts)"]
    case .acquisitions: return ["\(series("acquisitions_total")) \(row.acquisitions)"]
    case .timeouts: return ["\(series("timeouts_total")) \(row.timeouts)"]
    case .wait: return summary(row.wait, total: row.waitTotalNanos, name: "wait_seconds", series: series)
    case .hold: return summary(row.hold, total: row.holdTotalNanos, name: "hold_seconds", series: series)
    case .contention: return ["\(series("contention_ratio")) \(Self.number(row.contentionRate))"]
    case .timeoutRatio: return ["\(series("timeout_ratio")) \(Self.number(row.timeoutRate))"]
    case .queueMax: return ["\(series("queue_length_max")) \(row.queueMax)"]
    case .queueMean: return ["\(series("queue_length_mean")) \(Self.number(row.queueMean))"]
    case .utilization: return ["\(series("utilization_ratio")) \(Self.number(row.utilization))"]
    case .causedWait: return ["\(series("caused_wait_seconds_total")) \(Self.seconds(row.causedWaitNanos))"]
    case .blocked: return summary(row.blocked, total: row.blockedTotalNanos, name: "blocked_seconds", series: series)
    case .unfinishedHolds: return ["\(series("unfinished_holds_total")) \(row.hold.unfinished)"]
    case .unfinishedHoldMax: return ["\(series("unfinished_hold_max_seconds")) \(Self.seconds(row.unfinishedHoldMaxNanos))"]
    case .fairness: return row.fairness.map { ["\(series("fairness_ratio")) \(Self.number($0))"] } ?? []
    case .overExpected: return ["\(series("hold_over_expected_total")) \(row.overExpected)"]
    case .overExpectedRatio: return ["\(series("hold_over_expected_ratio")) \(Self.number(row.overExpectedShare))"]
    case .waitHistogram:
      return histogram(row.wait, total: row.waitTotalNanos, name: "wait_histogram_seconds", series: series)
    case .holdHistogram:
      return histogram(row.hold, total: row.holdTotalNanos, name: "hold_histogram_seconds", series: series)
    case .blockedHistogram:
      return histogram(row.blocked, total: row.blockedTotalNanos, name: "blocked_histogram_seconds", series: series)
    }
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
    return Self.header(name: family.name, type: family.type, help: family.help) + family.samples.joined(separator: "\n")
      + "\n"
  }

  /// A family's `# HELP` and `# TYPE` lines, written once before its samples.
  private static func header(name: String, type: String, help: String) -> String {
    "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
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
