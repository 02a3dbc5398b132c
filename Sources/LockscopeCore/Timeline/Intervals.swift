/// How a wait ended.
public enum WaitOutcome: UInt8, Sendable {
  case granted, timedOut, cancelled, abandoned, endOfLog
}

/// How a hold ended. Only `released` holds are hold-time samples.
public enum HoldOutcome: UInt8, Sendable {
  case released, leaseExpired, expired, crashed, endOfLog

  /// The orphan `cause` of SPEC §5 for a hold that did not end in a release.
  public var cause: String {
    switch self {
    case .released: "released"
    case .leaseExpired: "lease-expired"
    case .expired: "expire"
    case .crashed: "crash"
    case .endOfLog: "end-of-log"
    }
  }
}

/// A request and how it ended.
public struct WaitInterval: Sendable {
  public var agent: AgentID
  public var lock: LockID
  public var mode: LockMode
  public var start: Int64
  public var end: Int64
  public var outcome: WaitOutcome
  /// ∫ (waiters of the lock) dt over this wait, inside the window.
  public var queueIntegral: Double
  public var source: SourceLocation
}

/// An acquire and how the hold ended.
public struct HoldInterval: Sendable {
  public var agent: AgentID
  public var lock: LockID
  public var mode: LockMode
  public var start: Int64
  public var end: Int64
  public var outcome: HoldOutcome
  public var source: SourceLocation
}
