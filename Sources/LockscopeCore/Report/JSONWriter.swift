/// Builds pretty-printed JSON (two-space indent, keys in the order written) as UTF-8 bytes,
/// escaping strings per RFC 8259. Bytes, not `String`: a report with thousands of locks and
/// findings is written in one pass with no per-character work on plain ASCII.
struct JSONWriter {
  private(set) var bytes: [UInt8] = []
  private var depth = 0
  /// Whether the current container already has an element (a comma is due).
  private var hasElement: [Bool] = []
  /// One line, no spaces: for JSON embedded in a stream (trace events, JSON Lines).
  private let compact: Bool

  init(compact: Bool = false) {
    self.compact = compact
    bytes.reserveCapacity(compact ? 256 : 1 << 16)
  }

  /// The JSON as text.
  var text: String { String(decoding: bytes, as: UTF8.self) }

  mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
  mutating func endObject() { close(UInt8(ascii: "}")) }
  mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
  mutating func endArray() { close(UInt8(ascii: "]")) }

  mutating func field(_ key: String, _ value: String?) {
    element(key)
    if let value { JSONWriter.appendString(value, to: &bytes) } else { append("null") }
  }
  mutating func field(_ key: String, _ value: Int) {
    element(key)
    JSONWriter.appendInteger(Int64(value), to: &bytes)
  }
  mutating func field(_ key: String, _ value: Int64) {
    element(key)
    JSONWriter.appendInteger(value, to: &bytes)
  }
  /// A total that may pass Int64.max: JSON numbers have no range, so it is written exactly.
  mutating func field(_ key: String, _ value: Int128) {
    if let small = value.int64IfFits { return field(key, small) }
    element(key)
    append(String(value))
  }
  mutating func field(_ key: String, _ value: Double) {
    element(key)
    JSONWriter.appendNumber(value, to: &bytes)
  }
  mutating func field(_ key: String, _ value: Bool) {
    element(key)
    append(value ? "true" : "false")
  }
  /// A number already spelled as JSON (an exact decimal, a round-tripping double).
  mutating func number(_ key: String?, _ text: String) {
    element(key)
    append(text)
  }
  mutating func string(_ value: String) {
    element(nil)
    JSONWriter.appendString(value, to: &bytes)
  }

  private mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
  }

  private mutating func open(_ key: String?, _ bracket: UInt8) {
    element(key)
    bytes.append(bracket)
    depth += 1
    hasElement.append(false)
  }

  private mutating func close(_ bracket: UInt8) {
    depth -= 1
    if hasElement.removeLast() { newline() }
    bytes.append(bracket)
    if depth == 0 && !compact { bytes.append(UInt8(ascii: "\n")) }
  }

  private mutating func element(_ key: String?) {
    if let last = hasElement.last {
      if last { bytes.append(UInt8(ascii: ",")) }
      hasElement[hasElement.count - 1] = true
      newline()
    }
    if let key {
      JSONWriter.appendString(key, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      if !compact { bytes.append(UInt8(ascii: " ")) }
    }
  }

  private mutating func newline() {
    guard !compact else { return }
    bytes.append(UInt8(ascii: "\n"))
    // The indent in one append (reports nest a few levels; deeper ones take more turns).
    var spaces = 2 * depth
    while spaces > 0 {
      let run = min(spaces, JSONWriter.indent.count)
      bytes.append(contentsOf: JSONWriter.indent[0..<run])
      spaces -= run
    }
  }

  private static let indent = [UInt8](repeating: UInt8(ascii: " "), count: 32)

  /// Decimal digits of an integer, written straight into the output.
  static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
    withUnsafeMutableBytes(of: &digits) { buffer in
      var index = buffer.count
      repeat {
        index -= 1
        buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
      } while magnitude > 0
      bytes.append(contentsOf: buffer[index...])
    }
  }

  /// A finite number with at most six decimals and no trailing zeros (`0.25`, `1`, `0`),
  /// written straight into the output.
  static func appendNumber(_ value: Double, to bytes: inout [UInt8]) {
    let scaled = (value * 1_000_000).rounded()
    guard scaled.isFinite, abs(scaled) < 9e18 else {
      bytes.append(contentsOf: Array(number(value).utf8))
      return
    }
    var micros = Int64(scaled)
    if micros < 0 {
      bytes.append(UInt8(ascii: "-"))
      micros = -micros
    }
    appendInteger(micros / 1_000_000, to: &bytes)
    var fraction = micros % 1_000_000
    guard fraction != 0 else { return }
    var width = 6
    while fraction % 10 == 0 {
      fraction /= 10
      width -= 1
    }
    bytes.append(UInt8(ascii: "."))
    var divisor: Int64 = 1
    for _ in 1..<width { divisor *= 10 }
    while divisor > 0 {
      bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
      divisor /= 10
    }
  }

  /// A finite number with at most six decimals and no trailing zeros (`0.25`, `1`, `0`).
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = formatFixed(value, decimals: 6)
    if text.utf8.contains(UInt8(ascii: ".")) {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped; other
  /// UTF-8 copied as is. Keys and names rarely need an escape: one pass finds the first
  /// byte that does, and everything before it is appended at once.
  static func appendString(_ value: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    var value = value
    value.withUTF8 { utf8 in
      var runStart = 0
      var index = 0
      while index < utf8.count {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F else {
          index += 1
          continue
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
        index += 1
        runStart = index
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default: bytes.append(contentsOf: Array(("\\u" + hex(UInt16(byte), width: 4)).utf8))
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Any JSON value; arrays of scalars stay on one line to keep findings compact.
  mutating func value(_ key: String?, _ value: JSONValue) {
    switch value {
    case .string(let string):
      element(key)
      JSONWriter.appendString(string, to: &bytes)
    case .int(let number):
      element(key)
      JSONWriter.appendInteger(number, to: &bytes)
    case .double(let number):
      element(key)
      JSONWriter.appendNumber(number, to: &bytes)
    case .bool(let flag):
      element(key)
      append(flag ? "true" : "false")
    case .null:
      element(key)
      append("null")
    case .array(let items):
      beginArray(key)
      for item in items { self.value(nil, item) }
      endArray()
    case .object(let pairs):
      beginObject(key)
      for (name, item) in pairs { self.value(name, item) }
      endObject()
    }
  }
}
