/// Turns one OTLP/JSON `ExportTraceServiceRequest` line into the lock events of its spans
/// (SPEC §1b): bytes in, events out, names interned straight from the line.
///
/// A span with the attribute `lock.name` is one lock use: its start is the `request`, its
/// `lock.acquired` event the `acquire`, its end the `release` (or, never acquired, the
/// `timeout`/`cancel` of `lock.outcome`); `lock.renewed`/`lock.expired` events are `renew`/
/// `expire`. Other spans are counted as ignored. Key order inside objects is free, as JSON
/// allows: a span's events may come before its attributes, a resource after its spans.
final class OTLPSpanParser {
  let agents: NameTable
  let locks: NameTable
  let sites: NameTable
  /// Whether trace and span ids are kept (an output asked for trace contexts).
  var capturingTraces = false

  /// The events of the lines parsed so far, each `traceSlot` an index into `contexts`
  /// (or -1) until the events are handed to the engine.
  var events: [LockEvent] = []
  var contexts: [TraceContexts.Context] = []
  /// Spans read with `lock.name`, and without (ignored).
  private(set) var lockSpans: Int64 = 0
  private(set) var ignoredSpans: Int64 = 0

  private var scratch: [UInt8] = []
  /// Reused for names that contain escapes (`NameTable.intern(_:decodingInto:lineStart:)`).
  private var nameBytes = JSONBytes(capacity: 64)
  private var joined: [UInt8] = []
  private var marks: [LockMark] = []
  private var source = SourceLocation(input: 0, line: 0)

  init(agents: NameTable, locks: NameTable, sites: NameTable) {
    self.agents = agents
    self.locks = locks
    self.sites = sites
  }

  /// What the parser holds after some lines: a bad line is rolled back to its start.
  struct Mark {
    var events, contexts, agents, locks, sites: Int
    var lockSpans, ignoredSpans: Int64
  }

  func mark() -> Mark {
    Mark(
      events: events.count, contexts: contexts.count, agents: agents.count, locks: locks.count, sites: sites.count,
      lockSpans: lockSpans, ignoredSpans: ignoredSpans)
  }

  /// Forgets everything a line that turned out bad added: its events, spans and names.
  func rollBack(to mark: Mark) {
    events.removeSubrange(mark.events...)
    contexts.removeSubrange(mark.contexts...)
    agents.truncate(to: mark.agents)
    locks.truncate(to: mark.locks)
    sites.truncate(to: mark.sites)
    lockSpans = mark.lockSpans
    ignoredSpans = mark.ignoredSpans
  }

  // MARK: Keys

  private let requestKeys = ByteMatcher(["resourceSpans", "resource_spans"])

  private enum ResourceSpansKey: Int { case resource, scopeSpans }
  private let resourceSpansKeys = ByteMatcher(["resource", "scopeSpans", "scope_spans", "instrumentationLibrarySpans"])
  private let resourceKeys = ByteMatcher(["attributes"])
  private let scopeSpansKeys = ByteMatcher(["spans"])

  private enum SpanKey: Int { case traceID, spanID, start, end, attributes, events }
  private let spanKeys = ByteMatcher([
    "traceId", "spanId", "startTimeUnixNano", "endTimeUnixNano", "attributes", "events",
    "trace_id", "span_id", "start_time_unix_nano", "end_time_unix_nano",
  ])

  private enum EventKey: Int { case time, name, attributes }
  private let eventKeys = ByteMatcher(["timeUnixNano", "name", "attributes", "time_unix_nano"])
  private let eventNames = ByteMatcher(["lock.acquired", "lock.renewed", "lock.expired"])

  private let keyValueKeys = ByteMatcher(["key", "value"])
  private enum ValueKey: Int { case string, int, double }
  private let valueKeys = ByteMatcher([
    "stringValue", "intValue", "doubleValue", "string_value", "int_value", "double_value",
  ])

  /// The attributes lockscope reads, on spans, span events and resources.
  enum Attribute: Int, CaseIterable {
    case lockName, lockAgent, lockMode, lockCapacity, lockLeaseMs, lockToken, lockExpectedMs, lockOutcome
    case threadName, threadID, codeFunction, codeFile, codeLine
    case serviceInstanceID, serviceName

