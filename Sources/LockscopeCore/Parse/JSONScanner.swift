import Foundation

/// A validating scanner over the bytes of one JSON text (RFC 8259), with no allocation on
/// the success path.
///
/// It never builds a `String` or a tree: callers ask for the next token and get pointers
/// into the line. Strings take a fast path eight bytes at a time while they hold no quote,
/// backslash, control character or non-ASCII byte; everything else is checked byte by byte
/// (escapes, UTF-8 per RFC 3629).
struct JSONScanner {
  /// The next unread byte.
  var position: UnsafePointer<UInt8>
  let start: UnsafePointer<UInt8>
  let end: UnsafePointer<UInt8>

  init(start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) {
    self.position = start
    self.start = start
    self.end = end
  }

  /// The raw contents of a string token (between the quotes, escapes not yet decoded).
  struct StringToken {
    var start: UnsafePointer<UInt8>
    var count: Int
    var hasEscapes: Bool
  }

  /// JSON types no field of lockscope takes (kept trivial, so a `Scalar` copies as bits).
  enum OtherType: UInt8 {
    case boolean, object, array
    var description: String {
      switch self {
      case .boolean: "a boolean"
      case .object: "an object"
      case .array: "an array"
      }
    }
  }

  /// The value of a field lockscope reads.
  enum Scalar {
    case string(StringToken)
    case number(DecimalNumber)
    case null
    /// true/false, an object or an array: a type lockscope never accepts in its fields.
    case other(OtherType)
  }

  /// The maximum nesting of objects and arrays in ignored fields.
  static let maximumDepth = 512

  var atEnd: Bool { position == end }

  @inline(__always) var peek: UInt8 { position.pointee }

  func error(_ reason: LineError.Reason) -> LineError {
    LineError(reason, column: position - start + 1)
  }

  @inline(__always)
  mutating func skipWhitespace() {
    while position < end {
      let byte = position.pointee
      guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
      position += 1
    }
  }

  /// Consumes `byte` (after whitespace) or fails with `expected`.
  @inline(__always)
  mutating func expect(_ byte: UInt8, _ expected: @autoclosure () -> String) throws(LineError) {
    skipWhitespace()
    guard position < end else { throw error(.endOfLine(expected: expected())) }
    guard position.pointee == byte else { throw error(.expected(expected())) }
    position += 1
  }

  // MARK: Strings

  /// Scans a string whose opening quote is at `position`.
  @inline(__always)
  mutating func scanString() throws(LineError) -> StringToken {
    let (contentStart, hasEscapes) = try passString(wide: false)
    // `position` is past the closing quote.
    return StringToken(start: contentStart, count: position - 1 - contentStart, hasEscapes: hasEscapes)
  }

  /// Steps over a string whose opening quote is at `position`, checking it like
  /// `scanString` but keeping nothing: for the values of fields lockscope never reads (ids,
  /// hosts, messages), often long, so plain bytes go sixteen a turn.
  @inline(__always)
  mutating func skipString() throws(LineError) {
    _ = try passString(wide: true)
  }

