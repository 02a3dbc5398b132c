/// Counts every anomaly by kind and keeps the first few in full for the report, so a log
/// full of them cannot grow memory.
public struct AnomalyLog: TimelineObserver, Sendable {
  public static let keptLimit = 100
  public private(set) var counts: [Anomaly.Kind: Int] = [:]
  public private(set) var kept: [Anomaly] = []
  public private(set) var total = 0

  public init() {}

  public mutating func anomaly(_ anomaly: Anomaly) {
    total += 1
    counts[anomaly.kind, default: 0] += 1
    if kept.count < AnomalyLog.keptLimit { kept.append(anomaly) }
  }
}