    var key: String {
      switch self {
      case .lockName: "lock.name"
      case .lockAgent: "lock.agent"
      case .lockMode: "lock.mode"
      case .lockCapacity: "lock.capacity"
      case .lockLeaseMs: "lock.lease_ms"
      case .lockToken: "lock.token"
      case .lockExpectedMs: "lock.expected_ms"
      case .lockOutcome: "lock.outcome"
      case .threadName: "thread.name"
      case .threadID: "thread.id"
      case .codeFunction: "code.function.name"
      case .codeFile: "code.file.path"
      case .codeLine: "code.line.number"
      case .serviceInstanceID: "service.instance.id"
      case .serviceName: "service.name"
      }
    }
  }

  /// The current attribute names, then the names semantic conventions before 1.30 used.
  private let attributeKeys = ByteMatcher(
    Attribute.allCases.map(\.key) + ["code.function", "code.filepath", "code.lineno"])
  private static func attribute(_ index: Int) -> Attribute? {
    switch index {
    case Attribute.allCases.count: .codeFunction
    case Attribute.allCases.count + 1: .codeFile
    case Attribute.allCases.count + 2: .codeLine
    default: Attribute(rawValue: index)
    }
  }

  private let modes = ByteMatcher(["exclusive", "shared"])
  private let outcomes = ByteMatcher(["timeout", "cancel"])

  // MARK: Values

  /// An attribute's value (`AnyValue`), pointing into the line.
  enum Value {
    case absent
    case string(JSONScanner.StringToken)
    /// A number, with the bytes it was written as (for names built from it).
    case number(DecimalNumber, text: JSONScanner.StringToken)
    /// A boolean, bytes, an array or a key-value list: nothing lockscope reads.
    case other
    /// A value that breaks protobuf's JSON mapping: a fault only if lockscope reads it.
    case invalid(LineError.Reason, column: Int)
  }

  /// The attributes read, by `Attribute` raw value.
  struct Attributes {
    var values = [Value](repeating: .absent, count: Attribute.allCases.count)
    subscript(_ attribute: Attribute) -> Value { values[attribute.rawValue] }
  }

  /// A lock event of a span (`lock.acquired` …), before it is placed among the span's events.
  private struct LockMark {
    var kind: EventKind
    var time: Int64
    var leaseNanos: Int64
    var token: Int64?
    var mode: LockMode?
    var capacity: Int32
    var expectedNanos: Int64
    var column: Int
  }

  // MARK: Parsing

  /// Parses one line, appending its events; returns false for a blank line. On a throw,
  /// the caller discards what the line appended (`mark`/`rollBack`).
  func parse(_ line: UnsafeBufferPointer<UInt8>, source: SourceLocation) throws(LineError) -> Bool {
    guard let base = line.baseAddress else { return false }
    self.source = source
    var scanner = JSONScanner(start: base, end: base + line.count)
    scanner.skipWhitespace()
    if scanner.atEnd { return false }
    guard scanner.peek == UInt8(ascii: "{") else {
      throw scanner.error(.notAnOTLPRequest)
    }
    try scanner.enterObject("the request")
    var first = true
    var sawResourceSpans = false
    while let key = try scanner.nextKey(&first) {
      if try match(key, requestKeys, scanner) >= 0 {  // either spelling
        sawResourceSpans = true
        if try scanner.skipNull() { continue }
        try scanner.enterArray("\"resourceSpans\"")
        var firstElement = true
        while try scanner.nextElement(&firstElement) {
          try parseResourceSpans(&scanner)
        }
      } else {
        try scanner.skipValue(depth: 1)
      }
    }
    scanner.skipWhitespace()
    guard scanner.atEnd else { throw scanner.error(.trailingCharacters) }
    guard sawResourceSpans else {
      throw LineError(.noResourceSpans)
    }
    return true
  }