  /// Moves past the string whose opening quote is at `position`, checking every byte;
  /// returns where its content starts and whether it has escapes. Plain ASCII runs are
  /// skipped eight bytes at a time (sixteen, two words tested together, when `wide`), then
  /// straight to the first byte that needs a look (the lowest flagged byte is a real one).
  @inline(__always)
  private mutating func passString(wide: Bool) throws(LineError) -> (contentStart: UnsafePointer<UInt8>, hasEscapes: Bool) {
    position += 1  // the opening quote
    let contentStart = position
    var hasEscapes = false
    while true {
      if wide {
        while end - position >= 16 {
          let raw = UnsafeRawPointer(position)
          let first = JSONScanner.attentionMask(raw.loadUnaligned(as: UInt64.self))
          let second = JSONScanner.attentionMask(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
          if first | second != 0 {
            position += first != 0 ? first.trailingZeroBitCount >> 3 : 8 + second.trailingZeroBitCount >> 3
            break
          }
          position += 16
        }
      }
      if !wide || end - position < 16 {
        while end - position >= 8 {
          let flags = JSONScanner.attentionMask(UnsafeRawPointer(position).loadUnaligned(as: UInt64.self))
          if flags != 0 {
            position += flags.trailingZeroBitCount >> 3
            break
          }
          position += 8
        }
      }
      guard position < end else {
        throw LineError(.unterminatedString, column: contentStart - start)
      }
      let byte = position.pointee
      if byte == UInt8(ascii: "\"") {
        position += 1
        return (contentStart, hasEscapes)
      } else if byte == UInt8(ascii: "\\") {
        hasEscapes = true
        try skipEscape()
      } else if byte < 0x20 {
        throw error(.controlCharacter(byte))
      } else if byte >= 0x80 {
        try skipUTF8Sequence()
      } else {
        position += 1
      }
    }
  }

  /// A string at `quote` (its opening quote) of fewer than 16 plain ASCII bytes — no
  /// escape, control character or non-ASCII byte — found with one or two words: its bytes
  /// packed little-endian in two words (zero above) and its length; nil for any other
  /// string, or too near the end. Keys like `trace_id` and `expected_ms` take the second word.
  @inline(__always)
  static func shortPlainString(at quote: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>)
    -> (low: UInt64, high: UInt64, count: Int)?
  {
    guard end - quote >= 9 else { return nil }
    let raw = UnsafeRawPointer(quote + 1)
    let word = raw.loadUnaligned(as: UInt64.self)
    let flags = attentionMask(word)
    // The lowest flagged byte is a real one: the closing quote, or something to look at.
    let count = flags.trailingZeroBitCount >> 3
    if count < 8 {
      guard quote[count + 1] == UInt8(ascii: "\"") else { return nil }
      return (word & ((1 << UInt64(8 * count)) &- 1), 0, count)
    }
    guard end - quote >= 17 else { return nil }
    let second = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    let more = attentionMask(second).trailingZeroBitCount >> 3
    guard more < 8, quote[more + 9] == UInt8(ascii: "\"") else { return nil }
    return (word, second & ((1 << UInt64(8 * more)) &- 1), 8 + more)
  }

  /// The high bit of each byte of `word` (little-endian) that is a quote, a backslash, a
  /// control character or non-ASCII; bytes above the lowest flagged one may be false alarms.
  @inline(__always)
  static func attentionMask(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let quotes = word ^ (ones &* 0x22)
    let backslashes = word ^ (ones &* 0x5C)
    let hasQuote = (quotes &- ones) & ~quotes
    let hasBackslash = (backslashes &- ones) & ~backslashes
    let hasControl = word &- (ones &* 0x20)
    // High bits of `word` itself flag non-ASCII; the others may give false positives only
    // above a real hit, which the byte loop then sorts out.
    return ((hasQuote | hasBackslash | hasControl) & ~word | word) & highs
  }

  private mutating func skipEscape() throws(LineError) {
    guard end - position >= 2 else { throw error(.unterminatedEscape) }
    switch position[1] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
      UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 2
    case UInt8(ascii: "u"):
      guard end - position >= 6, JSONScanner.hexValue(position + 2) != nil else {
        throw error(.invalidUnicodeEscape)
      }
      position += 6
    default:
      throw error(.invalidEscape(position[1]))
    }
  }

