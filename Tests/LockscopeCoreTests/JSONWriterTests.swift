import Testing

@testable import LockscopeCore

/// `JSONWriter`'s fast paths (literal keys copied without an escape scan, the separator as
/// one run, integers two digits a turn, rows rewound and reused) against a slow reference
/// written from the definition: the same bytes for every key, value, depth and layout.
@Suite("JSON writer fast paths")
struct JSONWriterTests {
  /// A piece of a document: what the writer is asked to write and what the reference prints.
  indirect enum Node {
    case integer(Int64)
    case number(Double)
    case flag(Bool)
    case null
    case text(String)
    case object([(String, Node)])
    case array([Node])
  }

  /// The string as RFC 8259 says, one byte at a time (quotes, backslash, C0 and DEL escaped;
  /// everything else, UTF-8 beyond ASCII included, as it is).
  static func quoted(_ text: String) -> String { String(decoding: jsonQuotedByHand(text.utf8), as: UTF8.self) }

  /// Two-space indent, `"key": value`, empty containers as `{}`/`[]`; compact: no blanks.
  static func reference(_ node: Node, compact: Bool, depth: Int = 0) -> String {
    func indent(_ level: Int) -> String { compact ? "" : "\n" + String(repeating: "  ", count: level) }
    func members(_ items: [(String?, Node)], _ open: String, _ close: String) -> String {
      guard !items.isEmpty else { return open + close }
      let inner = items.map { key, value in
        indent(depth + 1) + (key.map { quoted($0) + (compact ? ":" : ": ") } ?? "")
          + reference(value, compact: compact, depth: depth + 1)
      }
      return open + inner.joined(separator: ",") + indent(depth) + close
    }
    switch node {
    case .integer(let value): return String(value)
    case .number(let value): return JSONWriter.number(value)
    case .flag(let value): return value ? "true" : "false"
    case .null: return "null"
    case .text(let text): return quoted(text)
    case .object(let pairs): return members(pairs.map { ($0.0, $0.1) }, "{", "}")
    case .array(let items): return members(items.map { (nil, $0) }, "[", "]")
    }
  }

  /// Writes `node` under `key` with the writer's typed calls: literal keys when `literal`
  /// and the key is one of `literalKeys`, run-time keys otherwise.
  static func write(_ node: Node, key: String?, literal: Bool, into json: inout JSONWriter) {
    let typed: JSONKey? = key.map { key in literal ? literalKey(key) ?? JSONKey(key) : JSONKey(key) }
    switch node {
    case .integer(let value):
      if let typed { json.field(typed, value) } else { json.value(nil as JSONKey?, .int(value)) }
    case .number(let value):
      if let typed { json.field(typed, value) } else { json.value(nil as JSONKey?, .double(value)) }
    case .flag(let value):
      if let typed { json.field(typed, value) } else { json.value(nil as JSONKey?, .bool(value)) }
    case .null:
      if let typed { json.field(typed, nil as String?) } else { json.value(nil as JSONKey?, .null) }
    case .text(let text):
      if let typed { json.field(typed, text) } else { json.string(text) }
    case .object(let pairs):
      json.beginObject(typed)
      for (name, value) in pairs { write(value, key: name, literal: literal, into: &json) }
      json.endObject()
    case .array(let items):
      json.beginArray(typed)
      for item in items { write(item, key: nil, literal: literal, into: &json) }
      json.endArray()
    }
  }

  static let literalKeys = ["count", "wait_total_ns", "unfinished_max_ns", "hold_over_expected", "x"]

  /// The literal spelled in the code for `key`, when it is one.
  static func literalKey(_ key: String) -> JSONKey? {
    switch key {
    case "count": "count"
    case "wait_total_ns": "wait_total_ns"
    case "unfinished_max_ns": "unfinished_max_ns"
    case "hold_over_expected": "hold_over_expected"
    case "x": "x"
    default: nil
    }
  }

  /// Names a log may hold: plain, with quotes, backslashes, control characters, DEL,
  /// non-ASCII, and bytes that were not UTF-8 (repaired when read, as names are).
  static let hostileStrings: [String] = [
    "", "a", "ledger", "lock \"quoted\"", #"back\slash"#, "line\nbreak\r\ttab", "\u{01}\u{1F}\u{7F}", "é🔒 ünïcödé",
    String(decoding: [0x61, 0xFF, 0xFE, 0x22, 0xC3], as: UTF8.self), String(repeating: "long-name-", count: 9) + "\"",
    "\u{1b}[31mred\u{1b}[0m", "\u{2028}\u{202E}",
  ]

  static func randomNode(_ random: inout SplitMix, depth: Int, maxDepth: Int) -> Node {
    let keys = literalKeys + hostileStrings
    switch random.below(depth >= maxDepth ? 5 : 7) {
    case 0:
      let magnitude = Int64.max >> UInt64(random.below(63))
      return .integer(random.below(2) == 0 ? Int64(random.next() % UInt64(magnitude) + 1) : -Int64(random.next() % UInt64(magnitude)))
    case 1: return .number(Double(random.below(2_000_000)) / Double([1, 7, 1000, 1_000_000][random.below(4)]))
    case 2: return random.below(2) == 0 ? .flag(random.below(2) == 0) : .null
    case 3, 4: return .text(hostileStrings[random.below(hostileStrings.count)])
    case 5:
      return .object(
        (0..<random.below(5)).map { _ in (keys[random.below(keys.count)], randomNode(&random, depth: depth + 1, maxDepth: maxDepth)) })
    default: return .array((0..<random.below(5)).map { _ in randomNode(&random, depth: depth + 1, maxDepth: maxDepth) })
    }
  }

