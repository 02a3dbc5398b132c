/// The kinds of event a log line can carry (SPEC §1).
enum EventKind: UInt8, CaseIterable, Sendable {
  case request, acquire, release, timeout, cancel, renew, expire, crash

  /// The spelling in the log, before any `--event` remapping.
  var name: String {
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
  var needsLock: Bool { self != .crash }
}

/// How a lock is held: exclusive holders exclude everyone, shared holders coexist.
enum LockMode: UInt8, Sendable {
  case exclusive, shared

  var name: String { self == .exclusive ? "exclusive" : "shared" }

  /// Two modes conflict unless both are shared.
  func conflicts(with other: LockMode) -> Bool {
    self == .exclusive || other == .exclusive
  }
}

/// One parsed log line: everything is an integer, so the event is cheap to copy.
struct LockEvent: Sendable {
  var kind: EventKind
  var mode: LockMode
  /// Nanoseconds since the Unix epoch.
  var time: Int64
  var agent: AgentID
  var lock: LockID
  /// Semaphore slots given on this line, or 0 when absent.
  var capacity: Int32
  /// Lease granted on this line in nanoseconds, or -1 when absent.
  var leaseNanos: Int64
  /// Fencing token, meaningful only when `hasToken`.
  var token: Int64
  var hasToken: Bool
  var source: SourceLocation
  /// Where this line's `trace_id`/`span_id` wait in `TraceContexts` (-1: none, or not
  /// captured). An index, not strings, so an event stays free to copy.
  var traceSlot: Int32 = -1
  /// `site`: where in the code, an id in `EventParser.sites` (-1: none); the OTLP reader
  /// fills it from the span's `code.*` attributes. Aggregated by `SiteAnalyzer`.
  var site: Int32 = -1
  /// `expected_ms` on an acquire, in nanoseconds (-1: none). Carried, not yet analysed.
  var expectedNanos: Int64 = -1

  init(
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
