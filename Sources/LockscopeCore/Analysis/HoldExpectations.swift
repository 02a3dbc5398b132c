/// The expected length of each open hold (its acquire's `expected_ms`, or `--expect-hold`),
/// from the acquire to the end of the hold: the statistics count holds over it, and the
/// long-hold finding reads it as the hold ends.
struct OpenHoldExpectations {
  private var rules: HoldExpectations
  private var open: [LockAgentKey: Int64] = [:]
  /// The (lock, agent) of an acquire the engine just called a double acquire: the first
  /// hold stands, and so does its expectation.
  private var doubleAcquire: LockAgentKey?

  init(_ rules: HoldExpectations) { self.rules = rules }

  @inline(__always)
  mutating func acquired(_ event: LockEvent) {
    // No expectation to keep and none to spare (nearly every acquire without
    // `--expect-hold` or `expected_hold_ms`): nothing below would change anything.
    if event.expectedNanos < 0 && rules.rules.isEmpty && doubleAcquire == nil { return }
    keep(event)
  }

  private mutating func keep(_ event: LockEvent) {
    let key = LockAgentKey(lock: event.lock, agent: event.agent)
    if doubleAcquire == key {
      doubleAcquire = nil
      return
    }
    let expected = event.expectedNanos >= 0 ? event.expectedNanos : rules.expected(for: event.lock)
    if expected >= 0 { open[key] = expected }
  }

  /// The hold ended: its expected length, forgotten here.
  mutating func holdEnded(_ hold: HoldInterval) -> Int64? {
    open.isEmpty ? nil : open.removeValue(forKey: LockAgentKey(lock: hold.lock, agent: hold.agent))
  }

  mutating func anomaly(_ anomaly: Anomaly) {
    if anomaly.kind == .doubleAcquire { doubleAcquire = LockAgentKey(lock: anomaly.lock, agent: anomaly.agent) }
  }
}

/// `--expect-hold GLOB=DURATION`: the expected hold of each lock whose acquire gives none,
/// from the first glob its name matches; worked out once per lock and cached.
struct HoldExpectations {
  let rules: [(glob: Glob, nanos: Int64)]
  private let lockNames: NameTable?
  /// Per lock: -2 not yet known, -1 none, else nanoseconds.
  private var cache: [Int64] = []

  init(rules: [(glob: Glob, nanos: Int64)] = [], lockNames: NameTable? = nil) {
    self.rules = rules
    self.lockNames = lockNames
  }

  /// The expected hold of `lock` in nanoseconds, or -1.
  @inline(__always)
  mutating func expected(for lock: LockID) -> Int64 {
    guard !rules.isEmpty, let lockNames, lock.rawValue >= 0 else { return -1 }
    if lock.index >= cache.count { cache.append(contentsOf: repeatElement(-2, count: lock.index + 1 - cache.count)) }
    if cache[lock.index] == -2 {
      let name = lockNames.bytes(lock.rawValue)
      cache[lock.index] = rules.first { $0.glob.matches(name) }?.nanos ?? -1
    }
    return cache[lock.index]
  }
}
