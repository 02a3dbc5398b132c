/// The analyzers a report runs, fed together from one pass over the timeline.
public struct Analyzers: TimelineObserver {
  public var statistics: StatisticsAnalyzer
  public var anomalies = AnomalyLog()

  public init(selection: Selection) {
    statistics = StatisticsAnalyzer(selection: selection)
  }

  public mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64) {
    statistics.waitersBlocked(on: lock, state: state, elapsed: elapsed)
  }
  public mutating func attempted(agent: AgentID, lock: LockID, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    statistics.attempted(agent: agent, lock: lock, at: time, contended: contended, queueLength: queueLength, bare: bare)
  }
  public mutating func acquired(agent: AgentID, lock: LockID, at time: Int64, wait: Int64) {
    statistics.acquired(agent: agent, lock: lock, at: time, wait: wait)
  }
  public mutating func waitEnded(_ wait: WaitInterval) { statistics.waitEnded(wait) }
  public mutating func holdEnded(_ hold: HoldInterval) { statistics.holdEnded(hold) }
  public mutating func anomaly(_ anomaly: Anomaly) { anomalies.anomaly(anomaly) }
}