  private func parseResourceSpans(_ scanner: inout JSONScanner) throws(LineError) {
    try scanner.enterObject("an element of \"resourceSpans\"")
    var resource = Attributes()
    var sawResource = false
    // Where `scopeSpans` begins when it came before `resource`: read once the resource is known.
    var deferred: [UnsafePointer<UInt8>] = []
    var first = true
    while let key = try scanner.nextKey(&first) {
      switch try match(key, resourceSpansKeys, scanner) {
      case 0:
        sawResource = true
        if try scanner.skipNull() { continue }
        try scanner.enterObject("\"resource\"")
        var firstMember = true
        while let member = try scanner.nextKey(&firstMember) {
          if try match(member, resourceKeys, scanner) == 0 {
            try parseAttributes(&scanner, into: &resource)
          } else {
            try scanner.skipValue(depth: 2)
          }
        }
      case 1, 2, 3:
        if sawResource {
          try parseScopeSpansArray(&scanner, resource: resource)
        } else {
          scanner.skipWhitespace()
          deferred.append(scanner.position)
          try scanner.skipValue(depth: 1)
        }
      default:
        try scanner.skipValue(depth: 1)
      }
    }
    for start in deferred {
      var again = scanner
      again.position = start
      try parseScopeSpansArray(&again, resource: resource)
    }
  }

  private func parseScopeSpansArray(_ scanner: inout JSONScanner, resource: Attributes) throws(LineError) {
    if try scanner.skipNull() { return }
    try scanner.enterArray("\"scopeSpans\"")
    var firstScope = true
    while try scanner.nextElement(&firstScope) {
      try scanner.enterObject("an element of \"scopeSpans\"")
      var first = true
      while let key = try scanner.nextKey(&first) {
        guard try match(key, scopeSpansKeys, scanner) == 0 else {
          try scanner.skipValue(depth: 2)
          continue
        }
        if try scanner.skipNull() { continue }
        try scanner.enterArray("\"spans\"")
        var firstSpan = true
        while try scanner.nextElement(&firstSpan) {
          try parseSpan(&scanner, resource: resource)
        }
      }
    }
  }

  private func parseSpan(_ scanner: inout JSONScanner, resource: Attributes) throws(LineError) {
    scanner.skipWhitespace()
    let spanColumn = scanner.position - scanner.start + 1
    try scanner.enterObject("a span")
    var attributes = Attributes()
    var traceID: JSONScanner.StringToken?
    var spanID: JSONScanner.StringToken?
    var start: Int64?
    var end: Int64?
    marks.removeAll(keepingCapacity: true)
    var first = true
    while let key = try scanner.nextKey(&first) {
      let index = try match(key, spanKeys, scanner)
      // The proto field names (snake_case) follow the six lowerCamelCase keys.
      let field = index < 0 ? nil : SpanKey(rawValue: index >= 6 ? index - 6 : index)
      switch field {
      case .traceID?, .spanID?:
        scanner.skipWhitespace()
        let column = scanner.position - scanner.start + 1
        let value = try scanner.scanScalar()
        guard case .string(let text) = value else {
          if case .null = value { continue }
          throw LineError(.notHex(key: field == .traceID ? "traceId" : "spanId"), column: column)
        }
        if field == .traceID { traceID = text } else { spanID = text }
      case .start?:
        start = try time(&scanner, name: "startTimeUnixNano")
      case .end?:
        end = try time(&scanner, name: "endTimeUnixNano")
      case .attributes?:
        try parseAttributes(&scanner, into: &attributes)
      case .events?:
        if try scanner.skipNull() { continue }
        try scanner.enterArray("\"events\"")
        var firstEvent = true
        while try scanner.nextElement(&firstEvent) {
          try parseEvent(&scanner)
        }
      case nil:
        try scanner.skipValue(depth: 3)
      }
    }
    guard case .string(let lockName) = attributes[.lockName] else {
      if case .absent = attributes[.lockName] {
        ignoredSpans += 1
        return
      }
      throw LineError(.spanAttributeNotAString(key: "lock.name"), column: spanColumn)
    }
    lockSpans += 1
    try emit(
      lock: lockName, attributes: attributes, resource: resource, start: start, end: end, traceID: traceID,
      spanID: spanID, column: spanColumn, lineStart: scanner.start)
  }

