/// The running totals behind one row of metrics (a lock, an agent, or overall).
///
/// A million per-key locks and per-task agents make a million of these each, so a row is
/// 112 bytes: counts in 32 bits and time totals in 64, each widening exactly into
/// `RareTotals` the day it would not fit (never saturating); what most rows never use
/// (timeouts, unfinished holds, expected holds, caused wait, the most waiters blocked, the
/// queue integral) lives there too, allocated the first time one of them is not zero; the
/// digests allocate nothing for one or two samples.
struct MetricAccumulator: Sendable {
  var wait = LatencyDigest()
  var hold = LatencyDigest()
  /// Every attempt's time from request to acquire, timeout or cancel (SPEC §2 `blocked`).
  var blocked = LatencyDigest()
  private var narrowAttempts: UInt32 = 0
  private var narrowAcquisitions: UInt32 = 0
  private var narrowContendedAttempts: UInt32 = 0
  private var narrowQueueMax: UInt32 = 0
  /// The wait and hold totals less what `rare` carries of them (see `waitNanos`).
  private var narrowWaitNanos: Int64 = 0
  private var narrowHoldNanos: Int64 = 0
  /// Nil until a rare total is not zero; shared by copies until one of them changes it.
  private var rare: RareBox?

  init() {}

  var attempts: Int {
    get { narrowAttempts == .max ? rare!.totals.wideAttempts : Int(narrowAttempts) }
    set { narrowAttempts = narrowed(newValue) { $0.wideAttempts = $1 } }
  }
  var acquisitions: Int {
    get { narrowAcquisitions == .max ? rare!.totals.wideAcquisitions : Int(narrowAcquisitions) }
    set { narrowAcquisitions = narrowed(newValue) { $0.wideAcquisitions = $1 } }
  }
  var contendedAttempts: Int {
    get { narrowContendedAttempts == .max ? rare!.totals.wideContendedAttempts : Int(narrowContendedAttempts) }
    set { narrowContendedAttempts = narrowed(newValue) { $0.wideContendedAttempts = $1 } }
  }
  /// Agents: the longest queue joined.
  var queueMax: Int {
    get { narrowQueueMax == .max ? rare!.totals.wideQueueMax : Int(narrowQueueMax) }
    set { narrowQueueMax = narrowed(newValue) { $0.wideQueueMax = $1 } }
  }
  /// Every wait and hold, sampled or not, clipped to the window; 128 bits wide, so totals
  /// over years of waiting by thousands of agents stay exact: 64 bits inline, and the rest
  /// carried in `rare` once a total passes them.
  var waitNanos: Int128 {
    get { Int128(narrowWaitNanos) + (rare?.totals.carried(.wait) ?? 0) }
    set { narrowWaitNanos = narrowed(newValue, carrying: .wait) }
  }
  var holdNanos: Int128 {
    get { Int128(narrowHoldNanos) + (rare?.totals.carried(.hold) ?? 0) }
    set { narrowHoldNanos = narrowed(newValue, carrying: .hold) }
  }

  /// A count as kept inline: itself while it fits in 32 bits, else `UInt32.max`, the
  /// whole count then kept in the rare totals. Exact whatever its size.
  @inline(__always)
  private mutating func narrowed(_ value: Int, else widen: (inout RareTotals, Int) -> Void) -> UInt32 {
    if value >= 0 && value < Int(UInt32.max) { return UInt32(truncatingIfNeeded: value) }
    widen(&uniqueRare().totals, value)
    return .max
  }

  /// A time total as kept inline: what the rare totals do not carry of it, while that fits
  /// in 64 bits; else the whole total moves into the carried part and 0 stays inline.
  @inline(__always)
  private mutating func narrowed(_ value: Int128, carrying total: RareTotals.Carried) -> Int64 {
    if rare == nil, let fits = Int64(exactly: value) { return fits }
    return carry(value, total)
  }

  @inline(never)
  private mutating func carry(_ value: Int128, _ total: RareTotals.Carried) -> Int64 {
    if let rare, let fits = Int64(exactly: value - rare.totals.carried(total)) { return fits }
    switch total {
    case .wait: uniqueRare().totals.waitNanosCarried = value
    case .hold: uniqueRare().totals.holdNanosCarried = value
    }
    return 0
  }

  /// The queue integral over the agent's waits.
  var queueIntegral: Double {
    get { rare?.totals.queueIntegral ?? 0 }
    set { if rare != nil || newValue != 0 { uniqueRare().totals.queueIntegral = newValue } }
  }
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
  /// shares it. Plain stored properties behind it: caused wait is added on every event
  /// that blocks somebody.
  @inline(__always)
  private mutating func uniqueRare() -> RareBox {
    if rare == nil {
      rare = RareBox(RareTotals())
    } else if !isKnownUniquelyReferenced(&rare) {
      rare = RareBox(rare!.totals)
    }
    return rare!
  }

  /// Whether any rare total was ever set (a row with them does not fit a `MetricTable` cell).
  var hasRareTotals: Bool { rare != nil }

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
    guard let theirs = other.rare?.totals else { return }
    queueIntegral += theirs.queueIntegral
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
  var queueIntegral: Double = 0
  var timeouts = 0
  var unfinishedHolds = 0
  var unfinishedMax: Int64 = 0
  var expectedHolds = 0
  var overExpected = 0
  var causedWait: Double = 0
  var blockedMax = 0
  /// The counts that passed 32 bits, and what the wait and hold totals carry past 64.
  var wideAttempts = 0
  var wideAcquisitions = 0
  var wideContendedAttempts = 0
  var wideQueueMax = 0
  var waitNanosCarried: Int128 = 0
  var holdNanosCarried: Int128 = 0

  enum Carried { case wait, hold }

  func carried(_ total: Carried) -> Int128 { total == .wait ? waitNanosCarried : holdNanosCarried }
}

/// `RareTotals` behind a reference, so an accumulator without them carries a null pointer.
private final class RareBox: @unchecked Sendable {
  var totals: RareTotals

  init(_ totals: RareTotals) { self.totals = totals }
}
