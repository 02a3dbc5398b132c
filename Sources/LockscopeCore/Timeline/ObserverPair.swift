/// Two observers fed from one pass: the analyzers and an output that streams the timeline
/// (`lockscope timeline`), so findings and intervals come from the same reading.
struct ObserverPair<First: TimelineObserver, Second: TimelineObserver>: TimelineObserver {
  var first: First
  var second: Second

  init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  var wantsCycles: Bool { first.wantsCycles || second.wantsCycles }
  var wantsEvents: Bool { first.wantsEvents || second.wantsEvents }
  var isDone: Bool { first.isDone || second.isDone }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    if first.wantsEvents { first.applied(event, at: time, state: state) }
    if second.wantsEvents { second.applied(event, at: time, state: state) }
  }

  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {
    first.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
    second.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
  }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    first.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
    second.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    first.acquired(event, at: time, wait: wait)
    second.acquired(event, at: time, wait: wait)
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    first.waitEnded(wait)
    second.waitEnded(wait)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    first.holdEnded(hold)
    second.holdEnded(hold)
  }

  mutating func anomaly(_ anomaly: Anomaly) {
    first.anomaly(anomaly)
    second.anomaly(anomaly)
  }

  mutating func crashed(_ agent: AgentID, at time: Int64) {
    first.crashed(agent, at: time)
    second.crashed(agent, at: time)
  }

  mutating func cycleFormed(_ cycle: WaitCycle) {
    first.cycleFormed(cycle)
    second.cycleFormed(cycle)
  }

  mutating func finished(at end: Int64) {
    first.finished(at: end)
    second.finished(at: end)
  }

  mutating func streamEnded() {
    first.streamEnded()
    second.streamEnded()
  }
}