  /// A span event: kept as a mark when it is one of the lock events.
  private func parseEvent(_ scanner: inout JSONScanner) throws(LineError) {
    scanner.skipWhitespace()
    let column = scanner.position - scanner.start + 1
    try scanner.enterObject("a span event")
    var attributes = Attributes()
    var time: Int64?
    var kind: EventKind?
    var first = true
    while let key = try scanner.nextKey(&first) {
      let index = try match(key, eventKeys, scanner)
      switch index {
      case 0, 3: time = try self.time(&scanner, name: "timeUnixNano")
      case 1:
        scanner.skipWhitespace()
        let valueColumn = scanner.position - scanner.start + 1
        guard case .string(let name) = try scanner.scanScalar() else {
          throw LineError(.spanEventNameNotAString, column: valueColumn)
        }
        switch try match(name, eventNames, scanner) {
        case 0: kind = .acquire
        case 1: kind = .renew
        case 2: kind = .expire
        default: kind = nil
        }
      case 2: try parseAttributes(&scanner, into: &attributes)
      default: try scanner.skipValue(depth: 4)
      }
    }
    guard let kind else { return }
    guard let time else { throw LineError(.missing(field: "timeUnixNano", in: "span event"), column: column) }
    marks.append(
      LockMark(
        kind: kind, time: time, leaseNanos: try milliseconds(attributes, .lockLeaseMs, column: column),
        token: try integer(attributes, .lockToken, column: column), mode: try mode(attributes, column: column),
        capacity: try capacity(attributes, column: column),
        expectedNanos: try milliseconds(attributes, .lockExpectedMs, column: column), column: column))
  }

  /// `[{"key": …, "value": {…}}, …]` into `attributes` (the attributes lockscope reads; the
  /// rest are checked and skipped).
  private func parseAttributes(_ scanner: inout JSONScanner, into attributes: inout Attributes) throws(LineError) {
    if try scanner.skipNull() { return }
    try scanner.enterArray("\"attributes\"")
    var firstElement = true
    while try scanner.nextElement(&firstElement) {
      try scanner.enterObject("an attribute")
      var key: JSONScanner.StringToken?
      var value = Value.absent
      var first = true
      while let member = try scanner.nextKey(&first) {
        switch try match(member, keyValueKeys, scanner) {
        case 0:
          scanner.skipWhitespace()
          let column = scanner.position - scanner.start + 1
          guard case .string(let text) = try scanner.scanScalar() else {
            throw LineError(.attributeKeyNotAString, column: column)
          }
          key = text
        case 1:
          value = try parseValue(&scanner)
        default:
          try scanner.skipValue(depth: 5)
        }
      }
      if let key, let attribute = OTLPSpanParser.attribute(try match(key, attributeKeys, scanner)) {
        if case .invalid(let reason, let column) = value { throw LineError(.attribute(key: attribute.key, reason), column: column) }
        attributes.values[attribute.rawValue] = value
      }
    }
  }

  /// An `AnyValue`: `{"stringValue": …}`, `{"intValue": "5"}` (int64 as a string, or a
  /// number), `{"doubleValue": 1.5}`; anything else is `.other`.
  private func parseValue(_ scanner: inout JSONScanner) throws(LineError) -> Value {
    if try scanner.skipNull() { return .absent }
    try scanner.enterObject("an attribute's \"value\"")
    var value = Value.other
    var first = true
    while let key = try scanner.nextKey(&first) {
      let index = try match(key, valueKeys, scanner)
      guard index >= 0, let kind = ValueKey(rawValue: index % 3) else {
        try scanner.skipValue(depth: 6)
        continue
      }
      scanner.skipWhitespace()
      let valueStart = scanner.position
      let column = valueStart - scanner.start + 1
      let scalar = try scanner.scanScalar()
      switch (kind, scalar) {
      case (.string, .string(let text)):
        value = .string(text)
      case (.int, .string(let text)), (.double, .string(let text)):
        // int64 (and a double's NaN/Infinity) are strings in protobuf's JSON mapping.
        guard let number = OTLPSpanParser.number(in: text) else {
          value = kind == .double ? .other : .invalid(.intValueNotAnInteger, column: column)
          continue
        }
        value = .number(number, text: text)
      case (.int, .number(let number)), (.double, .number(let number)):
        value = .number(number, text: .init(start: valueStart, count: scanner.position - valueStart, hasEscapes: false))
      case (_, .null):
        continue
      default:
        value = .invalid(.wrongAttributeType, column: column)
      }
    }
    return value
  }

