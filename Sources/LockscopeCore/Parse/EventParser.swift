import Foundation

/// Turns one JSON object line into a `LockEvent`: bytes in, integers out.
///
/// Agent and lock names are interned straight from the line's bytes (after decoding
/// escapes, when there are any); the only allocation on the success path is the first
/// sight of a new name.
final class EventParser {
  let fieldMap: FieldMap
  let agents: NameTable
  let locks: NameTable
  /// Names of `site` values (`LockEvent.site`).
  let sites = NameTable()
  private let keyMatcher: ByteMatcher
  private let eventMatcher: ByteMatcher
  private let modeMatcher = ByteMatcher(["exclusive", "shared"])
  /// Reused for keys and timestamps that contain escapes.
  private var scratch: [UInt8] = []
  /// Reused for names that contain escapes (`NameTable.intern(_:decodingInto:lineStart:)`).
  private var nameBytes = JSONBytes(capacity: 64)
  /// Consecutive lines share their date, hour and minute; this skips re-reading them.
  private var timestamps: RFC3339Reader
  /// `trace_id`/`span_id` of the events in flight, kept only when an output wants them.
  let traces = TraceContexts()
  private var pendingTrace: String?
  private var pendingSpan: String?
  /// The keys of lines that lack a required field, for the `--field` remap hint.
  let keyCensus = KeyCensus()
  /// Which key follows which in this input: the one expected next is matched before
  /// anything is scanned.
  private let predicted = KeyPrediction()
  /// Table sizes when the current line began, to forget its names if it turns out bad.
  private var agentsAtLineStart = 0
  private var locksAtLineStart = 0

  init(fieldMap: FieldMap = FieldMap(), agents: NameTable = NameTable(), locks: NameTable = NameTable()) {
    self.fieldMap = fieldMap
    self.agents = agents
    self.locks = locks
    timestamps = RFC3339Reader()
    timestamps.zone = fieldMap.timeZone
    keyMatcher = ByteMatcher(Field.allCases.map { fieldMap.key($0) })
    eventMatcher = ByteMatcher(EventKind.allCases.map { fieldMap.eventName($0) })
  }

  deinit { predicted.deallocate() }

