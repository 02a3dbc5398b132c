/// An event that does not fit the lock's state (SPEC §1: counted and listed, never fatal).
public struct Anomaly: Sendable {
  public enum Kind: String, CaseIterable, Sendable {
    case clockBackwards = "clock-backwards"
    case duplicateRequest = "duplicate-request"
    case doubleAcquire = "double-acquire"
    case acquireWhileHeld = "acquire-while-held"
    case releaseByNonHolder = "release-by-non-holder"
    case releaseAfterLeaseExpired = "release-after-lease-expired"
    case timeoutWithoutRequest = "timeout-without-request"
    case cancelWithoutRequest = "cancel-without-request"
    case renewByNonHolder = "renew-by-non-holder"
    case renewAfterLeaseExpired = "renew-after-lease-expired"
    case expireByNonHolder = "expire-by-non-holder"
  }

  public var kind: Kind
  public var agent: AgentID
  public var lock: LockID
  public var time: Int64
  public var source: SourceLocation
  /// Other agents involved (the holders an acquire collided with).
  public var others: [AgentID] = []
  /// For `clock-backwards`: how far back, in nanoseconds.
  public var skew: Int64 = 0
}
