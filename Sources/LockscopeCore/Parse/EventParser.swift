import Foundation

/// Turns one JSON object line into a `LockEvent`: bytes in, integers out.
///
/// Agent and lock names are interned straight from the line's bytes (after decoding
/// escapes, when there are any); the only allocation on the success path is the first
/// sight of a new name.
public final class EventParser {
  public let fieldMap: FieldMap
  public let agents: NameTable
  public let locks: NameTable
  private let keyMatcher: ByteMatcher
  private let eventMatcher: ByteMatcher
  private let modeMatcher = ByteMatcher(["exclusive", "shared"])
  /// Reused for names and timestamps that contain escapes.
  private var scratch: [UInt8] = []
  /// Consecutive lines share their date, hour and minute; this skips re-reading them.
  private var timestamps = RFC3339Reader()

  public init(fieldMap: FieldMap = FieldMap(), agents: NameTable = NameTable(), locks: NameTable = NameTable()) {
    self.fieldMap = fieldMap
    self.agents = agents
    self.locks = locks
    keyMatcher = ByteMatcher(Field.allCases.map { fieldMap.key($0) })
    eventMatcher = ByteMatcher(EventKind.allCases.map { fieldMap.eventName($0) })
  }

  /// Parses `line`; nil for a blank line. Throws the reason a line must be skipped.
  public func parse(_ line: UnsafeBufferPointer<UInt8>, source: SourceLocation) throws(LineError) -> LockEvent? {
    guard let base = line.baseAddress else { return nil }
    var scanner = JSONScanner(start: base, end: base + line.count)
    scanner.skipWhitespace()
    if scanner.atEnd { return nil }
    guard scanner.peek == UInt8(ascii: "{") else {
      throw scanner.error(scanner.peek == UInt8(ascii: "[") ? "not a JSON object (an array)" : "not a JSON object")
    }
    scanner.position += 1

    var seen: UInt16 = 0
    var time: Int64 = 0
    var kind = EventKind.request
    var agent: Int32 = -1
    var lock: Int32 = -1
    var mode = LockMode.exclusive
    var capacity: Int32 = 0
    var lease: Int64 = -1
    var token: Int64 = 0

    scanner.skipWhitespace()
    if !scanner.atEnd && scanner.peek == UInt8(ascii: "}") {
      scanner.position += 1
    } else {
      while true {
        scanner.skipWhitespace()
        guard !scanner.atEnd else { throw scanner.error("unexpected end of line inside the object") }
        guard scanner.peek == UInt8(ascii: "\"") else { throw scanner.error("expected a key string") }
        let keyColumn = scanner.position - base + 1
        let key = try scanner.scanString()
        try scanner.expect(UInt8(ascii: ":"), "':' after a key")
        if let field = try match(key, lineStart: base, lineEnd: scanner.end) {
          let bit: UInt16 = 1 << UInt16(field.rawValue)
          guard seen & bit == 0 else {
            throw LineError("duplicate key \"\(fieldMap.key(field))\"", column: keyColumn)
          }
          seen |= bit
          let valueColumn = scanner.position - base + 1
          let value = try scanner.scanScalar()
          switch field {
          case .ts: time = try timestamp(value, column: valueColumn, lineStart: base)
          case .event: kind = try eventKind(value, column: valueColumn, lineEnd: scanner.end)
          case .agent: agent = try name(value, field: field, table: agents, column: valueColumn, lineStart: base)
          case .lock: lock = try name(value, field: field, table: locks, column: valueColumn, lineStart: base)
          case .mode:
            if case .null = value { break }
            guard case .string(let text) = value, !text.hasEscapes,
              let index = modeMatcher.match(text.start, text.count, readable: scanner.end - text.start)
            else {
              throw LineError("\"\(fieldMap.key(.mode))\" must be \"exclusive\" or \"shared\"", column: valueColumn)
            }
            mode = index == 0 ? .exclusive : .shared
          case .capacity:
            if case .null = value { break }
            guard case .number(let number) = value, number.isInteger, !number.negative,
              let slots = number.scaled(byPowerOfTen: 0), slots >= 1, slots <= Int64(Int32.max)
            else {
              throw LineError("\"\(fieldMap.key(.capacity))\" must be an integer >= 1", column: valueColumn)
            }
            capacity = Int32(slots)
          case .leaseMs:
            if case .null = value { break }
            guard case .number(let number) = value, !number.negative,
              let nanos = number.scaled(byPowerOfTen: 6)
            else {
              throw LineError("\"\(fieldMap.key(.leaseMs))\" must be a non-negative number of milliseconds", column: valueColumn)
            }
            lease = nanos
          case .token:
            if case .null = value {
              seen &= ~bit
              break
            }
            guard case .number(let number) = value, number.isInteger, let integer = number.scaled(byPowerOfTen: 0) else {
              throw LineError("\"\(fieldMap.key(.token))\" must be an integer", column: valueColumn)
            }
            token = integer
          case .traceID, .spanID:
            // Carried, not interpreted: any scalar is accepted.
            if case .other(let type) = value {
              throw LineError("\"\(fieldMap.key(field))\" must be a string or a number, not \(type)", column: valueColumn)
            }
          }
        } else {
          try scanner.skipValue(depth: 1)
        }
        scanner.skipWhitespace()
        guard !scanner.atEnd else { throw scanner.error("unexpected end of line inside the object") }
        let separator = scanner.peek
        scanner.position += 1
        if separator == UInt8(ascii: "}") { break }
        guard separator == UInt8(ascii: ",") else {
          scanner.position -= 1
          throw scanner.error("expected ',' or '}' after a value")
        }
      }
    }
    scanner.skipWhitespace()
    guard scanner.atEnd else { throw scanner.error("trailing characters after the object") }

    for field in [Field.ts, .event, .agent] where seen & (1 << UInt16(field.rawValue)) == 0 {
      throw LineError("missing field \"\(fieldMap.key(field))\"")
    }
    if kind.needsLock && seen & (1 << UInt16(Field.lock.rawValue)) == 0 {
      throw LineError("missing field \"\(fieldMap.key(.lock))\" (required for \(fieldMap.eventName(kind)))")
    }
    return LockEvent(
      kind: kind, mode: mode, time: time, agent: AgentID(agent), lock: kind == .crash ? .none : LockID(lock),
      capacity: capacity, leaseNanos: lease, token: token,
      hasToken: seen & (1 << UInt16(Field.token.rawValue)) != 0, source: source)
  }

