/// The running totals behind one row of metrics (a lock, an agent, or overall).
struct MetricAccumulator: Sendable {
  var attempts = 0
  var acquisitions = 0
  var timeouts = 0
  var contendedAttempts = 0
  var wait = LatencyDigest()
  var hold = LatencyDigest()
  /// Every attempt's time from request to acquire, timeout or cancel (SPEC §2 `blocked`).
  var blocked = LatencyDigest()
  /// Holds that ended otherwise than by a release, and the longest of them.
  var unfinishedHolds = 0
  var unfinishedMax: Int64 = 0
  /// Released holds that had an expected length (`expected_ms`, `--expect-hold`), and
  /// those of them that lasted longer (SPEC §2 `hold.over_expected`).
  var expectedHolds = 0
  var overExpected = 0
  /// Every wait and hold, sampled or not, clipped to the window; 128 bits wide, so totals
  /// over years of waiting by thousands of agents stay exact.
  var waitNanos: Int128 = 0
  var holdNanos: Int128 = 0
  /// Wait this lock's or agent's holds imposed on others, in nanoseconds.
  var causedWait: Double = 0
  /// Agents: the longest queue joined; the queue integral over its waits.
  var queueMax = 0
  var queueIntegral: Double = 0
  /// Agents as holders: the most waiters they blocked at once.
  var blockedMax = 0

  init() {}

  /// Whether anything at all was counted.
  var isEmpty: Bool {
    attempts == 0 && acquisitions == 0 && blocked.count == 0 && hold.count == 0 && waitNanos == 0 && holdNanos == 0
      && unfinishedHolds == 0 && causedWait == 0
  }

  /// Adds another row's totals, as if its events had been counted here: sums add, digests
  /// merge, maxima take the larger (a family row from its locks' rows; fleet summaries,
  /// SPEC §7). A family's queue maximum is not this: its caller knows it.
  mutating func merge(_ other: MetricAccumulator) {
    attempts += other.attempts
    acquisitions += other.acquisitions
    timeouts += other.timeouts
    contendedAttempts += other.contendedAttempts
    wait.merge(other.wait)
    hold.merge(other.hold)
    blocked.merge(other.blocked)
    unfinishedHolds += other.unfinishedHolds
    unfinishedMax = max(unfinishedMax, other.unfinishedMax)
    expectedHolds += other.expectedHolds
    overExpected += other.overExpected
    waitNanos += other.waitNanos
    holdNanos += other.holdNanos
    causedWait += other.causedWait
    queueMax = max(queueMax, other.queueMax)
    queueIntegral += other.queueIntegral
    blockedMax = max(blockedMax, other.blockedMax)
  }
}