  /// Parses `line`; nil for a blank line. Throws the reason a line must be skipped.
  func parse(_ line: UnsafeBufferPointer<UInt8>, source: SourceLocation) throws(LineError) -> LockEvent? {
    // Before anything can throw: a bad line's names are forgotten back to here.
    agentsAtLineStart = agents.count
    locksAtLineStart = locks.count
    guard let base = line.baseAddress else { return nil }
    var scanner = JSONScanner(start: base, end: base + line.count)
    scanner.skipWhitespace()
    if scanner.atEnd { return nil }
    if fieldMap.stripPrefix { try skipPrefix(&scanner) }
    guard scanner.peek == UInt8(ascii: "{") else {
      throw scanner.error(.notAnObject(array: scanner.peek == UInt8(ascii: "[")))
    }
    scanner.position += 1
    if traces.capturing {
      pendingTrace = nil
      pendingSpan = nil
    }

    var seen: UInt16 = 0
    var time: Int64 = 0
    var kind = EventKind.request
    var agent: Int32 = -1
    var lock: Int32 = -1
    var mode = LockMode.exclusive
    var capacity: Int32 = 0
    var lease: Int64 = -1
    var expected: Int64 = -1
    var token: Int64 = 0
    var site: Int32 = -1

    scanner.skipWhitespace()
    if !scanner.atEnd && scanner.peek == UInt8(ascii: "}") {
      scanner.position += 1
    } else {
      // The learnt key just read (-1: none yet on this line; `KeyPrediction.unknown`: one
      // that could not be learnt): the next is expected after it.
      var previousKey = -1
      while true {
        scanner.skipWhitespace()
        guard !scanner.atEnd else { throw scanner.error(.endOfLineInside("the object")) }
        guard scanner.peek == UInt8(ascii: "\"") else { throw scanner.error(.expected("a key string")) }
        let keyStart = scanner.position
        let fieldIndex: Int
        let thisKey: Int
        if let (entry, length, field) = predicted.match(after: previousKey, keyStart, readable: scanner.end - keyStart) {
          // A key that followed the previous one before: `"key":` compared whole.
          scanner.position = keyStart + length
          fieldIndex = field
          thisKey = entry
        } else if let (low, high, count) = JSONScanner.shortPlainString(at: keyStart, end: scanner.end) {
          // Most other keys: scanned, then found by the one or two words that hold them among
          // the keys learnt (a line of another shape: about one key a line), or matched.
          scanner.position = keyStart + count + 2
          (fieldIndex, thisKey) = try unpredictedKey(&scanner, at: keyStart, content: (low, high, count), after: previousKey)
        } else {
          let key = try scanner.scanString()
          try expectColon(&scanner)
          fieldIndex =
            key.hasEscapes
            ? try matchEscaped(key, lineStart: base) : keyMatcher.index(key.start, key.count, readable: scanner.end - key.start)
          thisKey = KeyPrediction.unknown
        }
        if let field = Field.at(fieldIndex) {
          let bit: UInt16 = 1 << UInt16(fieldIndex)
          guard seen & bit == 0 else {
            throw LineError(.duplicateKey(fieldMap.key(field)), column: keyStart - base + 1)
          }
          seen |= bit
          let valueColumn = scanner.position - base + 1
          let valueStart = scanner.position
          if !traces.capturing && (field == .traceID || field == .spanID) && scanner.position < scanner.end
            && scanner.position.pointee == UInt8(ascii: "\"")
          {
            // Ids no output asked for: checked as JSON, not read.
            try scanner.skipString()
          } else {
            let value = try scanner.scanValue()
            switch field {
            case .ts: time = try timestamp(value, column: valueColumn, lineStart: base)
            case .event: kind = try eventKind(value, column: valueColumn, lineStart: base, lineEnd: scanner.end)
            case .agent:
              if case .string(let text) = value, !text.hasEscapes {
                agent = agents.intern(text.start, text.count)
              } else {
                agent = try name(value, field: field, table: agents, column: valueColumn, lineStart: base)
              }
            case .lock:
              if case .string(let text) = value, !text.hasEscapes {
                lock = locks.intern(text.start, text.count)
              } else {
                lock = try name(value, field: field, table: locks, column: valueColumn, lineStart: base)
              }
            case .mode:
              if case .null = value { break }
              guard case .string(let text) = value,
                let index = text.hasEscapes
                  ? try matchEscaped(text, with: modeMatcher, lineStart: base)
                  : modeMatcher.match(text.start, text.count, readable: scanner.end - text.start)
              else {
                throw LineError(.notAMode(key: fieldMap.key(.mode)), column: valueColumn)
              }
              mode = index == 0 ? .exclusive : .shared
            case .capacity:
              if case .null = value { break }
              guard case .number(let number) = value, number.isInteger, !number.negative,
                let slots = number.scaled(byPowerOfTen: 0), slots >= 1, slots <= Int64(Int32.max)
              else {
                throw LineError(.notACapacity(key: fieldMap.key(.capacity)), column: valueColumn)
              }
              capacity = Int32(slots)
            case .leaseMs:
              if case .null = value { break }
              guard case .number(let number) = value, !number.negative,
                let nanos = number.scaled(byPowerOfTen: 6)
              else {
                throw LineError(.notMilliseconds(key: fieldMap.key(.leaseMs)), column: valueColumn)
              }
              lease = nanos
            case .expectedMs:
              if case .null = value { break }
              guard case .number(let number) = value, !number.negative,
                let nanos = number.scaled(byPowerOfTen: 6)
              else {
                throw LineError(.notMilliseconds(key: fieldMap.key(.expectedMs)), column: valueColumn)
              }
              expected = nanos
            case .token:
              if case .null = value {
                seen &= ~bit
                break
              }
              guard case .number(let number) = value, number.isInteger, let integer = number.scaled(byPowerOfTen: 0) else {
                throw LineError(.notAnInteger(key: fieldMap.key(.token)), column: valueColumn)
              }
              token = integer
            case .site:
              if case .null = value { break }
              if case .string(let text) = value, !text.hasEscapes {
                site = sites.intern(text.start, text.count)
              } else {
                site = try name(value, field: field, table: sites, column: valueColumn, lineStart: base)
              }
            case .traceID, .spanID:
              // Carried, not interpreted: any scalar is accepted.
              if case .other(let type) = value {
                throw LineError(.notAStringOrNumber(key: fieldMap.key(field), actual: type.description), column: valueColumn)
              }
              if traces.capturing { try capture(field, value, raw: valueStart..<scanner.position, lineStart: base) }
            }
          }
        } else if scanner.position < scanner.end && scanner.position.pointee == UInt8(ascii: "\"") {
          // Most values the report never uses are strings (ids, hosts, messages): stepped
          // over sixteen bytes a turn here, without the general value dispatch.
          try scanner.skipString()
        } else if scanner.end - scanner.position >= 2 && scanner.position.pointee == UInt8(ascii: " ")
          && scanner.position[1] == UInt8(ascii: "\"")
        {
          // The same after `": "`, as loggers that pretty-print their separators write.
          scanner.position += 1
          try scanner.skipString()
        } else if scanner.position < scanner.end
          && (scanner.position.pointee &- UInt8(ascii: "0") < 10 || scanner.position.pointee == UInt8(ascii: "-"))
        {
          // Ignored numbers (pids, timeouts): checked in line, not through the recursive skip.
          try scanner.skipNumber()
        } else {
          try scanner.skipValue(depth: 1)
        }
        previousKey = thisKey
        if scanner.position < scanner.end && scanner.position.pointee == UInt8(ascii: ",") {
          scanner.position += 1
          continue
        }
        scanner.skipWhitespace()
        guard !scanner.atEnd else { throw scanner.error(.endOfLineInside("the object")) }
        let separator = scanner.peek
        scanner.position += 1
        if separator == UInt8(ascii: "}") { break }
        guard separator == UInt8(ascii: ",") else {
          scanner.position -= 1
          throw scanner.error(.expected("',' or '}' after a value"))
        }
      }
    }
    scanner.skipWhitespace()
    guard scanner.atEnd else { throw scanner.error(.trailingCharacters) }

    if seen & EventParser.requiredFields != EventParser.requiredFields {
      try missingField(scanner, seen: seen, kind: kind)
    }
    if kind.needsLock && seen & (1 << UInt16(Field.lock.rawValue)) == 0 {
      keyCensus.count(line: scanner, seen: seen, needsLock: true)
      throw LineError(.missingLock(key: fieldMap.key(.lock), event: fieldMap.eventName(kind)))
    }
    var event = LockEvent(
      kind: kind, mode: mode, time: time, agent: AgentID(agent), lock: kind == .crash ? .none : LockID(lock),
      capacity: capacity, leaseNanos: lease, token: token,
      hasToken: seen & (1 << UInt16(Field.token.rawValue)) != 0, source: source)
    event.expectedNanos = expected
    event.site = site
    if traces.capturing && (pendingTrace != nil || pendingSpan != nil) {
      event.traceSlot = traces.store(trace: pendingTrace, span: pendingSpan, input: source.input)
    }
    return event
  }

