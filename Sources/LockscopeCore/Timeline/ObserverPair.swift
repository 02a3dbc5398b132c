/// Two observers fed from one pass: the analyzers and an output that streams the timeline
/// (`lockscope timeline`), so findings and intervals come from the same reading.
public struct ObserverPair<First: TimelineObserver, Second: TimelineObserver>: TimelineObserver {
  public var first: First
  public var second: Second

  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  public var wantsCycles: Bool { first.wantsCycles || second.wantsCycles }
  public var wantsEvents: Bool { first.wantsEvents || second.wantsEvents }
  public var isDone: Bool { first.isDone || second.isDone }

  public mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    if first.wantsEvents { first.applied(event, at: time, state: state) }
    if second.wantsEvents { second.applied(event, at: time, state: state) }
  }

  public mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {
    first.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
    second.waitersBlocked(on: lock, state: state, elapsed: elapsed, blocked: blocked)
  }

  public mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    first.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
    second.attempted(event, at: time, contended: contended, queueLength: queueLength, bare: bare)
  }

  public mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    first.acquired(event, at: time, wait: wait)
    second.acquired(event, at: time, wait: wait)
  }

  public mutating func waitEnded(_ wait: WaitInterval) {
    first.waitEnded(wait)
    second.waitEnded(wait)
  }

  public mutating func holdEnded(_ hold: HoldInterval) {
    first.holdEnded(hold)
    second.holdEnded(hold)
  }

  public mutating func anomaly(_ anomaly: Anomaly) {
    first.anomaly(anomaly)
    second.anomaly(anomaly)
  }

  public mutating func crashed(_ agent: AgentID, at time: Int64) {
    first.crashed(agent, at: time)
    second.crashed(agent, at: time)
  }

  public mutating func cycleFormed(_ cycle: WaitCycle) {
    first.cycleFormed(cycle)
    second.cycleFormed(cycle)
  }

  public mutating func finished(at end: Int64) {
    first.finished(at: end)
    second.finished(at: end)
  }
}
