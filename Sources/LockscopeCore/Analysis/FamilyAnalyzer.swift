/// Follows lock families (`--family`) as the timeline runs, for what cannot be summed from
/// their locks' rows at the end: the time when any lock of a family was held (its
/// utilization), and the most waiters on all its locks at once (its queue). Everything else
/// of a family row is folded from its locks' accumulators when the report is built.
/// Memory: one `Int32` per lock (its family, worked out once from its name) and one
/// `LiveFamily` per family — a million per-key locks in one family keep one of them.
struct FamilyAnalyzer: TimelineObserver {
  let families: LockFamilies
  private let lockNames: NameTable?
  private let since: Int64
  /// Per lock: its family's index, -1 for none, -2 not yet worked out.
  private var familyOfLock: [Int32] = []
  private(set) var names: [String] = []
  private var indexByName: [String: Int32] = [:]
  private(set) var live: [LiveFamily] = []
  /// The (lock, agent) of an acquire the engine just called a double acquire: no new hold.
  private var doubleAcquire: LockAgentKey?

  /// The state of one family that its locks' rows do not give.
  struct LiveFamily: Sendable {
    /// Its open holds in the order they began (acquires come in time order), and whether
    /// each had a lease (one with a lease may lapse before the event that notices it).
    var open: [(start: Int64, leased: Bool)] = []
    /// Its ended holds not yet counted, as disjoint intervals sorted by start. A hold's end
    /// may be reported late (a lapsed lease), so the union is settled only up to the
    /// earliest open hold's start; a hold inside an open one with no lease (which will last
    /// at least until now) adds nothing and is not kept.
    var pending: [(start: Int64, end: Int64)] = []
    /// Time when any of its locks was held, inside the window.
    var heldNanos: Int64 = 0
    var waiters = 0
    var queueMax = 0

    mutating func holdEnded(start: Int64, end: Int64, since: Int64) {
      // `open` is sorted by start: find this hold's by binary search.
      var low = 0
      var high = open.count
      while low < high {
        let middle = (low + high) / 2
        if open[middle].start < start { low = middle + 1 } else { high = middle }
      }
      if low < open.count && open[low].start == start { open.remove(at: low) }
      let covered = (open.first { !$0.leased }?.start ?? .max) <= start
      if !covered { insert(start, end) }
      // What ends before every open hold began can no longer grow: count it.
      let settled = open.first?.start ?? .max
      var counted = 0
      while counted < pending.count && pending[counted].end <= settled {
        heldNanos += max(0, pending[counted].end - max(pending[counted].start, since))
        counted += 1
      }
      if counted > 0 { pending.removeFirst(counted) }
    }

    /// Adds [start, end] to `pending`, merged with the intervals it overlaps.
    private mutating func insert(_ start: Int64, _ end: Int64) {
      // The first interval that ends at or after `start`: the first it may overlap.
      var low = 0
      var high = pending.count
      while low < high {
        let middle = (low + high) / 2
        if pending[middle].end < start { low = middle + 1 } else { high = middle }
      }
      var last = low
      var merged = (start: start, end: end)
      while last < pending.count && pending[last].start <= end {
        merged = (min(merged.start, pending[last].start), max(merged.end, pending[last].end))
        last += 1
      }
      pending.replaceSubrange(low..<last, with: [merged])
    }
  }

  /// Whether any family is asked for (`--family`). Without one every per-event method
  /// returns at once: they test it inline, where the timeline calls them (the calls alone
  /// were some 50 million instructions on a million-line log, with the site analyzer's).
  let isActive: Bool

  init(families: LockFamilies, lockNames: NameTable?, since: Int64) {
    self.families = families
    self.lockNames = lockNames
    self.since = since
    isActive = !families.isEmpty && lockNames != nil
  }

  /// The family index of `lock`, or nil; worked out from its name the first time.
  mutating func family(of lock: LockID) -> Int? {
    guard isActive, let lockNames, lock.rawValue >= 0 else { return nil }
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

  @inline(__always)
  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    guard isActive, !bare, let family = family(of: event.lock) else { return }
    live[family].waiters += 1
    live[family].queueMax = max(live[family].queueMax, live[family].waiters)
  }

  @inline(__always)
  mutating func waitEnded(_ wait: WaitInterval) {
    guard isActive, let family = family(of: wait.lock) else { return }
    live[family].waiters -= 1
  }

  mutating func anomaly(_ anomaly: Anomaly) {
    if anomaly.kind == .doubleAcquire { doubleAcquire = LockAgentKey(lock: anomaly.lock, agent: anomaly.agent) }
  }

  @inline(__always)
  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard isActive, let family = family(of: event.lock) else { return }
    if doubleAcquire == LockAgentKey(lock: event.lock, agent: event.agent) {
      doubleAcquire = nil  // the first hold stands: no new one began
      return
    }
    live[family].open.append((time, event.leaseNanos >= 0))
  }

  @inline(__always)
  mutating func holdEnded(_ hold: HoldInterval) {
    guard isActive, let family = family(of: hold.lock) else { return }
    live[family].holdEnded(start: hold.start, end: hold.end, since: since)
  }
}
