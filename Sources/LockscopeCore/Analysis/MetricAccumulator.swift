/// The running totals behind one row of metrics (a lock, an agent, or overall).
///
/// A million per-key locks and per-task agents make a million of these each, so what most
/// rows never use (timeouts, unfinished holds, expected holds, caused wait, the most
/// waiters blocked) lives in `RareTotals`, allocated the first time one of them is not
/// zero; an accumulator is 200 bytes and its digests allocate nothing for one or two
/// samples.
struct MetricAccumulator: Sendable {
  var attempts = 0
  var acquisitions = 0
  var contendedAttempts = 0
  /// Agents: the longest queue joined; the queue integral over its waits.
  var queueMax = 0
  var queueIntegral: Double = 0
  var wait = LatencyDigest()
  var hold = LatencyDigest()
  /// Every attempt's time from request to acquire, timeout or cancel (SPEC §2 `blocked`).
  var blocked = LatencyDigest()
  /// Every wait and hold, sampled or not, clipped to the window; 128 bits wide, so totals
  /// over years of waiting by thousands of agents stay exact.
  var waitNanos: Int128 = 0
  var holdNanos: Int128 = 0
  /// Nil until a rare total is not zero; shared by copies until one of them changes it.
  private var rare: RareBox?

  init() {}

  var timeouts: Int {
    get { rare?.totals.timeouts ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.timeouts = newValue } }
  }
  /// Holds that ended otherwise than by a release, and the longest of them.
  var unfinishedHolds: Int {
    get { rare?.totals.unfinishedHolds ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.unfinishedHolds = newValue } }
  }
  var unfinishedMax: Int64 {
    get { rare?.totals.unfinishedMax ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.unfinishedMax = newValue } }
  }
  /// Released holds that had an expected length (`expected_ms`, `--expect-hold`), and
  /// those of them that lasted longer (SPEC §2 `hold.over_expected`).
  var expectedHolds: Int {
    get { rare?.totals.expectedHolds ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.expectedHolds = newValue } }
  }
  var overExpected: Int {
    get { rare?.totals.overExpected ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.overExpected = newValue } }
  }
  /// Wait this lock's or agent's holds imposed on others, in nanoseconds.
  var causedWait: Double {
    get { rare?.totals.causedWait ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.causedWait = newValue } }
  }
  /// Agents as holders: the most waiters they blocked at once.
  var blockedMax: Int {
    get { rare?.totals.blockedMax ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.blockedMax = newValue } }
  }

  /// The box of rare totals, made on first use and copied if a copy of this accumulator
  /// shares it. Plain stored properties behind it, no key paths: caused wait is added on
  /// every event that blocks somebody.
  @inline(__always)
  private mutating func uniqueRare() -> RareBox {
    if rare == nil {
      rare = RareBox(RareTotals())
    } else if !isKnownUniquelyReferenced(&rare) {
      rare = RareBox(rare!.totals)
    }
    return rare!
  }

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
    contendedAttempts += other.contendedAttempts
    wait.merge(other.wait)
    hold.merge(other.hold)
    blocked.merge(other.blocked)
    waitNanos += other.waitNanos
    holdNanos += other.holdNanos
    queueMax = max(queueMax, other.queueMax)
    queueIntegral += other.queueIntegral
    guard let theirs = other.rare?.totals else { return }
    timeouts += theirs.timeouts
    unfinishedHolds += theirs.unfinishedHolds
    unfinishedMax = max(unfinishedMax, theirs.unfinishedMax)
    expectedHolds += theirs.expectedHolds
    overExpected += theirs.overExpected
    causedWait += theirs.causedWait
    blockedMax = max(blockedMax, theirs.blockedMax)
  }
}

/// The totals of a `MetricAccumulator` that most rows leave at zero.
struct RareTotals: Sendable {
  var timeouts = 0
  var unfinishedHolds = 0
  var unfinishedMax: Int64 = 0
  var expectedHolds = 0
  var overExpected = 0
  var causedWait: Double = 0
  var blockedMax = 0
}

/// `RareTotals` behind a reference, so an accumulator without them carries a null pointer.
private final class RareBox: @unchecked Sendable {
  var totals: RareTotals

  init(_ totals: RareTotals) { self.totals = totals }
}