  /// Checks one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
  private mutating func skipUTF8Sequence() throws(LineError) {
    let lead = position.pointee
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: throw error(.invalidUTF8Byte(lead))
    }
    guard end - position >= length else { throw error(.truncatedUTF8) }
    let second = position[1]
    guard second >= low && second <= high else { throw error(.invalidUTF8) }
    for i in 2..<max(2, length) where position[i] & 0xC0 != 0x80 {
      throw error(.invalidUTF8)
    }
    position += length
  }

  /// Decodes the escapes of `token` into `buffer` (cleared first). Names must be valid
  /// Unicode, so an unpaired surrogate escape is an error here.
  static func unescape(_ token: StringToken, into buffer: inout [UInt8], lineStart: UnsafePointer<UInt8>)
    throws(LineError)
  {
    buffer.removeAll(keepingCapacity: true)
    try unescape(token, appendingTo: &buffer, lineStart: lineStart)
  }

  /// Decodes the escapes of `token` after what `sink` holds. A decoded string is never
  /// longer than its escaped form, so room is made once: into a `JSONBytes` the runs
  /// between escapes are a few word moves each, where an array's append of a run cost
  /// about a hundred instructions (one name in nine has an escaped `/` in some logs).
  static func unescape<Sink: JSONByteSink>(
    _ token: StringToken, appendingTo sink: inout Sink, lineStart: UnsafePointer<UInt8>
  ) throws(LineError) {
    sink.reserve(token.count)
    var p = token.start
    let end = token.start + token.count
    while p < end {
      guard p.pointee == UInt8(ascii: "\\") else {
        // The plain bytes up to the next escape in one copy (`queue\/billing-7` is two runs
        // and an escape), not one byte at a time.
        let escape = memchr(p, Int32(UInt8(ascii: "\\")), end - p).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? end
        sink.appendUnchecked(UnsafeBufferPointer(start: p, count: escape - p))
        p = escape
        continue
      }
      let kind = p[1]  // the scanner checked every escape is complete
      p += 2
      switch kind {
      case UInt8(ascii: "b"): sink.appendUnchecked(0x08)
      case UInt8(ascii: "f"): sink.appendUnchecked(0x0C)
      case UInt8(ascii: "n"): sink.appendUnchecked(0x0A)
      case UInt8(ascii: "r"): sink.appendUnchecked(0x0D)
      case UInt8(ascii: "t"): sink.appendUnchecked(0x09)
      case UInt8(ascii: "u"):
        var scalar = UInt32(hexValue(p) ?? 0)
        p += 4
        if scalar >= 0xD800 && scalar <= 0xDBFF {
          guard end - p >= 6, p[0] == UInt8(ascii: "\\"), p[1] == UInt8(ascii: "u"),
            let low = hexValue(p + 2), low >= 0xDC00 && low <= 0xDFFF
          else {
            throw LineError(.unpairedSurrogate(UInt16(scalar)), column: p - 6 - lineStart + 1)
          }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(low) - 0xDC00)
          p += 6
        } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
          throw LineError(.unpairedSurrogate(UInt16(scalar)), column: p - 6 - lineStart + 1)
        }
        // At most 4 bytes from the 6 of `\uXXXX` (or 12 of a pair): within the room made.
        appendUTF8(scalar, to: &sink)
      default: sink.appendUnchecked(kind)  // " \ /
      }
    }
  }

  /// `scalar`'s UTF-8 bytes; `sink` has room for four.
  static func appendUTF8<Sink: JSONByteSink>(_ scalar: UInt32, to sink: inout Sink) {
    switch scalar {
    case 0..<0x80:
      sink.appendUnchecked(UInt8(scalar))
    case 0x80..<0x800:
      sink.appendUnchecked(UInt8(0xC0 | (scalar >> 6)))
      sink.appendUnchecked(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
      sink.appendUnchecked(UInt8(0xE0 | (scalar >> 12)))
      sink.appendUnchecked(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
      sink.appendUnchecked(UInt8(0x80 | (scalar & 0x3F)))
    default:
      sink.appendUnchecked(UInt8(0xF0 | (scalar >> 18)))
      sink.appendUnchecked(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
      sink.appendUnchecked(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
      sink.appendUnchecked(UInt8(0x80 | (scalar & 0x3F)))
    }
  }

  @inline(__always)
  static func hexValue(_ p: UnsafePointer<UInt8>) -> UInt16? {
    var value: UInt16 = 0
    for i in 0..<4 {
      let c = p[i]
      let digit: UInt8
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
      default: return nil
      }
      value = value << 4 | UInt16(digit)
    }
    return value
  }

  // MARK: Numbers

  /// Scans a number (RFC 8259 grammar) into exact decimal digits.
  mutating func scanNumber() throws(LineError) -> DecimalNumber {
    let numberStart = position
    var number = DecimalNumber(mantissa: 0)
    if position < end && position.pointee == UInt8(ascii: "-") {
      number.negative = true
      position += 1
    }
    var significant = 0
    var sawDigit = false
    func addDigit(_ d: UInt8, fractional: Bool, _ number: inout DecimalNumber) {
      if significant < 19 {
        if d != 0 || number.mantissa != 0 {
          number.mantissa = number.mantissa * 10 + UInt64(d)
          significant += number.mantissa == 0 ? 0 : 1
          if fractional { number.exponent -= 1 }
        } else if fractional {
          number.exponent -= 1
        }
      } else {
        if d != 0 { number.inexact = true }
        if !fractional { number.exponent += 1 }
      }
    }
    // Integer part: 0 or [1-9][0-9]*
    guard position < end, let first = digitValue(position.pointee) else {
      throw LineError(.invalidNumber, column: numberStart - start + 1)
    }
    position += 1
    sawDigit = true
    addDigit(first, fractional: false, &number)
    if first != 0 {
      while position < end, let d = digitValue(position.pointee) {
        addDigit(d, fractional: false, &number)
        position += 1
      }
    }
    if position < end && position.pointee == UInt8(ascii: ".") {
      position += 1
      sawDigit = false
      while position < end, let d = digitValue(position.pointee) {
        addDigit(d, fractional: true, &number)
        position += 1
        sawDigit = true
      }
      guard sawDigit else { throw LineError(.noDigitAfterPoint, column: numberStart - start + 1) }
    }
    if position < end && (position.pointee | 0x20) == UInt8(ascii: "e") {
      position += 1
      var exponentSign = 1
      if position < end && (position.pointee == UInt8(ascii: "+") || position.pointee == UInt8(ascii: "-")) {
        exponentSign = position.pointee == UInt8(ascii: "-") ? -1 : 1
        position += 1
      }
      var exponent = 0
      sawDigit = false
      while position < end, let d = digitValue(position.pointee) {
        // Exponents beyond any representable time saturate; scaled() then reports overflow.
        if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
        position += 1
        sawDigit = true
      }
      guard sawDigit else { throw LineError(.noDigitInExponent, column: numberStart - start + 1) }
      number.exponent += exponentSign * exponent
    }
    if number.mantissa == 0 { number.exponent = 0 }
    return number
  }

  /// Scans a lone number value, for command-line times.
  mutating func scanNumberValue() throws(LineError) -> Scalar {
    .number(try scanNumber())
  }

  @inline(__always)
  private func digitValue(_ byte: UInt8) -> UInt8? {
    let d = byte &- UInt8(ascii: "0")
    return d < 10 ? d : nil
  }

  // MARK: Values

  /// `scanScalar` with a string straight after the colon (most values) read in line.
  @inline(__always)
  mutating func scanValue() throws(LineError) -> Scalar {
    if position < end && position.pointee == UInt8(ascii: "\"") { return .string(try scanString()) }
    return try scanScalar()
  }

  /// Scans the value of a field lockscope reads (after whitespace).
  mutating func scanScalar() throws(LineError) -> Scalar {
    skipWhitespace()
    guard position < end else { throw error(.endOfLine(expected: "a value")) }
    switch position.pointee {
    case UInt8(ascii: "\""): return .string(try scanString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanNumber())
    case UInt8(ascii: "n"):
      try literal("null")
      return .null
    case UInt8(ascii: "t"):
      try literal("true")
      return .other(.boolean)
    case UInt8(ascii: "f"):
      try literal("false")
      return .other(.boolean)
    case UInt8(ascii: "{"):
      try skipValue(depth: 0)
      return .other(.object)
    case UInt8(ascii: "["):
      try skipValue(depth: 0)
      return .other(.array)
    default:
      throw error(.unexpectedCharacter(position.pointee))
    }
  }

  /// Skips any JSON value, checking it (after whitespace).
  mutating func skipValue(depth: Int) throws(LineError) {
    skipWhitespace()
    guard position < end else { throw error(.endOfLine(expected: "a value")) }
    switch position.pointee {
    case UInt8(ascii: "\""): try skipString()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
    case UInt8(ascii: "n"): try literal("null")
    case UInt8(ascii: "t"): try literal("true")
    case UInt8(ascii: "f"): try literal("false")
    case UInt8(ascii: "{"):
      guard depth < JSONScanner.maximumDepth else { throw error(.nestedTooDeep(levels: JSONScanner.maximumDepth)) }
      position += 1
      skipWhitespace()
      if position < end && position.pointee == UInt8(ascii: "}") {
        position += 1
        return
      }
      while true {
        skipWhitespace()
        guard position < end, position.pointee == UInt8(ascii: "\"") else {
          throw error(position < end ? .expected("a key string") : .endOfLineInside("an object"))
        }
        try skipString()
        try expect(UInt8(ascii: ":"), "':' after a key")
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard position < end else { throw error(.endOfLineInside("an object")) }
        let byte = position.pointee
        position += 1
        if byte == UInt8(ascii: "}") { return }
        guard byte == UInt8(ascii: ",") else {
          position -= 1
          throw error(.expected("',' or '}' in an object"))
        }
      }
    case UInt8(ascii: "["):
      guard depth < JSONScanner.maximumDepth else { throw error(.nestedTooDeep(levels: JSONScanner.maximumDepth)) }
      position += 1
      skipWhitespace()
      if position < end && position.pointee == UInt8(ascii: "]") {
        position += 1
        return
      }
      while true {
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard position < end else { throw error(.endOfLineInside("an array")) }
        let byte = position.pointee
        position += 1
        if byte == UInt8(ascii: "]") { return }
        guard byte == UInt8(ascii: ",") else {
          position -= 1
          throw error(.expected("',' or ']' in an array"))
        }
      }
    default:
      throw error(.unexpectedCharacter(position.pointee))
    }
  }

  /// How many of the bytes of `word` (little-endian: the first byte lowest) are ASCII
  /// digits before the first that is not (8: all of them).
  @inline(__always)
  static func leadingDigits(_ word: UInt64) -> Int {
    let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
    let zeros: UInt64 = 0x3030_3030_3030_3030
    // A byte is a digit when both it and it plus 6 are 0x3_. A byte past 0xF9 carries into
    // the next, but only bytes above the first non-digit can be disturbed by that.
    let notDigit = ((word & high) ^ zeros) | (((word &+ 0x0606_0606_0606_0606) & high) ^ zeros)
    return notDigit.trailingZeroBitCount >> 3
  }

  /// Checks a number's grammar (RFC 8259) without converting it.
  @inline(__always)
  mutating func skipNumber() throws(LineError) {
    let numberStart = position
    if position.pointee == UInt8(ascii: "-") { position += 1 }
    func digits(_ scanner: inout JSONScanner) -> Int {
      var count = 0
      // Eight at a time while eight may be read (pids, timeouts: digits end well before
      // the line does), then byte by byte.
      while scanner.end - scanner.position >= 8 {
        let run = JSONScanner.leadingDigits(UnsafeRawPointer(scanner.position).loadUnaligned(as: UInt64.self))
        scanner.position += run
        count += run
        if run < 8 { return count }
      }
      while scanner.position < scanner.end && scanner.position.pointee &- UInt8(ascii: "0") < 10 {
        scanner.position += 1
        count += 1
      }
      return count
    }
    guard position < end else { throw LineError(.invalidNumber, column: numberStart - start + 1) }
    if position.pointee == UInt8(ascii: "0") {
      position += 1
    } else if digits(&self) == 0 {
      throw LineError(.invalidNumber, column: numberStart - start + 1)
    }
    if position < end && position.pointee == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw LineError(.noDigitAfterPoint, column: numberStart - start + 1) }
    }
    if position < end && (position.pointee | 0x20) == UInt8(ascii: "e") {
      position += 1
      if position < end && (position.pointee == UInt8(ascii: "+") || position.pointee == UInt8(ascii: "-")) { position += 1 }
      guard digits(&self) > 0 else { throw LineError(.noDigitInExponent, column: numberStart - start + 1) }
    }
  }

  private mutating func literal(_ word: StaticString) throws(LineError) {
    let count = word.utf8CodeUnitCount
    guard end - position >= count, memcmp(position, word.utf8Start, count) == 0 else {
      throw error(.invalidLiteral(expected: "\(word)"))
    }
    position += count
  }
}

/// A byte as it can be shown in a message.
func printable(_ byte: UInt8) -> String {
  byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x" + hex(byte, width: 2)
}

func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
  let digits = String(value, radix: 16, uppercase: true)
  return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
