/// Builds pretty-printed JSON text (two-space indent, keys in the order written), escaping
/// strings per RFC 8259. Small and allocation-light: one growing `String`.
struct JSONWriter {
  private(set) var text = ""
  private var depth = 0
  /// Whether the current container already has an element (a comma is due).
  private var hasElement: [Bool] = []

  mutating func beginObject(_ key: String? = nil) { open(key, "{") }
  mutating func endObject() { close("}") }
  mutating func beginArray(_ key: String? = nil) { open(key, "[") }
  mutating func endArray() { close("]") }

  mutating func field(_ key: String, _ value: String?) {
    element(key)
    if let value { JSONWriter.appendString(value, to: &text) } else { text += "null" }
  }
  mutating func field(_ key: String, _ value: Int) { element(key); text += String(value) }
  mutating func field(_ key: String, _ value: Int64) { element(key); text += String(value) }
  mutating func field(_ key: String, _ value: Double) { element(key); text += JSONWriter.number(value) }
  mutating func field(_ key: String, _ value: Bool) { element(key); text += value ? "true" : "false" }
  mutating func string(_ value: String) { element(nil); JSONWriter.appendString(value, to: &text) }
  mutating func raw(_ key: String?, _ json: String) { element(key); text += json }

  /// Any JSON value; arrays of scalars stay on one line to keep findings compact.
  mutating func value(_ key: String?, _ value: JSONValue) {
    switch value {
    case .string(let string): element(key); JSONWriter.appendString(string, to: &text)
    case .int(let number): element(key); text += String(number)
    case .double(let number): element(key); text += JSONWriter.number(number)
    case .bool(let flag): element(key); text += flag ? "true" : "false"
    case .null: element(key); text += "null"
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

  private mutating func open(_ key: String?, _ bracket: String) {
    element(key)
    text += bracket
    depth += 1
    hasElement.append(false)
  }

  private mutating func close(_ bracket: String) {
    depth -= 1
    if hasElement.removeLast() { newline() }
    text += bracket
    if depth == 0 { text += "\n" }
  }

  private mutating func element(_ key: String?) {
    if let last = hasElement.last {
      if last { text += "," }
      hasElement[hasElement.count - 1] = true
      newline()
    }
    if let key {
      JSONWriter.appendString(key, to: &text)
      text += ": "
    }
  }

  private mutating func newline() {
    text += "\n"
    text += String(repeating: "  ", count: depth)
  }

  /// A finite number with at most six decimals and no trailing zeros (`0.25`, `1`, `0`).
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = formatFixed(value, decimals: 6)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }

  static func appendString(_ value: String, to text: inout String) {
    text += "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": text += "\\\""
      case "\\": text += "\\\\"
      case "\n": text += "\\n"
      case "\r": text += "\\r"
      case "\t": text += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        text += "\\u" + hex(UInt16(scalar.value), width: 4)
      default: text.unicodeScalars.append(scalar)
      }
    }
    text += "\""
  }
}
