/// `timeline --format json`: one JSON line per wait and hold, written as each ends (so the
/// lines are in end-time order), for other tools to take over.
struct IntervalJSONWriter: TimelineObserver {
  let scope: TimelineScope
  let out: StreamWriter
  private var traces: OpenTraces

  init(_ context: LogAnalysis.Context, out: StreamWriter) {
    scope = context
    self.out = out
    traces = OpenTraces(capturing: context.traces)
  }

  var wantsCycles: Bool { false }
  var isDone: Bool { out.isBroken }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    if !bare { traces.opened(event, hold: false) }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    traces.opened(event, hold: true)
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    let context = traces.closed(wait.agent, wait.lock, hold: false, granted: wait.outcome == .granted)
    guard scope.shows(wait.agent, from: wait.start, to: wait.end) else { return }
    write("wait", wait.agent, wait.lock, wait.mode, wait.start, wait.end, wait.outcome.word, wait.source, wait.site, context)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    let context = traces.closed(hold.agent, hold.lock, hold: true)
    guard scope.shows(hold.agent, from: hold.start, to: hold.end) else { return }
    write("hold", hold.agent, hold.lock, hold.mode, hold.start, hold.end, hold.outcome.word, hold.source, hold.site, context)
  }

  private func write(
    _ kind: String, _ agent: AgentID, _ lock: LockID, _ mode: LockMode, _ start: Int64, _ end: Int64, _ outcome: String,
    _ source: SourceLocation, _ site: Int32, _ context: TraceContexts.Context?
  ) {
    var line: [UInt8] = []
    line.reserveCapacity(256)
    func key(_ name: String) {
      line.append(line.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
      JSONWriter.appendString(name, to: &line)
      line.append(UInt8(ascii: ":"))
    }
    key("agent")
    JSONWriter.appendString(scope.agentName(agent), to: &line)
    key("lock")
    JSONWriter.appendString(scope.lockName(lock), to: &line)
    key("kind")
    JSONWriter.appendString(kind, to: &line)
    key("mode")
    JSONWriter.appendString(mode.name, to: &line)
    key("start")
    JSONWriter.appendString(Timestamp.rfc3339(start), to: &line)
    key("end")
    JSONWriter.appendString(Timestamp.rfc3339(end), to: &line)
    key("duration_ns")
    JSONWriter.appendInteger(end - start, to: &line)
    key("ended_by")
    JSONWriter.appendString(scope.endWord(outcome, end: end), to: &line)
    key("source")
    JSONWriter.appendString(scope.source(source), to: &line)
    if let site = scope.siteName(site) {
      key("site")
      JSONWriter.appendString(site, to: &line)
    }
    if let trace = context?.traceID {
      key("trace_id")
      JSONWriter.appendString(trace, to: &line)
    }
    if let span = context?.spanID {
      key("span_id")
      JSONWriter.appendString(span, to: &line)
    }
    line.append(UInt8(ascii: "}"))
    line.append(UInt8(ascii: "\n"))
    out.write(String(decoding: line, as: UTF8.self))
  }
}
