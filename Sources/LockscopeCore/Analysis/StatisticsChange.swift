/// One report of the timeline, as the statistics need it: ids, times and totals, none of
/// the intervals' sources or sites, so a batch of them is small to hand between threads
/// (`StatisticsQueue`). Whether the agent is selected (`--agent`) is decided when the
/// change is made, where the timeline runs: `Selection` caches its answers as it goes and
/// is not for two threads at once.
enum StatisticsChange: Sendable {
  case attempted(agent: AgentID, lock: LockID, time: Int64, contended: Bool, queueLength: Int, bare: Bool, selected: Bool)
  case acquired(agent: AgentID, lock: LockID, time: Int64, wait: Int64, selected: Bool)
  case waitEnded(EndedWait)
  case holdEnded(EndedHold)
  case waitersBlocked(lock: LockID, elapsed: Int64, blocked: Int)

  @inline(__always)
  static func attempted(
    _ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool, in selection: Selection
  ) -> StatisticsChange {
    .attempted(
      agent: event.agent, lock: event.lock, time: time, contended: contended, queueLength: queueLength, bare: bare,
      selected: selection.includes(event.agent))
  }

  @inline(__always)
  static func acquired(_ event: LockEvent, at time: Int64, wait: Int64, in selection: Selection) -> StatisticsChange {
    .acquired(agent: event.agent, lock: event.lock, time: time, wait: wait, selected: selection.includes(event.agent))
  }

  @inline(__always)
  static func waitEnded(_ wait: WaitInterval, in selection: Selection) -> StatisticsChange {
    .waitEnded(EndedWait(wait, selected: selection.includes(wait.agent)))
  }

  /// `expected`: the hold's expected length, if it had one (`OpenHoldExpectations`).
  @inline(__always)
  static func holdEnded(_ hold: HoldInterval, expected: Int64?, in selection: Selection) -> StatisticsChange {
    .holdEnded(EndedHold(hold, expected: expected, selected: selection.includes(hold.agent)))
  }
}

/// What the statistics read of a `WaitInterval`.
struct EndedWait: Sendable {
  var agent: AgentID
  var lock: LockID
  var outcome: WaitOutcome
  var selected: Bool
  var start, end: Int64
  var queueIntegral: Double
  var causedWait: Double

  init(_ wait: WaitInterval, selected: Bool) {
    (agent, lock, outcome, self.selected) = (wait.agent, wait.lock, wait.outcome, selected)
    (start, end) = (wait.start, wait.end)
    (queueIntegral, causedWait) = (wait.queueIntegral, wait.causedWait)
  }
}

/// What the statistics read of a `HoldInterval`, and its expected length (-1: none).
struct EndedHold: Sendable {
  var agent: AgentID
  var lock: LockID
  var outcome: HoldOutcome
  var selected: Bool
  var start, end: Int64
  var causedWait: Double
  var mostBlocked: Int
  var expected: Int64

  init(_ hold: HoldInterval, expected: Int64?, selected: Bool) {
    (agent, lock, outcome, self.selected) = (hold.agent, hold.lock, hold.outcome, selected)
    (start, end) = (hold.start, hold.end)
    (causedWait, mostBlocked) = (hold.causedWait, hold.mostBlocked)
    self.expected = expected ?? -1
  }
}
