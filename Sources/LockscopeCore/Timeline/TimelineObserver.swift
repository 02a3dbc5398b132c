/// Receives what the timeline reconstructs, as it happens. Analyzers conform to this;
/// every method has an empty default so each implements only what it needs. Its metatype
/// is `Sendable`: the report's rows, made when they are read, capture the engine's type.
protocol TimelineObserver: SendableMetatype {
  /// Whether the engine should search the wait-for graph for cycles (deadlocks).
  var wantsCycles: Bool { get }
  /// Whether `applied` should be called after every event (the text timeline). Off for
  /// the report, where the check compiles away.
  var wantsEvents: Bool { get }
  /// True once the observer needs nothing more (its reader went away): the stream stops.
  var isDone: Bool { get }
  /// `event` was applied at `time`; `state` is its lock afterwards (nil for a crash).
  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?)
  /// `state` held still for the last `elapsed` nanoseconds (inside the window) and has
  /// waiters, `blocked` of them waiting for somebody (their wait is already charged, SPEC §2
  /// `caused_wait`: see `HoldInterval.causedWait` and `WaitInterval.causedWait`).
  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int)
  /// A request, or an acquire with no request before it (`bare`); `event` is that line.
  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool)
  /// An acquire (the event, for its mode, token and source), with the wait it ended
  /// (0 for a bare acquire). The agent is a holder when this is called.
  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64)
  mutating func waitEnded(_ wait: WaitInterval)
  mutating func holdEnded(_ hold: HoldInterval)
  mutating func anomaly(_ anomaly: Anomaly)
  /// `agent` crashed: its waits have ended; its holds go on, orphaned, and its name's later
  /// events are a new life.
  mutating func crashed(_ agent: AgentID, at time: Int64)
  /// A cycle closed in the wait-for graph: every agent in it waits for the next.
  mutating func cycleFormed(_ cycle: WaitCycle)
  /// The stream ended at `end`; every hold and wait has been closed.
  mutating func finished(at end: Int64)
  /// The run is over, whether or not any event came (`finished` needs one): work handed to
  /// other threads is gathered here, before the report reads the observer.
  mutating func streamEnded()
}

extension TimelineObserver {
  var wantsCycles: Bool { true }
  var wantsEvents: Bool { false }
  var isDone: Bool { false }
  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {}
  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {}
  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {}
  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {}
  mutating func waitEnded(_ wait: WaitInterval) {}
  mutating func holdEnded(_ hold: HoldInterval) {}
  mutating func anomaly(_ anomaly: Anomaly) {}
  mutating func crashed(_ agent: AgentID, at time: Int64) {}
  mutating func cycleFormed(_ cycle: WaitCycle) {}
  mutating func finished(at end: Int64) {}
  mutating func streamEnded() {}
}