  /// `ts`, `event` and `agent`: every line has them (one test per line, no array).
  private static let requiredFields: UInt16 =
    1 << UInt16(Field.ts.rawValue) | 1 << UInt16(Field.event.rawValue) | 1 << UInt16(Field.agent.rawValue)

  /// The first of `ts`, `event`, `agent` the line lacks, counted for the `--field` hint.
  @inline(never)
  private func missingField(_ scanner: JSONScanner, seen: UInt16, kind: EventKind) throws(LineError) {
    for field in [Field.ts, .event, .agent] where seen & (1 << UInt16(field.rawValue)) == 0 {
      keyCensus.count(line: scanner, seen: seen, needsLock: kind.needsLock)
      throw LineError(.missingField(fieldMap.key(field)))
    }
  }

  /// A plain short key neither prediction matched (about one a line when a log mixes
  /// shapes of line), its closing quote passed: its field and learnt entry, found among the
  /// keys learnt by its content, else matched and learnt. Out of line, so the loop over a
  /// line's keys stays small for the keys that were predicted.
  @inline(never)
  private func unpredictedKey(
    _ scanner: inout JSONScanner, at keyStart: UnsafePointer<UInt8>, content: (low: UInt64, high: UInt64, count: Int),
    after previousKey: Int
  ) throws(LineError) -> (field: Int, entry: Int) {
    let (low, high, count) = content
    let field: Int
    let entry: Int
    // Learnt only with the colon straight after the key, as a learnt key's bytes have it.
    if try expectColon(&scanner) {
      if let known = predicted.known(low: low, high: high, count: count) {
        (field, entry) = (known.field, known.entry)
      } else {
        field = keyMatcher.index(low: low, high: high, count: count)
        entry = predicted.entry(for: keyStart, keyCount: count, field: field, content: (low, high))
      }
    } else {
      field = keyMatcher.index(low: low, high: high, count: count)
      entry = KeyPrediction.unknown
    }
    predicted.follows(entry, after: previousKey)
    return (field, entry)
  }

