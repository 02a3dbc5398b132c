/// Why a log line was skipped, and where on the line: the reason as a case, not a string,
/// so tests and callers match on it; the text is made only when the line is reported.
/// Built only on the error path, so it may allocate.
struct LineError: Error, Equatable, Sendable {
  var reason: Reason
  /// 1-based byte column of the fault, when there is one.
  var column: Int?

  init(_ reason: Reason, column: Int? = nil) {
    self.reason = reason
    self.column = column
  }

  /// `reason (column N)`, as printed after `FILE:LINE:`.
  var description: String {
    guard let column else { return reason.description }
    return "\(reason) (column \(column))"
  }

  /// The reasons a line is skipped. Names in the cases are as the log spells them (after
  /// `--field` remapping), so the text says what the user wrote.
  indirect enum Reason: Equatable, Sendable, CustomStringConvertible {
    // The line as JSON.
    case notAnObject(array: Bool)
    /// `--from otlp`: the line is not an object at all.
    case notAnOTLPRequest
    case endOfLine(expected: String)
    /// The line ends inside `container` ("an object", "the object", "an array").
    case endOfLineInside(String)
    case expected(String)
    case unexpectedCharacter(UInt8)
    case trailingCharacters
    case nestedTooDeep(levels: Int)
    case invalidLiteral(expected: String)
    case unterminatedString
    case controlCharacter(UInt8)
    case unterminatedEscape
    case invalidUnicodeEscape
    case invalidEscape(UInt8)
    case invalidUTF8Byte(UInt8)
    case truncatedUTF8
    case invalidUTF8
    case unpairedSurrogate(UInt16)
    case invalidNumber
    case noDigitAfterPoint
    case noDigitInExponent
    // The fields of a lock event.
    case noObjectAfterPrefix
    case duplicateKey(String)
    case missingField(String)
    case missingLock(key: String, event: String)
    /// `"key" must be a string`, and what it was instead when known.
    case notAString(key: String, actual: String?)
    case notAStringOrNumber(key: String, actual: String)
    case notAMode(key: String)
    case notACapacity(key: String)
    case notMilliseconds(key: String)
    case notAnInteger(key: String)
    /// `shown`: the event as written (at most 40 bytes); `expected`: the event names.
    case unknownEvent(shown: String, expected: String)
    /// The timestamp as read, in RFC 3339.
    case timestampOutsideYears(String)
    case timestampOutOfRange
    case unreadableTimestamp(String)
    // OpenTelemetry spans (`--from otlp`).
    case noResourceSpans
    /// `what` ("a span", "\"spans\"") must be an object, or an array.
    case mustBeObject(String)
    case mustBeArray(String)
    case notHex(key: String)
    case spanAttributeNotAString(key: String)
    case spanEventNameNotAString
    case attributeKeyNotAString
    /// A value that breaks protobuf's JSON mapping, in the attribute `key`.
    case attribute(key: String, Reason)
    case intValueNotAnInteger
    case wrongAttributeType
    /// `what` ("a span event", "lock span") lacks the field `field`.
    case missing(field: String, in: String)
    case notNanoseconds(key: String)
    case outsideYears(key: String)
    case spanEndsBeforeStart
    case twoAcquiredEvents
    case noOutcome

    var description: String {
      switch self {
      case .notAnObject(let array): array ? "not a JSON object (an array)" : "not a JSON object"
      case .notAnOTLPRequest: "not a JSON object (an OTLP/JSON ExportTraceServiceRequest is expected with --from otlp)"
      case .endOfLine(let expected): "unexpected end of line: expected \(expected)"
      case .endOfLineInside(let container): "unexpected end of line inside \(container)"
      case .expected(let expected): "expected \(expected)"
      case .unexpectedCharacter(let byte): "unexpected character '\(printable(byte))': expected a value"
      case .trailingCharacters: "trailing characters after the object"
      case .nestedTooDeep(let levels): "nested deeper than \(levels) levels"
      case .invalidLiteral(let expected): "invalid literal: expected \(expected)"
      case .unterminatedString: "unterminated string"
      case .controlCharacter(let byte): "control character U+\(hex(byte, width: 4)) in a string (must be escaped)"
      case .unterminatedEscape: "unterminated escape"
      case .invalidUnicodeEscape: "invalid \\u escape: expected four hex digits"
      case .invalidEscape(let byte): "invalid escape \\\(printable(byte))"
      case .invalidUTF8Byte(let byte): "invalid UTF-8 byte 0x\(hex(byte, width: 2))"
      case .truncatedUTF8: "truncated UTF-8 sequence"
      case .invalidUTF8: "invalid UTF-8 sequence"
      case .unpairedSurrogate(let unit): "unpaired surrogate \\u\(hex(unit, width: 4)) in a name"
      case .invalidNumber: "invalid number"
      case .noDigitAfterPoint: "invalid number: no digit after '.'"
      case .noDigitInExponent: "invalid number: no digit in exponent"
      case .noObjectAfterPrefix: "no '{' on the line: nothing to read after the prefix (--strip-prefix)"
      case .duplicateKey(let key): "duplicate key \"\(key)\""
      case .missingField(let key): "missing field \"\(key)\""
      case .missingLock(let key, let event): "missing field \"\(key)\" (required for \(event))"
      case .notAString(let key, let actual): "\"\(key)\" must be a string" + (actual.map { ", not \($0)" } ?? "")
      case .notAStringOrNumber(let key, let actual): "\"\(key)\" must be a string or a number, not \(actual)"
      case .notAMode(let key): "\"\(key)\" must be \"exclusive\" or \"shared\""
      case .notACapacity(let key): "\"\(key)\" must be an integer >= 1"
      case .notMilliseconds(let key): "\"\(key)\" must be a non-negative number of milliseconds"
      case .notAnInteger(let key): "\"\(key)\" must be an integer"
      case .unknownEvent(let shown, let expected): "unknown event \"\(shown)\" (expected one of \(expected))"
      case .timestampOutsideYears(let time): "timestamp \(time) is outside the supported years 1900 to 2099"
      case .timestampOutOfRange: "timestamp out of range"
      case .unreadableTimestamp(let shown): "unreadable timestamp \"\(shown)\" (expected RFC 3339 or an epoch number)"
      case .noResourceSpans:
        "no \"resourceSpans\": not an OTLP/JSON ExportTraceServiceRequest (drop --from otlp for lock event lines)"
      case .mustBeObject(let what): "\(what) must be an object"
      case .mustBeArray(let what): "\(what) must be an array"
      case .notHex(let key): "\"\(key)\" must be a hex string"
      case .spanAttributeNotAString(let key): "span attribute \"\(key)\" must be a string"
      case .spanEventNameNotAString: "a span event's \"name\" must be a string"
      case .attributeKeyNotAString: "an attribute's \"key\" must be a string"
      case .attribute(let key, let reason): "\"\(key)\": \(reason)"
      case .intValueNotAnInteger: "\"intValue\" must hold an integer"
      case .wrongAttributeType: "an attribute value of the wrong type"
      case .missing(let field, let what): "\(what) without \"\(field)\""
      case .notNanoseconds(let key): "\"\(key)\" must be decimal nanoseconds"
      case .outsideYears(let key): "\"\(key)\" is outside the supported years 1900 to 2099"
      case .spanEndsBeforeStart: "lock span ends before it starts"
      case .twoAcquiredEvents: "lock span with two \"lock.acquired\" events"
      case .noOutcome: "\"lock.outcome\" must be \"timeout\" or \"cancel\" (the lock span has no \"lock.acquired\" event)"
      }
    }
  }
}
