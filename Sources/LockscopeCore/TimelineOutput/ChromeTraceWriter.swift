/// `timeline --format chrome`: the Chrome Trace Event Format (JSON) that Perfetto UI and
/// chrome://tracing open. Each agent is a process track; its waits and holds are complete
/// slices ("X") named by the lock, on as many lanes (threads) as it had intervals open at
/// once, so overlapping holds never mis-nest. A flow arrow joins each release to the
/// acquire it let through; findings are instant events. Slices are written as they end:
/// the trace streams out, whatever the log's length.
///
/// Times are microseconds since the first event (`otherData.start` gives it in RFC 3339),
/// with nanosecond decimals: absolute epoch microseconds would lose them in a double.
struct ChromeTraceWriter: TimelineObserver {
  let scope: TimelineScope
  let out: StreamWriter
  private var traces: OpenTraces
  private var origin: Int64?
  private var wroteEvent = false
  /// Per agent, which lanes are busy; an interval takes the lowest free one.
  private var lanes: [[Bool]] = []
  /// Open intervals: their lane (key as in `OpenTraces`).
  private var openLanes: [Int64: Int] = [:]
  /// Per lock, the last release not yet followed by an acquire: where a hand-off starts.
  private var lastRelease: [Int32: (agent: AgentID, lane: Int, holdStart: Int64, time: Int64)] = [:]
  private var nextFlow = 1
  /// Agents that got a track, for the names written at the end.
  private var tracked: [Bool] = []

  var wantsCycles: Bool { false }
  var isDone: Bool { out.isBroken }

  init(_ context: LogAnalysis.Context, out: StreamWriter) {
    scope = context
    self.out = out
    traces = OpenTraces(capturing: context.traces)
  }

  private static func key(_ agent: AgentID, _ lock: LockID, hold: Bool) -> Int64 { OpenTraces.key(agent, lock, hold: hold) }

