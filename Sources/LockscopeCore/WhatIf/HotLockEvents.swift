/// Keeps, during the report's one reading, the events the hot-lock remedy replays
/// (`HotLockPrediction`): those of every lock that may still turn out hot, and the crashes
/// (events of every lock). A replay feeds one lock's events, in the order they were read,
/// to an engine that sees that lock alone: what a second pass over the files with
/// `--lock` would see, without reading them again, so standard input gets the remedy too.
///
/// Memory is bounded, never by the log's length: past `budget` events the locks that have
/// made their waiters wait least so far (their queue integral) stop being kept, for good —
/// a hot lock is one agents queue for. A hot lock dropped so gets no replay in the report
/// (its remedy names the `whatif` command that predicts the gain): a report reads its input
/// once.
final class HotLockEvents {
  /// 65,536 events of 56 bytes (`KeptEvent`): some 3.5 MB, whatever the log's length.
  static let defaultBudget = 1 << 16

  let budget: Int
  /// The kept events in the order they were read: every event of each lock still kept, and
  /// the crashes. One array with room for the whole budget, rather than one growing array a
  /// lock (whose doublings copied the events and left up to half of each array unused).
  private var events: [KeptEvent] = []
  /// Per lock id: how many of its events are kept, or `dropped`.
  private var keptOfLock: [Int32] = []
  /// The locks with events kept, in the order their first was: what `keepWithinBudget`
  /// ranks, so its cost is the budget's, not the number of locks seen (a million per-key
  /// locks made each of its calls a walk of a million counts).
  private var keptLocks: [Int32] = []
  /// False once even the crashes alone went past the budget: nothing is kept any more.
  private var keeping = true
  /// Whether some lock was dropped to stay within the budget.
  private(set) var droppedAny = false
  private(set) var lockNames: NameTable?
  private var agentNames: NameTable?

  private static let dropped: Int32 = -1

  init(budget: Int = defaultBudget) { self.budget = budget }

  /// The pass's name tables: to find a finding's lock and name a replay's agents.
  func start(lockNames: NameTable, agentNames: NameTable) {
    self.lockNames = lockNames
    self.agentNames = agentNames
  }

  /// Keeps `event` (one the engine was given, in that order) if its lock is still kept.
  /// True when that took it over the budget: the caller then calls `keepWithinBudget` (the
  /// rare path is the only one that needs the engine's queue integrals, so the per-event
  /// call builds no closure over the engine).
  @inline(__always)
  func record(_ event: LockEvent) -> Bool {
    guard keeping else { return false }
    if event.kind != .crash {
      let lock = event.lock.index
      guard lock >= 0 else { return false }
      if lock >= keptOfLock.count { keptOfLock.append(contentsOf: repeatElement(0, count: lock + 1 - keptOfLock.count)) }
      guard keptOfLock[lock] != Self.dropped else { return false }
      if keptOfLock[lock] == 0 { keptLocks.append(Int32(lock)) }
      keptOfLock[lock] += 1
    }
    // Room for the whole budget at once: pages are only touched as events arrive.
    if events.capacity == 0 { events.reserveCapacity(budget + 1) }
    events.append(KeptEvent(event))
    return events.count > budget
  }

  /// Drops the locks whose waiters waited least so far (`queueIntegral(lock)`) until half
  /// the budget is free (halving keeps the sorting rare: its cost is spread over the events
  /// it frees).
  func keepWithinBudget(_ queueIntegral: (LockID) -> Double) {
    let live = keptLocks.map { (lock: LockID($0), waited: queueIntegral(LockID($0))) }
      .sorted { ($0.waited, $0.lock) < ($1.waited, $1.lock) }
    var kept = events.count
    for (lock, _) in live where kept > budget / 2 {
      kept -= Int(keptOfLock[lock.index])
      keptOfLock[lock.index] = Self.dropped
      droppedAny = true
    }
    if kept > budget / 2 {
      // The crashes alone fill it: no lock can be replayed from memory.
      keeping = false
      events = []
      keptOfLock = []
      keptLocks = []
      return
    }
    keptLocks.removeAll { keptOfLock[Int($0)] == Self.dropped }
    // Into a fresh array rather than in place: the old one's pages go back to the system,
    // and the new one's are touched only as far as it is filled (removing in place left a
    // full budget of touched pages behind, 3-4 MB more peak memory).
    var compacted: [KeptEvent] = []
    compacted.reserveCapacity(budget + 1)
    compacted.append(contentsOf: events.lazy.filter { $0.kind == .crash || self.keptOfLock[Int($0.lock)] != Self.dropped })
    events = compacted
  }

  /// The uses of `lock`, as `whatif --lock` with `options` would record
  /// them: its events and the crashes replayed through an engine that sees it alone. Nil
  /// when it was not kept.
  func recorder(for lock: LockID, options: AnalysisOptions) -> LockUseRecorder? {
    let id = lock.rawValue
    guard keeping, let lockNames, let agentNames, id >= 0, Int(id) < keptOfLock.count, keptOfLock[Int(id)] > 0
    else { return nil }
    let name = lockNames.name(id)
    let selection = Selection(
      lockGlobs: [Glob(Glob.escaped(name))], agentGlobs: options.agentGlobs, since: options.since, until: options.until,
      lockNames: lockNames, agentNames: agentNames)
    let engine = TimelineEngine(observer: LockUseRecorder(), selection: selection)
    // Its events with every crash among them where it was read (a crash ends holds of all
    // locks): what a second pass with `--lock` would feed the engine.
    for kept in events where kept.kind == .crash || kept.lock == id { engine.apply(kept.event) }
    engine.finish()
    return engine.observer
  }

  func agentName(_ agent: AgentID) -> String { agentNames?.name(agent.rawValue) ?? "" }

  /// The replays are made: the kept events go before the report is rendered, whose
  /// buffers would otherwise come on top of them at the run's peak of memory.
  func discard() {
    keeping = false
    events = []
    keptOfLock = []
    keptLocks = []
  }
}

/// A kept event with what a replay reads and nothing more, fields ordered widest first: 56
/// bytes where a `LockEvent` takes 88 (its padding, its trace slot and its expected hold,
/// which only the statistics read, never a replay's `LockUseRecorder`).
private struct KeptEvent {
  let time: Int64
  let leaseNanos: Int64
  let token: Int64
  let line: Int64
  let agent: Int32
  let lock: Int32
  let capacity: Int32
  let input: Int32
  let site: Int32
  let kind: EventKind
  let mode: LockMode
  let hasToken: Bool

  init(_ event: LockEvent) {
    (time, leaseNanos, token, line) = (event.time, event.leaseNanos, event.token, event.source.line)
    (agent, lock, capacity, input, site) = (event.agent.rawValue, event.lock.rawValue, event.capacity, event.source.input, event.site)
    (kind, mode, hasToken) = (event.kind, event.mode, event.hasToken)
  }

  var event: LockEvent {
    var event = LockEvent(
      kind: kind, mode: mode, time: time, agent: AgentID(agent), lock: LockID(lock), capacity: capacity, leaseNanos: leaseNanos,
      token: token, hasToken: hasToken, source: SourceLocation(input: input, line: line))
    event.site = site
    return event
  }
}