  /// Compact logs put ':' right after the key; anything else takes the general path.
  /// True when the colon came straight after the key's closing quote.
  @inline(__always)
  @discardableResult
  private func expectColon(_ scanner: inout JSONScanner) throws(LineError) -> Bool {
    if scanner.position < scanner.end && scanner.position.pointee == UInt8(ascii: ":") {
      scanner.position += 1
      return true
    }
    try scanner.expect(UInt8(ascii: ":"), "':' after a key")
    return false
  }

  /// `--strip-prefix`: the line is read from its first `{`; a line without one is skipped.
  @inline(never)
  private func skipPrefix(_ scanner: inout JSONScanner) throws(LineError) {
    guard let brace = memchr(scanner.position, Int32(UInt8(ascii: "{")), scanner.end - scanner.position) else {
      throw LineError(.noObjectAfterPrefix)
    }
    scanner.position = UnsafePointer(brace.assumingMemoryBound(to: UInt8.self))
  }

  /// After a bad line: the names it added were never a valid event's, so they go.
  func discardNamesOfFailedLine() {
    agents.truncate(to: agentsAtLineStart)
    locks.truncate(to: locksAtLineStart)
  }

  /// Keeps a `trace_id`/`span_id` as text: a string decoded, a number as written.
  @inline(never)
  private func capture(
    _ field: Field, _ value: JSONScanner.Scalar, raw: Range<UnsafePointer<UInt8>>, lineStart: UnsafePointer<UInt8>
  ) throws(LineError) {
    let text: String?
    switch value {
    case .string(let token):
      if token.hasEscapes {
        try JSONScanner.unescape(token, into: &scratch, lineStart: lineStart)
        text = String(decoding: scratch, as: UTF8.self)
      } else {
        text = String(decoding: UnsafeBufferPointer(start: token.start, count: token.count), as: UTF8.self)
      }
    case .number:
      text = String(decoding: UnsafeBufferPointer(start: raw.lowerBound, count: raw.upperBound - raw.lowerBound), as: UTF8.self)
    default:
      text = nil
    }
    if field == .traceID { pendingTrace = text } else { pendingSpan = text }
  }

  /// A key with escapes: decoded, then matched (rare; never inlined).
  @inline(never)
  private func matchEscaped(_ key: JSONScanner.StringToken, lineStart: UnsafePointer<UInt8>) throws(LineError) -> Int {
    try JSONScanner.unescape(key, into: &scratch, lineStart: lineStart)
    return scratch.withUnsafeBufferPointer { buffer in
      buffer.isEmpty ? -1 : keyMatcher.index(buffer.baseAddress!, buffer.count)  // non-empty checked
    }
  }

  /// A value with escapes (`"\\u0061cquire"` is `acquire`): decoded, then matched (rare).
  @inline(never)
  private func matchEscaped(_ text: JSONScanner.StringToken, with matcher: ByteMatcher, lineStart: UnsafePointer<UInt8>)
    throws(LineError) -> Int?
  {
    try JSONScanner.unescape(text, into: &scratch, lineStart: lineStart)
    return scratch.withUnsafeBufferPointer { buffer in
      buffer.isEmpty ? nil : matcher.match(buffer.baseAddress!, buffer.count)  // non-empty checked
    }
  }