  /// A time in nanoseconds since the epoch: a string of decimal digits (protobuf's JSON
  /// mapping of fixed64) or a number.
  private func time(_ scanner: inout JSONScanner, name: String) throws(LineError) -> Int64? {
    scanner.skipWhitespace()
    let column = scanner.position - scanner.start + 1
    let number: DecimalNumber
    switch try scanner.scanScalar() {
    case .null: return nil
    case .number(let value): number = value
    case .string(let text):
      guard let value = OTLPSpanParser.number(in: text) else {
        throw LineError(.notNanoseconds(key: name), column: column)
      }
      number = value
    default:
      throw LineError(.notNanoseconds(key: name), column: column)
    }
    guard !number.negative, let nanos = number.scaled(byPowerOfTen: 0), Timestamp.supported.contains(nanos) else {
      throw LineError(.outsideYears(key: name), column: column)
    }
    return nanos
  }

  /// The number a string token spells, whole (no escapes, nothing after it).
  private static func number(in text: JSONScanner.StringToken) -> DecimalNumber? {
    guard !text.hasEscapes, text.count > 0 else { return nil }
    var inner = JSONScanner(start: text.start, end: text.start + text.count)
    guard let number = try? inner.scanNumber(), inner.atEnd else { return nil }
    return number
  }

  // MARK: Attribute values

  private func milliseconds(_ attributes: Attributes, _ attribute: Attribute, column: Int) throws(LineError) -> Int64 {
    switch attributes[attribute] {
    case .absent: return -1
    case .number(let number, _):
      guard !number.negative, let nanos = number.scaled(byPowerOfTen: 6) else { break }
      return nanos
    case .string(let text):
      guard let number = OTLPSpanParser.number(in: text), !number.negative, let nanos = number.scaled(byPowerOfTen: 6) else { break }
      return nanos
    case .other, .invalid: break
    }
    throw LineError(.notMilliseconds(key: attribute.key), column: column)
  }

  private func integer(_ attributes: Attributes, _ attribute: Attribute, column: Int) throws(LineError) -> Int64? {
    let number: DecimalNumber?
    switch attributes[attribute] {
    case .absent: return nil
    case .number(let value, _): number = value
    case .string(let text): number = OTLPSpanParser.number(in: text)
    case .other, .invalid: number = nil
    }
    guard let number, number.isInteger, let value = number.scaled(byPowerOfTen: 0) else {
      throw LineError(.notAnInteger(key: attribute.key), column: column)
    }
    return value
  }

  private func capacity(_ attributes: Attributes, column: Int) throws(LineError) -> Int32 {
    guard let slots = try integer(attributes, .lockCapacity, column: column) else { return 0 }
    guard slots >= 1, slots <= Int64(Int32.max) else {
      throw LineError(.notACapacity(key: "lock.capacity"), column: column)
    }
    return Int32(slots)
  }

  private func mode(_ attributes: Attributes, column: Int) throws(LineError) -> LockMode? {
    switch attributes[.lockMode] {
    case .absent: return nil
    case .string(let text):
      switch try match(text, modes, nil) {
      case 0: return .exclusive
      case 1: return .shared
      default: break
      }
    default: break
    }
    throw LineError(.notAMode(key: "lock.mode"), column: column)
  }

  // MARK: Events

