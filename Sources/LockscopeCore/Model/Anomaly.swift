/// An event that does not fit the lock's state (SPEC §1: counted and listed, never fatal).
struct Anomaly: Sendable {
  enum Kind: String, CaseIterable, Sendable {
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

  var kind: Kind
  var agent: AgentID
  var lock: LockID
  var time: Int64
  var source: SourceLocation
  /// Other agents involved (the holders an acquire collided with).
  var others: [AgentID] = []
  /// For `clock-backwards`: how far back, in nanoseconds.
  var skew: Int64 = 0
}
