/// A summary file read into a tree. Summaries come from other machines and may be damaged
/// or hostile: nesting is bounded, every byte is checked against RFC 8259, numbers are kept
/// as their text until the reader asks for a type and a range — nothing here can trap.
indirect enum SummaryJSON {
  case null
  case bool(Bool)
  /// The number's text, as written (validated against the JSON grammar).
  case number(String)
  case string(String)
  case array([SummaryJSON])
  case object([(String, SummaryJSON)])

  /// The value at `key` of an object (the first, if repeated).
  subscript(key: String) -> SummaryJSON? {
    if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
    return nil
  }
}

/// Why a summary was refused: one line for the user.
struct SummaryError: Error, Equatable, Sendable {
  var message: String
  init(_ message: String) { self.message = message }
}

/// A recursive-descent JSON reader over bytes, for `SummaryJSON`.
struct SummaryJSONParser {
  /// Deeper than any summary nests (finding details are a few levels).
  static let maximumDepth = 48

  private let bytes: [UInt8]
  private var position = 0

  private init(_ bytes: [UInt8]) { self.bytes = bytes }

  static func parse(_ bytes: [UInt8]) throws(SummaryError) -> SummaryJSON {
    var parser = SummaryJSONParser(bytes)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else { throw parser.error("unexpected data after the JSON value") }
    return value
  }

  private func error(_ reason: String) -> SummaryError {
    SummaryError("not a valid summary: \(reason) at byte \(position + 1)")
  }

  private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipWhitespace() {
    while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
  }

  /// An object's or array's members, from its opening byte to `close`: `member` reads each
  /// (at its first byte), the commas and white space between them are read here.
  private mutating func list(
    closedBy close: Unicode.Scalar, _ member: (inout SummaryJSONParser) throws(SummaryError) -> Void
  ) throws(SummaryError) {
    position += 1
    skipWhitespace()
    if peek == UInt8(ascii: close) {
      position += 1
      return
    }
    while true {
      skipWhitespace()
      try member(&self)
      skipWhitespace()
      if peek == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard peek == UInt8(ascii: close) else { throw error("expected ',' or '\(close)'") }
      position += 1
      return
    }
  }

  private mutating func value(depth: Int) throws(SummaryError) -> SummaryJSON {
    guard depth < SummaryJSONParser.maximumDepth else { throw error("nested too deeply") }
    guard let byte = peek else { throw error("unexpected end") }
    switch byte {
    case UInt8(ascii: "{"):
      var pairs: [(String, SummaryJSON)] = []
      try list(closedBy: "}") { parser throws(SummaryError) in
        guard parser.peek == UInt8(ascii: "\"") else { throw parser.error("expected a key string") }
        let key = try parser.string()
        parser.skipWhitespace()
        guard parser.peek == UInt8(ascii: ":") else { throw parser.error("expected ':'") }
        parser.position += 1
        parser.skipWhitespace()
        pairs.append((key, try parser.value(depth: depth + 1)))
      }
      return .object(pairs)
    case UInt8(ascii: "["):
      var items: [SummaryJSON] = []
      try list(closedBy: "]") { parser throws(SummaryError) in items.append(try parser.value(depth: depth + 1)) }
      return .array(items)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    default: return try number()
    }
  }

  private mutating func literal(_ word: String, _ value: SummaryJSON) throws(SummaryError) -> SummaryJSON {
    let expected = Array(word.utf8)
    guard position + expected.count <= bytes.count, Array(bytes[position..<position + expected.count]) == expected else {
      throw error("unexpected character")
    }
    position += expected.count
    return value
  }

  private mutating func number() throws(SummaryError) -> SummaryJSON {
    let start = position
    func digits(_ parser: inout SummaryJSONParser) -> Int {
      var count = 0
      while let byte = parser.peek, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        parser.position += 1
        count += 1
      }
      return count
    }
    if peek == UInt8(ascii: "-") { position += 1 }
    let leading = peek
    let integerDigits = digits(&self)
    guard integerDigits > 0 else { throw error("unexpected character") }
    guard !(leading == UInt8(ascii: "0") && integerDigits > 1) else { throw error("a number with a leading zero") }
    if peek == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw error("a number with no digits after '.'") }
    }
    if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
      position += 1
      if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
      guard digits(&self) > 0 else { throw error("a number with no exponent digits") }
    }
    return .number(String(decoding: bytes[start..<position], as: UTF8.self))
  }

  private mutating func string() throws(SummaryError) -> String {
    position += 1  // the opening quote
    var text: [UInt8] = []
    while true {
      guard let byte = peek else { throw error("unterminated string") }
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        guard let string = String(validating: text, as: UTF8.self) else { throw error("a string that is not UTF-8") }
        return string
      case UInt8(ascii: "\\"):
        guard let escape = peek else { throw error("unterminated string") }
        position += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if scalar >= 0xD800 && scalar < 0xDC00 {
            guard peek == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
              throw error("a lone surrogate")
            }
            position += 2
            let low = try hex4()
            guard low >= 0xDC00 && low < 0xE000 else { throw error("a lone surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if scalar >= 0xDC00 && scalar < 0xE000 {
            throw error("a lone surrogate")
          }
          JSONScanner.appendUTF8(scalar, to: &text)
        default: throw error("an unknown escape")
        }
      default:
        guard byte >= 0x20 else { throw error("a control character in a string") }
        text.append(byte)
      }
    }
  }

  private mutating func hex4() throws(SummaryError) -> UInt32 {
    guard position + 4 <= bytes.count else { throw error("a short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error("a bad \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }
}