  /// The events of one lock span, in the span's own order, each time kept inside the span.
  private func emit(
    lock lockName: JSONScanner.StringToken, attributes: Attributes, resource: Attributes, start: Int64?, end: Int64?,
    traceID: JSONScanner.StringToken?, spanID: JSONScanner.StringToken?, column: Int, lineStart: UnsafePointer<UInt8>
  ) throws(LineError) {
    guard let start else { throw LineError(.missing(field: "startTimeUnixNano", in: "lock span"), column: column) }
    guard let end else { throw LineError(.missing(field: "endTimeUnixNano", in: "lock span"), column: column) }
    guard end >= start else { throw LineError(.spanEndsBeforeStart, column: column) }
    let lock = LockID(try locks.intern(lockName, decodingInto: &nameBytes, lineStart: lineStart))
    let agent = AgentID(try agentID(attributes, resource: resource, column: column, lineStart: lineStart))
    let site = try siteID(attributes, column: column, lineStart: lineStart)
    let spanMode = try self.mode(attributes, column: column) ?? .exclusive
    let spanCapacity = try self.capacity(attributes, column: column)
    let lease = try milliseconds(attributes, .lockLeaseMs, column: column)
    let token = try integer(attributes, .lockToken, column: column)
    let expected = try milliseconds(attributes, .lockExpectedMs, column: column)

    var slot: Int32 = -1
    if capturingTraces {
      slot = Int32(truncatingIfNeeded: contexts.count)
      contexts.append(
        TraceContexts.Context(
          traceID: try text(traceID, lineStart: lineStart), spanID: try text(spanID, lineStart: lineStart)))
    }
    // Span events are kept in the order they were recorded; a writer that sorted them
    // differently is put right by time, ties in recorded order.
    if marks.count > 1 && !marks.indices.dropFirst().allSatisfy({ marks[$0 - 1].time <= marks[$0].time }) {
      marks = marks.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
    // The mode and slots the lock was taken with are those it was asked for.
    let taken = marks.first { $0.kind == .acquire }
    let mode = taken?.mode ?? spanMode
    let capacity = taken.map { $0.capacity > 0 ? $0.capacity : spanCapacity } ?? spanCapacity
    func event(_ kind: EventKind, at time: Int64) -> LockEvent {
      var event = LockEvent(
        kind: kind, mode: mode, time: min(max(time, start), end), agent: agent, lock: lock, capacity: capacity,
        source: source)
      event.traceSlot = slot
      event.site = site
      return event
    }

    events.append(event(.request, at: start))
    var acquired = false
    var expired = false
    for mark in marks {
      var lockEvent = event(mark.kind, at: mark.time)
      switch mark.kind {
      case .acquire:
        guard !acquired else { throw LineError(.twoAcquiredEvents, column: mark.column) }
        acquired = true
        lockEvent.leaseNanos = mark.leaseNanos >= 0 ? mark.leaseNanos : lease
        if let given = mark.token ?? token {
          lockEvent.token = given
          lockEvent.hasToken = true
        }
        lockEvent.expectedNanos = mark.expectedNanos >= 0 ? mark.expectedNanos : expected
      case .renew:
        lockEvent.leaseNanos = mark.leaseNanos >= 0 ? mark.leaseNanos : lease
      default:
        expired = true
      }
      events.append(lockEvent)
    }
    if acquired {
      if !expired { events.append(event(.release, at: end)) }
      return
    }
    var outcome = 0  // a failed attempt that does not say how timed out
    if case .string(let text) = attributes[.lockOutcome] {
      outcome = try match(text, outcomes, nil)
    } else if !attributes[.lockOutcome].isAbsent {
      outcome = -1
    }
    guard outcome >= 0 else {
      throw LineError(.noOutcome, column: column)
    }
    events.append(event(outcome == 0 ? .timeout : .cancel, at: end))
  }

  /// `lock.agent`; else the resource (`service.instance.id`, else `service.name`) with the
  /// span's thread before it, `THREAD@RESOURCE` as lockscope_events.py names agents.
  private func agentID(_ attributes: Attributes, resource: Attributes, column: Int, lineStart: UnsafePointer<UInt8>)
    throws(LineError) -> Int32
  {
    switch attributes[.lockAgent] {
    case .absent: break
    case .string(let name): return try agents.intern(name, decodingInto: &nameBytes, lineStart: lineStart)
    default: throw LineError(.notAString(key: "lock.agent", actual: nil), column: column)
    }
    joined.removeAll(keepingCapacity: true)
    let thread: Attribute = attributes[.threadName].isAbsent ? .threadID : .threadName
    if !attributes[thread].isAbsent {
      try append(attributes[thread], thread.key, column: column, lineStart: lineStart)
      joined.append(UInt8(ascii: "@"))
    }
    if !resource[.serviceInstanceID].isAbsent {
      try append(resource[.serviceInstanceID], "service.instance.id", column: column, lineStart: lineStart)
    } else if !resource[.serviceName].isAbsent {
      try append(resource[.serviceName], "service.name", column: column, lineStart: lineStart)
    } else {
      // What the OpenTelemetry SDKs report for a service that did not name itself.
      joined.append(contentsOf: "unknown_service".utf8)
    }
    joined.append(0)  // keeps the base address valid for an empty name
    defer { joined.removeLast() }
    return joined.withUnsafeBufferPointer { agents.intern($0.baseAddress!, $0.count - 1) }  // non-empty: has the 0
  }

  /// `code.file.path:code.line.number code.function.name`, with what is there; -1 for none.
  private func siteID(_ attributes: Attributes, column: Int, lineStart: UnsafePointer<UInt8>) throws(LineError) -> Int32 {
    let file = attributes[.codeFile]
    let line = attributes[.codeLine]
    let function = attributes[.codeFunction]
    guard !file.isAbsent || !function.isAbsent else { return -1 }
    joined.removeAll(keepingCapacity: true)
    if !file.isAbsent {
      try append(file, "code.file.path", column: column, lineStart: lineStart)
      if !line.isAbsent {
        joined.append(UInt8(ascii: ":"))
        guard let number = try integer(attributes, .codeLine, column: column) else { return -1 }
        joined.append(contentsOf: String(number).utf8)
      }
    }
    if !function.isAbsent {
      if !joined.isEmpty { joined.append(UInt8(ascii: " ")) }
      try append(function, "code.function.name", column: column, lineStart: lineStart)
    }
    joined.append(0)  // keeps the base address valid for an empty name
    defer { joined.removeLast() }
    return joined.withUnsafeBufferPointer { sites.intern($0.baseAddress!, $0.count - 1) }  // non-empty: has the 0
  }

  /// Appends a name's text (a string decoded, a number as written) to `joined`.
  private func append(_ value: Value, _ key: String, column: Int, lineStart: UnsafePointer<UInt8>) throws(LineError) {
    switch value {
    case .string(let text) where text.hasEscapes:
      try JSONScanner.unescape(text, into: &scratch, lineStart: lineStart)
      joined.append(contentsOf: scratch)
    case .string(let text), .number(_, let text):
      joined.append(contentsOf: UnsafeBufferPointer(start: text.start, count: text.count))
    default:
      throw LineError(.notAString(key: key, actual: nil), column: column)
    }
  }

  private func text(_ token: JSONScanner.StringToken?, lineStart: UnsafePointer<UInt8>) throws(LineError) -> String? {
    guard let token else { return nil }
    if !token.hasEscapes { return String(decoding: UnsafeBufferPointer(start: token.start, count: token.count), as: UTF8.self) }
    try JSONScanner.unescape(token, into: &scratch, lineStart: lineStart)
    return String(decoding: scratch, as: UTF8.self)
  }

  /// The index of `token` among `matcher`'s names (escapes decoded first), or -1.
  private func match(_ token: JSONScanner.StringToken, _ matcher: ByteMatcher, _ scanner: JSONScanner?) throws(LineError) -> Int {
    if !token.hasEscapes {
      return matcher.index(token.start, token.count, readable: scanner.map { $0.end - token.start } ?? 0)
    }
    try JSONScanner.unescape(token, into: &scratch, lineStart: scanner?.start ?? token.start)
    return scratch.withUnsafeBufferPointer { $0.isEmpty ? -1 : matcher.index($0.baseAddress!, $0.count) }  // non-empty checked
  }
}

extension OTLPSpanParser.Value {
  var isAbsent: Bool {
    if case .absent = self { return true }
    return false
  }
}