  @Test("literal and run-time keys, hostile names and every value kind write what the slow reference writes, at any depth")
  func matchesReference() {
    var random = SplitMix(seed: 13)
    for round in 0..<400 {
      // Some documents nest past the 64 levels the separator run indents.
      let maxDepth = round % 20 == 0 ? 70 : 6
      var node = Self.randomNode(&random, depth: 0, maxDepth: maxDepth)
      if round % 20 == 0 {
        for _ in 0..<68 { node = Node.array([node, Node.object([("count", Node.integer(1)), ("é\"", Node.null)])]) }
      }
      node = Node.object([("x", node), ("lock \"a\"", Node.text("b"))])
      for compact in [false, true] {
        let expected = Self.reference(node, compact: compact) + (compact ? "" : "\n")
        for literal in [true, false] {
          var json = JSONWriter(compact: compact, capacity: round % 3 == 0 ? 16 : nil)
          Self.write(node, key: nil, literal: literal, into: &json)
          #expect(json.text == expected, "round \(round), compact \(compact), literal keys \(literal)")
        }
      }
    }
  }

  @Test("a string key made at run time is escaped as a value is; the literal path writes the same bytes")
  func runTimeKeysEscaped() {
    for name in Self.hostileStrings + Self.literalKeys {
      for compact in [false, true] {
        var json = JSONWriter(compact: compact)
        json.beginObject()
        json.field(name, Int64(7))
        json.field(JSONKey(name), nil as String?)
        json.endObject()
        let gap = compact ? "" : " "
        let line = compact ? "" : "\n  "
        let expected =
          "{" + line + Self.quoted(name) + ":" + gap + "7," + line + Self.quoted(name) + ":" + gap + "null" + (compact ? "}" : "\n}\n")
        #expect(json.text == expected, "\(name)")
      }
    }
  }

  @Test("integers two digits a turn: every digit count, both signs, the extremes of Int64")
  func integersAgainstDescription() {
    var values: [Int64] = [0, .max, .min, .min + 1]
    var power: Int64 = 1
    for _ in 0..<19 {
      values += [power - 1, power, power + 1, -power, -(power - 1), 2 * power - 1, 5 * power]
      power = power.multipliedReportingOverflow(by: 10).overflow ? power : power * 10
    }
    var random = SplitMix(seed: 19)
    for _ in 0..<5000 { values.append(Int64(bitPattern: random.next()) >> UInt64(random.below(64))) }
    var written: [UInt8] = []
    var expected = ""
    for value in values {
      JSONWriter.appendInteger(value, to: &written)
      written.append(UInt8(ascii: " "))
      expected += String(value) + " "
    }
    #expect(String(decoding: written, as: UTF8.self) == expected)
    // The writer's own buffer takes the same digits.
    var json = JSONWriter(compact: true)
    json.beginArray()
    for value in values { json.value(nil as JSONKey?, .int(value)) }
    json.endArray()
    #expect(json.text == "[" + values.map { String($0) }.joined(separator: ",") + "]")
  }

  @Test("numbers written in place match their spelled form: zero, negative zero, tiny, rounded, huge, not finite")
  func numbersAgainstSpelling() {
    var values: [Double] = [0, -0.0, 1e-7, -1e-7, 4e-7, 5e-7, 0.5, -0.25, 1, 123.4567891, 1e18, 9.5e18, -1e19, .infinity, -.infinity, .nan]
    var random = SplitMix(seed: 7)
    for _ in 0..<2000 { values.append(Double(Int64(bitPattern: random.next()) >> 40) / Double(1 << random.below(30))) }
    for value in values {
      var written: [UInt8] = []
      JSONWriter.appendNumber(value, to: &written)
      #expect(String(decoding: written, as: UTF8.self) == JSONWriter.number(value), "\(value)")
    }
  }

  @Test("a writer rewound keeps its nesting: the elements after it begin with their comma")
  func rewindKeepsNesting() {
    var json = JSONWriter()
    json.beginObject()
    json.beginArray("rows")
    let start = json.byteCount
    var parts: [String] = []
    for index in 0..<5 {
      json.beginObject()
      json.field("n", index)
      json.endObject()
      if index % 2 == 0 {
        parts.append(json.withBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[start...]), as: UTF8.self) })
        json.rewind(to: start)
      }
    }
    parts.append(json.withBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[start...]), as: UTF8.self) })
    var whole = JSONWriter()
    whole.beginObject()
    whole.beginArray("rows")
    let wholeStart = whole.byteCount
    for index in 0..<5 {
      whole.beginObject()
      whole.field("n", index)
      whole.endObject()
    }
    #expect(parts.joined() == whole.withBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[wholeStart...]), as: UTF8.self) })
  }
}