  // MARK: Intervals

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    begin(time)
    guard !bare else { return }
    traces.opened(event, hold: false)
    openLanes[Self.key(event.agent, event.lock, hold: false)] = takeLane(event.agent)
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    begin(time)
    traces.opened(event, hold: true)
    let lane = takeLane(event.agent)
    openLanes[Self.key(event.agent, event.lock, hold: true)] = lane
    // A hand-off: the lock went from the last releaser straight to a waiter.
    if wait > 0, let release = lastRelease.removeValue(forKey: event.lock.rawValue), release.agent != event.agent,
      scope.shows(event.agent, from: time, to: time), scope.shows(release.agent, from: release.time, to: release.time)
    {
      let id = nextFlow
      nextFlow += 1
      let name = "hand-off \(scope.lockName(event.lock))"
      emit(flow: "s", id: id, name: name, agent: release.agent, lane: release.lane, time: clip(release.holdStart))
      emit(flow: "f", id: id, name: name, agent: event.agent, lane: lane, time: clip(time))
    } else if wait == 0 {
      lastRelease[event.lock.rawValue] = nil
    }
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    let context = traces.closed(wait.agent, wait.lock, hold: false, granted: wait.outcome == .granted)
    let lane = openLanes.removeValue(forKey: Self.key(wait.agent, wait.lock, hold: false)) ?? 0
    freeLane(wait.agent, lane)
    // A wait of zero (the lock was free) would be an invisible slice: its hold says it all.
    guard wait.end > wait.start, scope.shows(wait.agent, from: wait.start, to: wait.end) else { return }
    slice(
      category: "wait", agent: wait.agent, lock: wait.lock, lane: lane, start: wait.start, end: wait.end, mode: wait.mode,
      outcome: wait.outcome.word, source: wait.source, site: wait.site, context: context)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    let context = traces.closed(hold.agent, hold.lock, hold: true)
    let lane = openLanes.removeValue(forKey: Self.key(hold.agent, hold.lock, hold: true)) ?? 0
    freeLane(hold.agent, lane)
    if hold.outcome == .released {
      lastRelease[hold.lock.rawValue] = (hold.agent, lane, hold.start, hold.end)
    }
    guard scope.shows(hold.agent, from: hold.start, to: hold.end) else { return }
    slice(
      category: "hold", agent: hold.agent, lock: hold.lock, lane: lane, start: hold.start, end: hold.end, mode: hold.mode,
      outcome: hold.outcome.word, source: hold.source, site: hold.site, context: context)
  }

  // MARK: Writing

  /// The file's head, at the first event (its time is the origin).
  private mutating func begin(_ time: Int64) {
    guard origin == nil else { return }
    origin = max(time, scope.selection.since)
    out.write(
      "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"lockscope \(LockscopeCLI.version)\",\"start\":\"\(Timestamp.rfc3339(origin!))\"},\"traceEvents\":[\n"
    )
  }

  /// The findings as instant events, the track names, and the end of the file.
  mutating func finish(findings: [Finding]) {
    if origin == nil {
      out.write(
        "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"lockscope \(LockscopeCLI.version)\",\"start\":null},\"traceEvents\":[\n"
      )
      origin = 0
    }
    for finding in findings where finding.time >= scope.selection.since && finding.time <= scope.selection.until {
      var args: [UInt8] = []
      object(
        &args,
        [
          ("severity", .string(finding.severity.rawValue)), ("message", .string(finding.message)),
          ("locks", .array(finding.locks.map(JSONValue.string))), ("source", .string(finding.source)),
        ])
      let agents = finding.agentIDs.prefix(8).filter { scope.selection.includes($0) }
      if agents.isEmpty {
        event(
          "{\"ph\":\"i\",\"s\":\"g\",\"name\":\(quoted(finding.kind.rawValue)),\"cat\":\"finding\",\"pid\":0,\"tid\":0,\"ts\":\(micros(finding.time)),\"args\":\(text(args))}"
        )
      }
      for agent in agents {
        track(agent)
        event(
          "{\"ph\":\"i\",\"s\":\"p\",\"name\":\(quoted(finding.kind.rawValue)),\"cat\":\"finding\",\"pid\":\(pid(agent)),\"tid\":1,\"ts\":\(micros(finding.time)),\"args\":\(text(args))}"
        )
      }
    }
    for (index, seen) in tracked.enumerated() where seen {
      let agent = AgentID(Int32(index))
      event("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":\(pid(agent)),\"args\":{\"name\":\(quoted(scope.agentName(agent)))}}")
      let laneCount = index < lanes.count ? max(1, lanes[index].count) : 1
      for lane in 0..<laneCount {
        let name = lane == 0 ? "locks" : "locks \(lane + 1)"
        event("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":\(pid(agent)),\"tid\":\(lane + 1),\"args\":{\"name\":\"\(name)\"}}")
      }
    }
    out.write("\n]}\n")
  }

  private mutating func slice(
    category: String, agent: AgentID, lock: LockID, lane: Int, start: Int64, end: Int64, mode: LockMode, outcome: String,
    source: SourceLocation, site: Int32, context: TraceContexts.Context?
  ) {
    track(agent)
    let (from, to) = (clip(start), clip(end))
    var fields: [(String, JSONValue)] = [
      ("lock", .string(scope.lockName(lock))), ("mode", .string(mode.name)), ("duration_ns", .int(end - start)),
      ("ended_by", .string(scope.endWord(outcome, end: end))), ("source", .string(scope.source(source))),
    ]
    if from != start || to != end {
      fields += [("start", .string(Timestamp.rfc3339(start))), ("end", .string(Timestamp.rfc3339(end)))]
    }
    if let site = scope.siteName(site) { fields.append(("site", .string(site))) }
    if let trace = context?.traceID { fields.append(("trace_id", .string(trace))) }
    if let span = context?.spanID { fields.append(("span_id", .string(span))) }
    var args: [UInt8] = []
    object(&args, fields)
    event(
      "{\"ph\":\"X\",\"name\":\(quoted(scope.lockName(lock))),\"cat\":\"\(category)\",\"pid\":\(pid(agent)),\"tid\":\(lane + 1),\"ts\":\(micros(from)),\"dur\":\(micros(to, from: from)),\"args\":\(text(args))}"
    )
  }

  private mutating func emit(flow phase: String, id: Int, name: String, agent: AgentID, lane: Int, time: Int64) {
    track(agent)
    let binding = phase == "f" ? ",\"bp\":\"e\"" : ""
    event(
      "{\"ph\":\"\(phase)\",\"id\":\(id),\"name\":\(quoted(name)),\"cat\":\"hold\",\"pid\":\(pid(agent)),\"tid\":\(lane + 1),\"ts\":\(micros(time))\(binding)}"
    )
  }

  private mutating func event(_ json: String) {
    out.write((wroteEvent ? ",\n" : "") + json)
    wroteEvent = true
  }

  private mutating func track(_ agent: AgentID) {
    if agent.index >= tracked.count { tracked.append(contentsOf: repeatElement(false, count: agent.index + 1 - tracked.count)) }
    tracked[agent.index] = true
  }

  private mutating func takeLane(_ agent: AgentID) -> Int {
    if agent.index >= lanes.count { lanes.append(contentsOf: repeatElement([], count: agent.index + 1 - lanes.count)) }
    if let free = lanes[agent.index].firstIndex(of: false) {
      lanes[agent.index][free] = true
      return free
    }
    lanes[agent.index].append(true)
    return lanes[agent.index].count - 1
  }

  private mutating func freeLane(_ agent: AgentID, _ lane: Int) {
    guard agent.index < lanes.count, lane < lanes[agent.index].count else { return }
    lanes[agent.index][lane] = false
  }

  private func pid(_ agent: AgentID) -> Int { agent.index + 1 }

  private func clip(_ time: Int64) -> Int64 { min(max(time, scope.selection.since), scope.selection.until) }

  /// Microseconds since the origin, with three decimals: `1234.567`.
  private func micros(_ time: Int64, from base: Int64? = nil) -> String {
    let nanos = time - (base ?? origin ?? time)
    let sign = nanos < 0 ? "-" : ""
    let magnitude = nanos.magnitude
    let fraction = String(magnitude % 1000)
    return sign + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
  }

  private func quoted(_ text: String) -> String {
    var bytes: [UInt8] = []
    JSONWriter.appendString(text, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  private func object(_ bytes: inout [UInt8], _ fields: [(String, JSONValue)]) {
    var json = JSONWriter(compact: true)
    json.beginObject()
    for (key, value) in fields { json.value(key, value) }
    json.endObject()
    bytes = json.bytes
  }

  private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
