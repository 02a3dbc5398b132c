/// One field of a summary's `metrics` object (SPEC §7) and where it lives in a
/// `MetricAccumulator`: `all` is the one list, in order, that `SummaryWriter` writes and
/// `SummaryReader` reads back.
enum SummaryMetricField: Sendable {
  case count(String, WritableKeyPath<MetricAccumulator, Int> & Sendable)
  case nanos(String, WritableKeyPath<MetricAccumulator, Int64> & Sendable)
  case total(String, WritableKeyPath<MetricAccumulator, Int128> & Sendable)
  case real(String, WritableKeyPath<MetricAccumulator, Double> & Sendable)
  case digest(String, WritableKeyPath<MetricAccumulator, LatencyDigest> & Sendable)

  static let all: [SummaryMetricField] = [
    .count("attempts", \.attempts), .count("acquisitions", \.acquisitions), .count("timeouts", \.timeouts),
    .count("contended", \.contendedAttempts), .digest("wait", \.wait), .digest("hold", \.hold), .digest("blocked", \.blocked),
    .count("unfinished", \.unfinishedHolds), .nanos("unfinished_max_ns", \.unfinishedMax),
    .count("expected_holds", \.expectedHolds), .count("over_expected", \.overExpected), .total("wait_ns", \.waitNanos),
    .total("hold_ns", \.holdNanos), .real("caused_wait_ns", \.causedWait), .count("queue_max", \.queueMax),
    .real("queue_integral", \.queueIntegral), .count("blocked_max", \.blockedMax),
  ]
}
