/// The kinds of event a log line can carry (SPEC §1).
public enum EventKind: UInt8, CaseIterable, Sendable {
  case request, acquire, release, timeout, cancel, renew, expire, crash

  /// The spelling in the log, before any `--event` remapping.
  public var name: String {
    switch self {
    case .request: "request"
    case .acquire: "acquire"
    case .release: "release"
    case .timeout: "timeout"
    case .cancel: "cancel"
    case .renew: "renew"
    case .expire: "expire"
    case .crash: "crash"
    }
  }

  /// Whether a line of this kind must name a lock.
  public var needsLock: Bool { self != .crash }
}

/// How a lock is held: exclusive holders exclude everyone, shared holders coexist.
public enum LockMode: UInt8, Sendable {
  case exclusive, shared

  public var name: String { self == .exclusive ? "exclusive" : "shared" }

  /// Two modes conflict unless both are shared.
  @inlinable public func conflicts(with other: LockMode) -> Bool {
    self == .exclusive || other == .exclusive
  }
}

/// One parsed log line: everything is an integer, so the event is cheap to copy.
public struct LockEvent: Sendable {
  public var kind: EventKind
  public var mode: LockMode
  /// Nanoseconds since the Unix epoch.
  public var time: Int64
  public var agent: AgentID
  public var lock: LockID
  /// Semaphore slots given on this line, or 0 when absent.
  public var capacity: Int32
  /// Lease granted on this line in nanoseconds, or -1 when absent.
  public var leaseNanos: Int64
  /// Fencing token, meaningful only when `hasToken`.
  public var token: Int64
  public var hasToken: Bool
  public var source: SourceLocation
  /// Where this line's `trace_id`/`span_id` wait in `TraceContexts` (-1: none, or not
  /// captured). An index, not strings, so an event stays free to copy.
  public var traceSlot: Int32 = -1
  /// `site`: where in the code, an id in `EventParser.sites` (-1: none); the OTLP reader
  /// fills it from the span's `code.*` attributes. Aggregated by `SiteAnalyzer`.
  public var site: Int32 = -1
  /// `expected_ms` on an acquire, in nanoseconds (-1: none). Carried, not yet analysed.
  public var expectedNanos: Int64 = -1

  public init(
    kind: EventKind, mode: LockMode = .exclusive, time: Int64, agent: AgentID, lock: LockID,
    capacity: Int32 = 0, leaseNanos: Int64 = -1, token: Int64 = 0, hasToken: Bool = false,
    source: SourceLocation = SourceLocation(input: 0, line: 0)
  ) {
    self.kind = kind
    self.mode = mode
    self.time = time
    self.agent = agent
    self.lock = lock
    self.capacity = capacity
    self.leaseNanos = leaseNanos
    self.token = token
    self.hasToken = hasToken
    self.source = source
  }
}
