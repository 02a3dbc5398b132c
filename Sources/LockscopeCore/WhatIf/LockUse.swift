/// One use of a chosen lock by one agent, as the log shows it: asked at `request`, granted
/// at `grant` (or gave up then, `timedOut`), released at `release`. Integer ids and
/// nanoseconds: a replay keeps every use of the chosen locks, so they are small.
struct LockUse: Sendable {
  var request, grant, release: Int64
  var lock: LockID
  var shared: Bool
  /// A request that ended without the lock (timeout or cancel): `grant` is when it gave up.
  var timedOut: Bool
  /// Semaphore slots of the lock when it was used (0: a plain lock).
  var capacity: Int32

  // Saturating: a log may span more than Int64 nanoseconds (1677 to 2262).
  var wait: Int64 { grant.subtractingSaturating(request) }
  var hold: Int64 { release.subtractingSaturating(grant) }
}

/// Watches the timeline of the chosen locks (the engine sees only them: `--lock`) and keeps
/// each agent's uses in order, for `WhatIfReplay`.
struct LockUseRecorder: TimelineObserver {
  /// Uses per agent (indexed by agent id), in the order the agent made them.
  private(set) var uses: [[LockUse]] = []
  /// Each agent's last event on the chosen locks: what follows its last use is kept as is.
  private(set) var lastEvent: [Int64] = []
  private(set) var firstEvent: Int64?
  /// A request's start, waiting for its grant.
  private var requested: [LockAgentKey: Int64] = [:]
  /// Holds open per agent, to see an agent holding two chosen locks at once.
  private var openHolds: [Int] = []
  /// The first agent seen holding two chosen locks at once (nested uses cannot be replayed one after another).
  private(set) var nested: (agent: AgentID, time: Int64)?
  private var capacities: [LockID: Int32] = [:]
  /// Locks the log shows held by two agents at once: real shared (or counting) locks,
  /// whose modes the replay honours.
  private(set) var sharedInLog: Set<LockID> = []

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { true }

  private mutating func ensure(_ agent: AgentID) {
    while uses.count <= agent.index {
      uses.append([])
      lastEvent.append(.min)
      openHolds.append(0)
    }
  }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    ensure(event.agent)
    if firstEvent == nil { firstEvent = time }
    lastEvent[event.agent.index] = time
    if let state {
      if state.capacity > 0 { capacities[event.lock] = state.capacity }
      if state.holders.count > 1 { sharedInLog.insert(event.lock) }
    }
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    ensure(wait.agent)
    switch wait.outcome {
    case .granted:
      requested[LockAgentKey(lock: wait.lock, agent: wait.agent)] = wait.start
    case .timedOut, .cancelled:
      uses[wait.agent.index].append(
        LockUse(
          request: wait.start, grant: wait.end, release: wait.end, lock: wait.lock, shared: wait.mode == .shared, timedOut: true,
          capacity: capacities[wait.lock] ?? 0))
    case .abandoned, .endOfLog:
      break  // never granted within the log: nothing to replay
    }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    ensure(event.agent)
    openHolds[event.agent.index] += 1
    if openHolds[event.agent.index] > 1 && nested == nil { nested = (event.agent, time) }
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    ensure(hold.agent)
    openHolds[hold.agent.index] -= 1
    let request = requested.removeValue(forKey: LockAgentKey(lock: hold.lock, agent: hold.agent)) ?? hold.start
    uses[hold.agent.index].append(
      LockUse(
        request: request, grant: hold.start, release: hold.end, lock: hold.lock, shared: hold.mode == .shared, timedOut: false,
        capacity: capacities[hold.lock] ?? 0))
  }
}