  @inline(__always)
  private func match(_ key: JSONScanner.StringToken, lineStart: UnsafePointer<UInt8>, lineEnd: UnsafePointer<UInt8>) throws(LineError) -> Field? {
    if !key.hasEscapes {
      return keyMatcher.match(key.start, key.count, readable: lineEnd - key.start).map { Field(rawValue: $0)! }  // indices are Field raw values
    }
    try JSONScanner.unescape(key, into: &scratch, lineStart: lineStart)
    let index = scratch.withUnsafeBufferPointer { buffer in
      buffer.isEmpty ? nil : keyMatcher.match(buffer.baseAddress!, buffer.count)  // non-empty checked
    }
    return index.map { Field(rawValue: $0)! }  // indices are Field raw values
  }

  @inline(__always)
  private func name(
    _ value: JSONScanner.Scalar, field: Field, table: NameTable, column: Int, lineStart: UnsafePointer<UInt8>
  ) throws(LineError) -> Int32 {
    guard case .string(let text) = value else {
      throw LineError("\"\(fieldMap.key(field))\" must be a string, not \(typeName(value))", column: column)
    }
    if !text.hasEscapes { return table.intern(text.start, text.count) }
    try JSONScanner.unescape(text, into: &scratch, lineStart: lineStart)
    scratch.append(0)  // keeps the base address valid for an empty name
    defer { scratch.removeLast() }
    return scratch.withUnsafeBufferPointer { table.intern($0.baseAddress!, $0.count - 1) }  // non-empty: has the 0
  }

  private func eventKind(_ value: JSONScanner.Scalar, column: Int, lineEnd: UnsafePointer<UInt8>) throws(LineError) -> EventKind {
    guard case .string(let text) = value else {
      throw LineError("\"\(fieldMap.key(.event))\" must be a string, not \(typeName(value))", column: column)
    }
    if !text.hasEscapes, let index = eventMatcher.match(text.start, text.count, readable: lineEnd - text.start) {
      return EventKind(rawValue: UInt8(index))!  // matcher indices are EventKind raw values
    }
    let shown = String(decoding: UnsafeBufferPointer(start: text.start, count: min(text.count, 40)), as: UTF8.self)
    let expected = EventKind.allCases.map { fieldMap.eventName($0) }.joined(separator: ", ")
    throw LineError("unknown event \"\(shown)\" (expected one of \(expected))", column: column)
  }

  private func timestamp(_ value: JSONScanner.Scalar, column: Int, lineStart: UnsafePointer<UInt8>) throws(LineError) -> Int64 {
    switch value {
    case .number(let number):
      guard let nanos = Timestamp.nanoseconds(epoch: number, unit: fieldMap.timeUnit) else {
        throw LineError("timestamp out of range", column: column)
      }
      return nanos
    case .string(let text):
      let nanos: Int64?
      if text.hasEscapes {
        try JSONScanner.unescape(text, into: &scratch, lineStart: lineStart)
        nanos = scratch.withUnsafeBufferPointer { Timestamp.nanoseconds(rfc3339: $0) }
      } else {
        nanos = timestamps.nanoseconds(UnsafeBufferPointer(start: text.start, count: text.count))
      }
      guard let nanos else {
        let shown = String(decoding: UnsafeBufferPointer(start: text.start, count: min(text.count, 40)), as: UTF8.self)
        throw LineError("unreadable timestamp \"\(shown)\" (expected RFC 3339 or an epoch number)", column: column)
      }
      return nanos
    default:
      throw LineError("\"\(fieldMap.key(.ts))\" must be a string or a number, not \(typeName(value))", column: column)
    }
  }

  private func typeName(_ value: JSONScanner.Scalar) -> String {
    switch value {
    case .string: "a string"
    case .number: "a number"
    case .null: "null"
    case .other(let type): type
    }
  }
}
