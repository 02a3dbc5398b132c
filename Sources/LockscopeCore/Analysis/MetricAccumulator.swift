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
  /// The wait and hold totals while they fit in 64 bits (see `waitNanos`).
  private var narrowWaitNanos: Int64 = 0
  private var narrowHoldNanos: Int64 = 0
  /// Made when a rare total is first not zero; shared by copies until one of them changes it.
  private var rare = LazyBox<RareTotals>()

  init() {}

  var attempts: Int {
    @inline(__always) get { narrowAttempts == .max ? rare.read { $0.wideAttempts }! : Int(narrowAttempts) }
    @inline(__always) set { narrowAttempts = narrowed(newValue) { $0.wideAttempts = $1 } }
  }
  var acquisitions: Int {
    @inline(__always) get { narrowAcquisitions == .max ? rare.read { $0.wideAcquisitions }! : Int(narrowAcquisitions) }
    @inline(__always) set { narrowAcquisitions = narrowed(newValue) { $0.wideAcquisitions = $1 } }
  }
  var contendedAttempts: Int {
    @inline(__always) get { narrowContendedAttempts == .max ? rare.read { $0.wideContendedAttempts }! : Int(narrowContendedAttempts) }
    @inline(__always) set { narrowContendedAttempts = narrowed(newValue) { $0.wideContendedAttempts = $1 } }
  }
  /// Agents: the longest queue joined.
  var queueMax: Int {
    @inline(__always) get { narrowQueueMax == .max ? rare.read { $0.wideQueueMax }! : Int(narrowQueueMax) }
    @inline(__always) set { narrowQueueMax = narrowed(newValue) { $0.wideQueueMax = $1 } }
  }
  /// Every wait and hold, sampled or not, clipped to the window; 128 bits wide, so totals
  /// over years of waiting by thousands of agents stay exact: 64 bits inline, moving whole
  /// into `rare` the day a total passes them.
  var waitNanos: Int128 {
    @inline(__always) get { narrowWaitNanos == .min ? rare.read { $0.wideWaitNanos }! : Int128(narrowWaitNanos) }
    @inline(__always) set { narrowWaitNanos = narrowed(newValue) { $0.wideWaitNanos = $1 } }
  }
  var holdNanos: Int128 {
    @inline(__always) get { narrowHoldNanos == .min ? rare.read { $0.wideHoldNanos }! : Int128(narrowHoldNanos) }
    @inline(__always) set { narrowHoldNanos = narrowed(newValue) { $0.wideHoldNanos = $1 } }
  }

  /// A count as kept inline: itself while it fits in 32 bits, else `UInt32.max`, the
  /// whole count then kept in the rare totals. Exact whatever its size.
  @inline(__always)
  private mutating func narrowed(_ value: Int, else widen: (inout RareTotals, Int) -> Void) -> UInt32 {
    if value >= 0 && value < Int(UInt32.max) { return UInt32(truncatingIfNeeded: value) }
    return widened(value, widen)
  }

  @inline(never)
  private mutating func widened(_ value: Int, _ widen: (inout RareTotals, Int) -> Void) -> UInt32 {
    widen(&rare[making: RareTotals()], value)
    return .max
  }

  /// A time total as kept inline: itself while it fits in 64 bits, else `Int64.min` (no
  /// total is negative), the whole total then kept in the rare totals.
  @inline(__always)
  private mutating func narrowed(_ value: Int128, else widen: (inout RareTotals, Int128) -> Void) -> Int64 {
    if let fits = Int64(exactly: value), fits != .min { return fits }
    return widened(value, widen)
  }

  @inline(never)
  private mutating func widened(_ value: Int128, _ widen: (inout RareTotals, Int128) -> Void) -> Int64 {
    widen(&rare[making: RareTotals()], value)
    return .min
  }

  /// The queue integral over the agent's waits.
  var queueIntegral: Double {
    get { rare.read { $0.queueIntegral } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].queueIntegral = newValue } }
  }
  var timeouts: Int {
    get { rare.read { $0.timeouts } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].timeouts = newValue } }
  }
  /// Holds that ended otherwise than by a release, and the longest of them.
  var unfinishedHolds: Int {
    get { rare.read { $0.unfinishedHolds } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].unfinishedHolds = newValue } }
  }
  var unfinishedMax: Int64 {
    get { rare.read { $0.unfinishedMax } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].unfinishedMax = newValue } }
  }
  /// Released holds that had an expected length (`expected_ms`, `--expect-hold`), and
  /// those of them that lasted longer (SPEC §2 `hold.over_expected`).
  var expectedHolds: Int {
    get { rare.read { $0.expectedHolds } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].expectedHolds = newValue } }
  }
  var overExpected: Int {
    get { rare.read { $0.overExpected } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].overExpected = newValue } }
  }
  /// Wait this lock's or agent's holds imposed on others, in nanoseconds.
  var causedWait: Double {
    get { rare.read { $0.causedWait } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].causedWait = newValue } }
  }
  /// Agents as holders: the most waiters they blocked at once.
  var blockedMax: Int {
    get { rare.read { $0.blockedMax } ?? 0 }
    set { if rare.isMade || newValue != 0 { rare[making: RareTotals()].blockedMax = newValue } }
  }

  /// Whether any rare total was ever set (a row with them does not fit a `MetricTable` cell).
  var hasRareTotals: Bool { rare.isMade }

  /// Whether anything at all was counted.
  var isEmpty: Bool {
    attempts == 0 && acquisitions == 0 && blocked.count == 0 && hold.count == 0 && waitNanos == 0 && holdNanos == 0
      && unfinishedHolds == 0 && causedWait == 0
  }

  /// Adds another row's totals, as if its events had been counted here: sums add, digests
  /// merge, maxima take the larger (a family row from its locks' rows; fleet summaries,
  /// SPEC §7). A family's queue maximum is not this: its caller knows it.
  // MARK: The common changes (a `MetricTable` makes them in a cell when it can)

  /// An attempt: `attempts += 1`, and `contendedAttempts += 1` when `contended`.
  mutating func attempted(contended: Bool) {
    attempts += 1
    if contended { contendedAttempts += 1 }
  }

  /// An acquisition after waiting `wait`: `acquisitions += 1`, `wait.add(wait)`.
  mutating func acquired(wait nanos: Int64) {
    acquisitions += 1
    wait.add(nanos)
  }

  /// A `blocked` sample.
  mutating func sampleBlocked(_ nanos: Int64) { blocked.add(nanos) }

  /// Time spent waiting (0 or more).
  mutating func waited(_ nanos: Int64) { waitNanos += Int128(nanos) }

  /// A released hold: `holdNanos += clipped`, and `hold.add(length)` when `sampled`.
  mutating func held(clipped: Int64, length: Int64, sampled: Bool) {
    holdNanos += Int128(clipped)
    if sampled { hold.add(length) }
  }

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
    guard let theirs = other.rare.read({ $0 }) else { return }
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
  /// The counts that passed 32 bits and the time totals that passed 64, whole.
  var wideAttempts = 0
  var wideAcquisitions = 0
  var wideContendedAttempts = 0
  var wideQueueMax = 0
  var wideWaitNanos: Int128 = 0
  var wideHoldNanos: Int128 = 0
}
