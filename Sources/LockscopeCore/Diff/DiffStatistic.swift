/// One statistic `lockscope diff` compares between two reports: how to read it from a row,
/// its JSON key, and how to show it. Lower is better for all of them but `attempts`
/// (how much work was done, neither better nor worse) and the run's `throughput`.
struct DiffStatistic: Sendable {
  enum Unit: Sendable { case duration, ratio, count, perSecond }

  /// The name `--stat` takes and the text shows (`wait.p95`, as SLO rules name it).
  let name: String
  /// The key of its object in the JSON diff (`wait_p95_ns`: durations end in `_ns`).
  let jsonKey: String
  let unit: Unit
  /// Whether a rise is an improvement (throughput), a regression (waits), or neither (nil).
  let higherIsBetter: Bool?
  let value: @Sendable (MetricsRow) -> Double?

  /// The statistics of each lock, family, agent and overall row, in the order shown.
  static let rows: [DiffStatistic] =
    [DiffStatistic(name: "attempts", jsonKey: "attempts", unit: .count, higherIsBetter: nil) { Double($0.attempts) }]
    + percentiles("wait", \.wait) + percentiles("blocked", \.blocked) + percentiles("hold", \.hold)
    + [
      DiffStatistic(name: "contention.rate", jsonKey: "contention_rate", unit: .ratio, higherIsBetter: false) {
        $0.attempts > 0 ? $0.contentionRate : nil
      },
      DiffStatistic(name: "utilization", jsonKey: "utilization", unit: .ratio, higherIsBetter: false) { $0.utilization },
      DiffStatistic(name: "caused_wait", jsonKey: "caused_wait_ns", unit: .duration, higherIsBetter: false) {
        $0.causedWaitNanos.doubleValue
      },
    ]

  /// The run as a whole: the time it took and the acquisitions it made per second.
  static let makespan = DiffStatistic(name: "makespan", jsonKey: "makespan_ns", unit: .duration, higherIsBetter: false) { _ in nil }
  static let throughput = DiffStatistic(name: "throughput", jsonKey: "throughput_per_s", unit: .perSecond, higherIsBetter: true) {
    _ in nil
  }

  /// Every name `--stat` accepts.
  static var all: [DiffStatistic] { rows + [makespan, throughput] }

  static func named(_ name: String) -> DiffStatistic? { all.first { $0.name == name } }

  private static func percentiles(_ prefix: String, _ stats: KeyPath<MetricsRow, DurationStats> & Sendable) -> [DiffStatistic] {
    let pick: [(String, @Sendable (DurationStats) -> Int64)] = [("p50", { $0.p50 }), ("p95", { $0.p95 }), ("p99", { $0.p99 })]
    return pick.map { suffix, value in
      DiffStatistic(name: "\(prefix).\(suffix)", jsonKey: "\(prefix)_\(suffix)_ns", unit: .duration, higherIsBetter: false) { row in
        let stats = row[keyPath: stats]
        return stats.count > 0 ? Double(value(stats)) : nil
      }
    }
  }

  /// `1.20s`, `12.5%`, `1,204`, `2.50/s`.
  func format(_ value: Double) -> String {
    switch unit {
    case .duration: HumanDuration.human(Int64(value.rounded()))
    case .ratio: TextReportRenderer.percent(value)
    case .count: TextReportRenderer.grouped(Int64(value.rounded()))
    case .perSecond: formatFixed(value, decimals: 2) + "/s"
    }
  }
}
