/// Where a streaming output writes as the log is read: text goes out in blocks, not held
/// until the end, so a timeline of a 1 GB log needs no more memory than one of 1 MB.
final class StreamWriter {
  private let sink: (String) throws(TextSink.Stopped) -> Void
  /// Output stopped (the reader went away, or a write failed: the sink has the error): stop reading the log.
  private(set) var isBroken = false

  init(_ sink: @escaping (String) throws(TextSink.Stopped) -> Void) {
    self.sink = sink
  }

  func write(_ text: String) {
    guard !isBroken else { return }
    do {
      try sink(text)
    } catch {
      isBroken = true
    }
  }
}

/// What a timeline output reads of the run: the window it shows, and how to name things in
/// it (the run's `LogAnalysis.Context`, not a copy of it).
typealias TimelineScope = LogAnalysis.Context

extension LogAnalysis.Context {
  /// `FILE:LINE`
  func source(_ location: SourceLocation) -> String {
    location.text(inputNames: inputNames)
  }

  func agentName(_ id: AgentID) -> String { agents.name(id.rawValue) }
  /// The name of a `site` id; nil for -1 (none).
  func siteName(_ id: Int32) -> String? { id >= 0 && Int(id) < sites.count ? sites.name(id) : nil }
  func lockName(_ id: LockID) -> String { locks.name(id.rawValue) }
  /// The names a finding raised on this timeline reads.
  var names: FindingNames { FindingNames(agentName: agentName, lockName: lockName, source: source, siteName: siteName) }

  /// Whether `[start, end]` shows in the window, for an agent the user chose.
  func shows(_ agent: AgentID, from start: Int64, to end: Int64) -> Bool {
    selection.includes(agent) && end >= selection.since && start <= selection.until
  }

  /// How an interval cut by `--until` ended, in words: the log went on, the interval did not end.
  func endWord(_ outcome: String, end: Int64) -> String {
    outcome == "end-of-log" && selection.until != .max && end >= selection.until ? "window-end" : outcome
  }
}

extension WaitOutcome {
  /// As the JSON intervals and the chrome slices name it.
  var word: String {
    switch self {
    case .granted: "granted"
    case .timedOut: "timeout"
    case .cancelled: "cancel"
    case .abandoned: "abandoned"
    case .endOfLog: "end-of-log"
    }
  }
}

extension HoldOutcome {
  var word: String { self == .released ? "release" : cause }
}

/// Remembers the trace context of each open wait and hold, from the event that opened it,
/// until the interval ends: bounded by the open intervals.
struct OpenTraces {
  let traces: TraceContexts
  private var open: [Int64: TraceContexts.Context] = [:]

  /// Following the intervals' contexts needs the parser to keep them (`capturing`).
  init(capturing traces: TraceContexts) {
    traces.capturing = true
    self.traces = traces
  }

  /// One open interval's key: an agent's wait for, or hold of, a lock.
  static func key(_ agent: AgentID, _ lock: LockID, hold: Bool) -> Int64 {
    Int64(agent.rawValue) << 33 | Int64(UInt32(bitPattern: lock.rawValue)) << 1 | (hold ? 1 : 0)
  }

  mutating func opened(_ event: LockEvent, hold: Bool) {
    // A granted wait's context stays until its hold opens: the request's carries over to
    // an acquire line that has none.
    let waited = hold ? open.removeValue(forKey: Self.key(event.agent, event.lock, hold: false)) : nil
    if let context = traces.context(event.traceSlot) ?? waited {
      open[Self.key(event.agent, event.lock, hold: hold)] = context
    }
  }

  /// The context of an interval that ended; a granted wait's is kept for its hold.
  mutating func closed(_ agent: AgentID, _ lock: LockID, hold: Bool, granted: Bool = false) -> TraceContexts.Context? {
    let key = Self.key(agent, lock, hold: hold)
    return granted ? open[key] : open.removeValue(forKey: key)
  }
}
