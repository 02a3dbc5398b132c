/// Keeps, during the report's one pass, what the hot-lock remedy replays
/// (`HotLockPrediction`): for every lock that may still turn out hot, the uses that a
/// `LockUseRecorder` watching that lock alone would keep. So a report reads its input once,
/// and the remedy works on standard input too.
///
/// Memory is bounded, never by the log's length: past `budget` entries (a use, or an
/// agent's last event on a lock) the locks that have made their waiters wait least so far
/// stop being recorded, for good — a hot lock is one agents queue for. A hot lock dropped
/// so is replayed by a second pass when every input is a regular file, else not at all.
struct HotLockUseRecorder: TimelineObserver {
  /// 131,072 entries of about 40 bytes: some 5 MB, whatever the log's length.
  static let defaultBudget = 1 << 17

  /// One recorded lock: `LockUseRecorder`'s state, for this lock alone.
  private struct Track {
    /// `.none` while the track is free for another lock.
    var lock = LockID.none
    /// Every use, in the order it ended (each agent's in the order it made them).
    var uses: [(agent: AgentID, use: LockUse)] = []
    var lastEvent: [AgentID: Int64] = [:]
    var firstEvent: Int64?
    var requested: [AgentID: Int64] = [:]
    var openHolds: [AgentID: Int] = [:]
    var nested: (agent: AgentID, time: Int64)?
    var capacity: Int32 = 0
    var sharedInLog = false
    /// Wait ended on the lock so far: the locks that caused least are dropped first.
    var waited: Int64 = 0

    var entries: Int { uses.count + lastEvent.count }
  }

  let budget: Int
  private let recording: Bool
  private let lockNames: NameTable
  private let agentNames: NameTable
  /// Per lock id: its track's position in `tracks`, `unseen`, or `dropped`.
  private var slots: [Int32] = []
  private var tracks: [Track] = []
  private var freeTracks: [Int32] = []
  private var entries = 0
  /// Crashes are events of every lock a lone-lock pass reads (they carry none).
  private var firstCrash: Int64?
  private var lastCrash: [AgentID: Int64] = [:]
  /// Whether some lock was dropped to stay within the budget.
  private(set) var droppedAny = false

  private static let unseen: Int32 = -1
  private static let dropped: Int32 = -2

  /// `recording` false (no findings analysed): it keeps nothing. The name tables are the
  /// pass's, to find a finding's lock and name a replay's agents.
  init(recording: Bool, lockNames: NameTable, agentNames: NameTable, budget: Int = defaultBudget) {
    self.recording = recording
    self.lockNames = lockNames
    self.agentNames = agentNames
    self.budget = budget
  }

  func agentName(_ agent: AgentID) -> String { agentNames.name(agent.rawValue) }

  /// The uses of the lock named `name` (see `recorder(for:)`).
  func recorder(forLockNamed name: String) -> LockUseRecorder? {
    lockNames.lookup(name).flatMap { recorder(for: LockID($0)) }
  }

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { recording }

  /// The uses of `lock`, as a pass over it alone would have recorded them; nil when it was
  /// never seen or was dropped to stay within the budget.
  func recorder(for lock: LockID) -> LockUseRecorder? {
    guard lock.index >= 0, lock.index < slots.count, slots[lock.index] >= 0 else { return nil }
    let track = tracks[Int(slots[lock.index])]
    let agents = (Array(track.lastEvent.keys) + Array(lastCrash.keys)).map(\.index).max().map { $0 + 1 } ?? 0
    var uses = [[LockUse]](repeating: [], count: agents)
    for (agent, use) in track.uses { uses[agent.index].append(use) }
    var lastEvent = [Int64](repeating: .min, count: agents)
    for (agent, time) in track.lastEvent { lastEvent[agent.index] = max(lastEvent[agent.index], time) }
    for (agent, time) in lastCrash { lastEvent[agent.index] = max(lastEvent[agent.index], time) }
    let first = [track.firstEvent, firstCrash].compactMap { $0 }.min()
    return LockUseRecorder(
      uses: uses, lastEvent: lastEvent, firstEvent: first, nested: track.nested, sharedInLog: track.sharedInLog ? [lock] : [])
  }

  /// The track of `lock`, created on first sight; nil once the lock was dropped.
  private mutating func track(_ lock: LockID) -> Int? {
    guard recording, lock.index >= 0 else { return nil }
    while slots.count <= lock.index { slots.append(Self.unseen) }
    let slot = slots[lock.index]
    if slot >= 0 { return Int(slot) }
    guard slot == Self.unseen else { return nil }
    let index: Int
    if let free = freeTracks.popLast() {
      index = Int(free)
      tracks[index] = Track(lock: lock)
    } else {
      index = tracks.count
      tracks.append(Track(lock: lock))
    }
    slots[lock.index] = Int32(index)
    return index
  }

  /// Over budget: drop the locks whose waiters waited least so far until half of it is
  /// free (halving keeps the sorting rare: its cost is spread over the entries it frees).
  private mutating func keepWithinBudget() {
    guard entries > budget else { return }
    let live = tracks.indices.filter { tracks[$0].lock != .none }.sorted { a, b in
      (tracks[a].waited, tracks[a].lock) < (tracks[b].waited, tracks[b].lock)
    }
    for index in live where entries > budget / 2 {
      entries -= tracks[index].entries
      slots[tracks[index].lock.index] = Self.dropped
      tracks[index] = Track()
      freeTracks.append(Int32(index))
      droppedAny = true
    }
  }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    guard let state else {
      if firstCrash == nil { firstCrash = time }
      lastCrash[event.agent] = time
      return
    }
    guard let index = track(event.lock) else { return }
    if tracks[index].firstEvent == nil { tracks[index].firstEvent = time }
    if tracks[index].lastEvent.updateValue(time, forKey: event.agent) == nil { entries += 1 }
    if state.capacity > 0 { tracks[index].capacity = state.capacity }
    if state.holders.count > 1 { tracks[index].sharedInLog = true }
    keepWithinBudget()
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    guard let index = track(wait.lock) else { return }
    tracks[index].waited = tracks[index].waited.addingSaturating(wait.end.subtractingSaturating(wait.start))
    switch wait.outcome {
    case .granted:
      tracks[index].requested[wait.agent] = wait.start
    case .timedOut, .cancelled:
      let use = LockUse(
        request: wait.start, grant: wait.end, release: wait.end, lock: wait.lock, shared: wait.mode == .shared, timedOut: true,
        capacity: tracks[index].capacity)
      tracks[index].uses.append((wait.agent, use))
      entries += 1
      keepWithinBudget()
    case .abandoned, .endOfLog:
      break  // never granted within the log: nothing to replay
    }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard let index = track(event.lock) else { return }
    let open = tracks[index].openHolds[event.agent, default: 0] + 1
    tracks[index].openHolds[event.agent] = open
    if open > 1 && tracks[index].nested == nil { tracks[index].nested = (event.agent, time) }
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    guard let index = track(hold.lock) else { return }
    tracks[index].openHolds[hold.agent, default: 0] -= 1
    let request = tracks[index].requested.removeValue(forKey: hold.agent) ?? hold.start
    let use = LockUse(
      request: request, grant: hold.start, release: hold.end, lock: hold.lock, shared: hold.mode == .shared, timedOut: false,
      capacity: tracks[index].capacity)
    tracks[index].uses.append((hold.agent, use))
    entries += 1
    keepWithinBudget()
  }
}
