/// Keeps, during the report's one reading, the events the hot-lock remedy replays
/// (`HotLockPrediction`): those of every lock that may still turn out hot, and the crashes
/// (events of every lock). A replay feeds one lock's events, in the order they were read,
/// to an engine that sees that lock alone: what a second pass over the files with
/// `--lock` would see, without reading them again, so standard input gets the remedy too.
///
/// Memory is bounded, never by the log's length: past `budget` events the locks that have
/// made their waiters wait least so far (their queue integral) stop being kept, for good —
/// a hot lock is one agents queue for. A hot lock dropped so is replayed by a second pass
/// when every input is a regular file, else not at all.
final class HotLockEvents {
  /// 65,536 events of about 80 bytes: some 5 MB, whatever the log's length.
  static let defaultBudget = 1 << 16

  /// One lock's events, and where the crashes fall among them. A class: an event is
  /// appended to its array alone, not through the array of tracks.
  private final class Track {
    let lock: LockID
    var events: [LockEvent] = []
    /// (events kept before it, crashes read before it): a crash comes before the event
    /// at that position; kept only when the number of crashes changed.
    var crashMarks: [(position: Int32, crashes: Int32)] = []

    init(lock: LockID) { self.lock = lock }
  }

  let budget: Int
  /// Per lock id: its track's position in `tracks`, `unseen`, or `dropped`.
  private var slots: [Int32] = []
  /// Nil where a dropped lock's track was.
  private var tracks: [Track?] = []
  private var freeTracks: [Int32] = []
  private var crashes: [LockEvent] = []
  private var kept = 0
  /// False once even the crashes alone went past the budget: nothing is kept any more.
  private var keeping = true
  /// Whether some lock was dropped to stay within the budget.
  private(set) var droppedAny = false
  private(set) var lockNames: NameTable?
  private var agentNames: NameTable?

  private static let unseen: Int32 = -1
  private static let dropped: Int32 = -2

  init(budget: Int = defaultBudget) { self.budget = budget }

  /// The pass's name tables: to find a finding's lock and name a replay's agents.
  func start(lockNames: NameTable, agentNames: NameTable) {
    self.lockNames = lockNames
    self.agentNames = agentNames
  }

  /// Keeps `event` (one the engine was given, in that order) if its lock is still kept;
  /// over the budget, drops the locks whose queue integral (`queueIntegral(lock)`) is least.
  @inline(__always)
  func record(_ event: LockEvent, queueIntegral: (LockID) -> Double) {
    guard keeping else { return }
    if event.kind == .crash {
      crashes.append(event)
    } else {
      guard let track = track(event.lock) else { return }
      let crashCount = Int32(crashes.count)
      if crashCount != (track.crashMarks.last?.crashes ?? 0) {
        track.crashMarks.append((Int32(track.events.count), crashCount))
      }
      track.events.append(event)
    }
    kept += 1
    if kept > budget { keepWithinBudget(queueIntegral) }
  }

  /// The track of `lock`, created on first sight; nil once the lock was dropped.
  @inline(__always)
  private func track(_ lock: LockID) -> Track? {
    guard lock.index >= 0 else { return nil }
    if lock.index < slots.count, slots[lock.index] >= 0 { return tracks[Int(slots[lock.index])] }
    return newTrack(lock)
  }

  private func newTrack(_ lock: LockID) -> Track? {
    if lock.index >= slots.count { slots.append(contentsOf: repeatElement(Self.unseen, count: lock.index + 1 - slots.count)) }
    guard slots[lock.index] == Self.unseen else { return nil }
    let track = Track(lock: lock)
    if let free = freeTracks.popLast() {
      tracks[Int(free)] = track
      slots[lock.index] = free
    } else {
      slots[lock.index] = Int32(tracks.count)
      tracks.append(track)
    }
    return track
  }

  /// Drops the locks whose waiters waited least until half the budget is free (halving
  /// keeps the sorting rare: its cost is spread over the events it frees).
  private func keepWithinBudget(_ queueIntegral: (LockID) -> Double) {
    let live = tracks.indices.compactMap { index in tracks[index].map { (index: index, lock: $0.lock, waited: queueIntegral($0.lock)) } }
      .sorted { ($0.waited, $0.lock) < ($1.waited, $1.lock) }
    for (index, lock, _) in live where kept > budget / 2 {
      kept -= tracks[index]?.events.count ?? 0
      slots[lock.index] = Self.dropped
      tracks[index] = nil
      freeTracks.append(Int32(index))
      droppedAny = true
    }
    if kept > budget / 2 {
      // The crashes alone fill it: no lock can be replayed from memory.
      keeping = false
      tracks.removeAll()
      crashes.removeAll()
      slots = slots.map { _ in Self.dropped }
      kept = 0
    }
  }

  /// The uses of `lock`, as `whatif --lock` with `options` would record
  /// them: its events and the crashes replayed through an engine that sees it alone. Nil
  /// when it was not kept.
  func recorder(for lock: LockID, options: AnalysisOptions) -> LockUseRecorder? {
    let id = lock.rawValue
    guard keeping, let lockNames, let agentNames, id >= 0, Int(id) < slots.count, slots[Int(id)] >= 0,
      let track = tracks[Int(slots[Int(id)])]
    else { return nil }
    let name = lockNames.name(id)
    let selection = Selection(
      lockGlobs: [Glob(Glob.escaped(name))], agentGlobs: options.agentGlobs, since: options.since, until: options.until,
      lockNames: lockNames, agentNames: agentNames)
    let engine = TimelineEngine(observer: LockUseRecorder(), selection: selection)
    var (fed, mark) = (0, 0)  // crashes fed so far, marks passed
    for (position, event) in track.events.enumerated() {
      while mark < track.crashMarks.count && Int(track.crashMarks[mark].position) <= position {
        while fed < Int(track.crashMarks[mark].crashes) {
          engine.apply(crashes[fed])
          fed += 1
        }
        mark += 1
      }
      engine.apply(event)
    }
    for crash in crashes[fed...] { engine.apply(crash) }
    engine.finish()
    return engine.observer
  }

  func agentName(_ agent: AgentID) -> String { agentNames?.name(agent.rawValue) ?? "" }
}