  @inline(never)
  private func name(
    _ value: JSONScanner.Scalar, field: Field, table: NameTable, column: Int, lineStart: UnsafePointer<UInt8>
  ) throws(LineError) -> Int32 {
    guard case .string(let text) = value else {
      throw LineError(.notAString(key: fieldMap.key(field), actual: typeName(value)), column: column)
    }
    return try table.intern(text, decodingInto: &nameBytes, lineStart: lineStart)
  }

  private func eventKind(
    _ value: JSONScanner.Scalar, column: Int, lineStart: UnsafePointer<UInt8>, lineEnd: UnsafePointer<UInt8>
  ) throws(LineError) -> EventKind {
    guard case .string(let text) = value else {
      throw LineError(.notAString(key: fieldMap.key(.event), actual: typeName(value)), column: column)
    }
    let found =
      text.hasEscapes
      ? try matchEscaped(text, with: eventMatcher, lineStart: lineStart)
      : eventMatcher.match(text.start, text.count, readable: lineEnd - text.start)
    if let index = found {
      return EventKind(rawValue: UInt8(index))!  // matcher indices are EventKind raw values
    }
    let shown = String(decoding: UnsafeBufferPointer(start: text.start, count: min(text.count, 40)), as: UTF8.self)
    let expected = EventKind.allCases.map { fieldMap.eventName($0) }.joined(separator: ", ")
    throw LineError(.unknownEvent(shown: shown, expected: expected), column: column)
  }

  private func timestamp(_ value: JSONScanner.Scalar, column: Int, lineStart: UnsafePointer<UInt8>) throws(LineError) -> Int64 {
    let nanos = try readTimestamp(value, column: column, lineStart: lineStart)
    // Any two times of the supported range are less than 2^63 ns apart, so no duration
    // between events can overflow.
    guard Timestamp.supported.contains(nanos) else {
      throw LineError(.timestampOutsideYears(Timestamp.rfc3339(nanos)), column: column)
    }
    return nanos
  }

  private func readTimestamp(_ value: JSONScanner.Scalar, column: Int, lineStart: UnsafePointer<UInt8>) throws(LineError) -> Int64 {
    switch value {
    case .number(let number):
      guard let nanos = Timestamp.nanoseconds(epoch: number, unit: fieldMap.timeUnit) else {
        throw LineError(.timestampOutOfRange, column: column)
      }
      return nanos
    case .string(let text):
      var nanos: Int64?
      if text.hasEscapes {
        try JSONScanner.unescape(text, into: &scratch, lineStart: lineStart)
        nanos = scratch.withUnsafeBufferPointer { timestamps.nanoseconds($0) ?? quotedEpoch($0, column: column) }
      } else {
        let bytes = UnsafeBufferPointer(start: text.start, count: text.count)
        nanos = timestamps.nanoseconds(bytes, readable: text.count + 1)  // and its closing quote
        if nanos == nil { nanos = quotedEpoch(bytes, column: column) }
      }
      guard let nanos else {
        let shown = String(decoding: UnsafeBufferPointer(start: text.start, count: min(text.count, 40)), as: UTF8.self)
        throw LineError(.unreadableTimestamp(shown), column: column)
      }
      return nanos
    default:
      throw LineError(.notAStringOrNumber(key: fieldMap.key(.ts), actual: typeName(value)), column: column)
    }
  }

  /// `"ts":"1795341600000"`: an epoch number in a string, read like the number.
  @inline(never)
  private func quotedEpoch(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) -> Int64? {
    guard let number = Timestamp.quotedEpoch(bytes) else { return nil }
    return Timestamp.nanoseconds(epoch: number, unit: fieldMap.timeUnit)
  }

  /// Timestamps read without an offset (in `fieldMap.timeZone`), for the report's note.
  var timestampsWithoutOffset: Int64 { timestamps.withoutOffset }

  private func typeName(_ value: JSONScanner.Scalar) -> String {
    switch value {
    case .string: "a string"
    case .number: "a number"
    case .null: "null"
    case .other(let type): type.description
    }
  }
}
