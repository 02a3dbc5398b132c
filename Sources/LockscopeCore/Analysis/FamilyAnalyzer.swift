/// Follows lock families (`--family`) as the timeline runs, for what cannot be summed from
/// their locks' rows at the end: the time when any lock of a family was held (its
/// utilization), and the most waiters on all its locks at once (its queue). Everything else
/// of a family row is folded from its locks' accumulators when the report is built.
/// Memory: one `Int32` per lock (its family, worked out once from its name) and one
/// `LiveFamily` per family — a million per-key locks in one family keep one of them.
public struct FamilyAnalyzer: TimelineObserver {
  public let families: LockFamilies
  private let lockNames: NameTable?
  private let since: Int64
  /// Per lock: its family's index, -1 for none, -2 not yet worked out.
  private var familyOfLock: [Int32] = []
  public private(set) var names: [String] = []
  private var indexByName: [String: Int32] = [:]
  public private(set) var live: [LiveFamily] = []
  /// The (lock, agent) of an acquire the engine just called a double acquire: no new hold.
  private var doubleAcquire: Int64?

  /// The state of one family that its locks' rows do not give.
  public struct LiveFamily: Sendable {
    /// Holds open on any of its locks, since when one has been, and when the last of an
    /// overlapping run ended (a lease may lapse before the event that notices it).
    var openHolds = 0
    var holdingSince: Int64 = .min
    var holdingUntil: Int64 = .min
    /// Time when any of its locks was held, inside the window.
    public internal(set) var heldNanos: Int64 = 0
    var waiters = 0
    public internal(set) var queueMax = 0
  }

  public init(families: LockFamilies, lockNames: NameTable?, since: Int64) {
    self.families = families
    self.lockNames = lockNames
    self.since = since
  }

  /// The family index of `lock`, or nil; worked out from its name the first time.
  public mutating func family(of lock: LockID) -> Int? {
    guard !families.isEmpty, let lockNames, lock.rawValue >= 0 else { return nil }
    if lock.index >= familyOfLock.count {
      familyOfLock.append(contentsOf: repeatElement(-2, count: lock.index + 1 - familyOfLock.count))
    }
    if familyOfLock[lock.index] == -2 {
      if let name = families.family(of: lockNames.bytes(lock.rawValue)) {
        let index = indexByName[name] ?? Int32(names.count)
        if index == Int32(names.count) {
          names.append(name)
          indexByName[name] = index
          live.append(LiveFamily())
        }
        familyOfLock[lock.index] = index
      } else {
        familyOfLock[lock.index] = -1
      }
    }
    let index = familyOfLock[lock.index]
    return index >= 0 ? Int(index) : nil
  }

  public mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    guard !bare, let family = family(of: event.lock) else { return }
    live[family].waiters += 1
    live[family].queueMax = max(live[family].queueMax, live[family].waiters)
  }

  public mutating func waitEnded(_ wait: WaitInterval) {
    guard let family = family(of: wait.lock) else { return }
    live[family].waiters -= 1
  }

  public mutating func anomaly(_ anomaly: Anomaly) {
    if anomaly.kind == .doubleAcquire { doubleAcquire = StatisticsAnalyzer.pairKey(anomaly.lock, anomaly.agent) }
  }

  public mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard let family = family(of: event.lock) else { return }
    if doubleAcquire == StatisticsAnalyzer.pairKey(event.lock, event.agent) {
      doubleAcquire = nil  // the first hold stands: no new one began
      return
    }
    if live[family].openHolds == 0 { live[family].holdingSince = time }
    live[family].openHolds += 1
  }

  public mutating func holdEnded(_ hold: HoldInterval) {
    guard let family = family(of: hold.lock), live[family].openHolds > 0 else { return }
    live[family].openHolds -= 1
    live[family].holdingUntil = max(live[family].holdingUntil, hold.end)
    // As the engine does for an agent's holds: the union of overlapping holds, clipped.
    if live[family].openHolds == 0 {
      let from = max(live[family].holdingSince, since)
      let until = live[family].holdingUntil
      if until > from { live[family].heldNanos += until - from }
      live[family].holdingUntil = .min
    }
  }
}
