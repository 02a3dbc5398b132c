/// Receives what the timeline reconstructs, as it happens. Analyzers conform to this;
/// every method has an empty default so each implements only what it needs.
public protocol TimelineObserver {
  /// `state` held still for the last `elapsed` nanoseconds (inside the window) and has
  /// waiters: the moment to charge their wait to whoever blocks them.
  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64)
  /// A request, or an acquire with no request before it (`bare`).
  mutating func attempted(agent: AgentID, lock: LockID, at time: Int64, contended: Bool, queueLength: Int, bare: Bool)
  /// An acquire, with the wait it ended (0 for a bare acquire).
  mutating func acquired(agent: AgentID, lock: LockID, at time: Int64, wait: Int64)
  mutating func waitEnded(_ wait: WaitInterval)
  mutating func holdEnded(_ hold: HoldInterval)
  mutating func anomaly(_ anomaly: Anomaly)
}

extension TimelineObserver {
  public mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64) {}
  public mutating func attempted(agent: AgentID, lock: LockID, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {}
  public mutating func acquired(agent: AgentID, lock: LockID, at time: Int64, wait: Int64) {}
  public mutating func waitEnded(_ wait: WaitInterval) {}
  public mutating func holdEnded(_ hold: HoldInterval) {}
  public mutating func anomaly(_ anomaly: Anomaly) {}
}
