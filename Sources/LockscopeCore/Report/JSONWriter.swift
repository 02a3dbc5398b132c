/// Builds pretty-printed JSON (two-space indent, keys in the order written) as UTF-8 bytes,
/// escaping strings per RFC 8259. Bytes, not `String`: a report with thousands of locks and
/// findings is written in one pass with no per-character work on plain ASCII.
///
/// The bytes go into its own buffer (`JSONBytes`): each key, number or string reserves its
/// worst case once and is then written without further checks (an `Array` append costs a
/// uniqueness test, a capacity test and a generic call for every piece). A writer is a
/// builder used through one variable: a copy shares the buffer and must not be written to.
struct JSONWriter {
  private var out: JSONBytes
  private var depth = 0
  /// Bit `d - 1`: whether the open container at depth `d` already has an element (a comma
  /// is due). A word, not an array: no uniqueness check or bounds check per element.
  /// Containers nested deeper than 64 keep theirs in `deeperHasElement`.
  private var hasElementBits: UInt64 = 0
  private var deeperHasElement: [Bool] = []
  /// One line, no spaces: for JSON embedded in a stream (trace events, JSON Lines).
  private let compact: Bool
  /// `separatorRun`, read once.
  private let separators = JSONWriter.separatorRun

  /// `capacity`: the bytes to make room for at first (a writer that will hold a known
  /// amount grows no more).
  init(compact: Bool = false, capacity: Int? = nil) {
    self.compact = compact
    out = JSONBytes(capacity: capacity ?? (compact ? 256 : 1 << 16))
  }

  /// The JSON written so far, as bytes (a copy: read it once, at the end).
  var bytes: [UInt8] { out.array }

  /// How many bytes are written so far, without copying them.
  var byteCount: Int { out.count }

  /// The bytes written so far, lent to `body` without a copy.
  func withBytes<Result, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
    try out.withBytes(body)
  }

  /// Forgets the bytes after the first `count`, keeping the buffer and the nesting: for a
  /// long run of elements written and sent out in parts (the next element after a rewind
  /// still begins with its comma).
  mutating func rewind(to count: Int) { out.rewind(to: count) }

  /// The JSON as text.
  var text: String { out.withBytes { String(decoding: $0, as: UTF8.self) } }

  mutating func beginObject(_ key: JSONKey? = nil) { open(key, UInt8(ascii: "{")) }
  mutating func endObject() { close(UInt8(ascii: "}")) }
  mutating func beginArray(_ key: JSONKey? = nil) { open(key, UInt8(ascii: "[")) }
  mutating func endArray() { close(UInt8(ascii: "]")) }

  mutating func field(_ key: JSONKey, _ value: String?) {
    if let value {
      element(key)
      JSONWriter.appendString(value, to: &out)
    } else {
      element(key, then: "null")
    }
  }
  mutating func field(_ key: JSONKey, _ value: Int) {
    element(key)
    JSONWriter.appendInteger(Int64(value), to: &out)
  }
  mutating func field(_ key: JSONKey, _ value: Int64) {
    element(key)
    JSONWriter.appendInteger(value, to: &out)
  }
  /// A total that may pass Int64.max: JSON numbers have no range, so it is written exactly.
  mutating func field(_ key: JSONKey, _ value: Int128) {
    if let small = value.int64IfFits { return field(key, small) }
    element(key)
    append(String(value))
  }
  mutating func field(_ key: JSONKey, _ value: Double) {
    element(key)
    JSONWriter.appendNumber(value, to: &out)
  }
  mutating func field(_ key: JSONKey, _ value: Bool) {
    element(key, then: value ? "true" : "false")
  }
  /// A number already spelled as JSON (an exact decimal, a round-tripping double).
  mutating func number(_ key: JSONKey?, _ text: String) {
    element(key)
    append(text)
  }
  mutating func string(_ value: String) {
    element(nil)
    JSONWriter.appendString(value, to: &out)
  }

  // The same with keys made at run time (kinds, detail keys, a caller's parameter): escaped
  // as any string is. Disfavoured, so a literal key takes the `JSONKey` path above.
  @_disfavoredOverload mutating func beginObject(_ key: String?) { beginObject(key.map(JSONKey.init)) }
  @_disfavoredOverload mutating func beginArray(_ key: String?) { beginArray(key.map(JSONKey.init)) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: String?) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: Int) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: Int64) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: Int128) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: Double) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func field(_ key: String, _ value: Bool) { field(JSONKey(key), value) }
  @_disfavoredOverload mutating func number(_ key: String?, _ text: String) { number(key.map(JSONKey.init), text) }
  @_disfavoredOverload mutating func value(_ key: String?, _ value: JSONValue) { self.value(key.map(JSONKey.init), value) }

  private mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      out.reserve(utf8.count)
      out.appendUnchecked(utf8)
    }
  }

  private mutating func open(_ key: JSONKey?, _ bracket: UInt8) {
    element(key)
    out.reserve(1)
    out.appendUnchecked(bracket)
    depth += 1
    setHasElement(false)
  }

  private mutating func close(_ bracket: UInt8) {
    let hadElement = currentHasElement
    if depth > 64 { deeperHasElement.removeLast() }
    depth -= 1
    if hadElement { newline() }
    out.reserve(2)
    out.appendUnchecked(bracket)
    if depth == 0 && !compact { out.appendUnchecked(UInt8(ascii: "\n")) }
  }

  /// What comes before a value: the comma, newline and indent, then the key and its colon,
  /// and `literal` (`null`, `true`) when the value is one. Reports write tens of fields a
  /// row: one reservation for all of it, the separator one copy from a constant run, a
  /// literal key one copy with no escape scan.
  @inline(__always)
  private mutating func element(_ key: JSONKey?, then literal: StaticString = "") {
    var separator = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    if depth > 0 {
      let comma = currentHasElement
      setHasElement(true)
      if compact {
        if comma { separator = UnsafeBufferPointer(start: separators, count: 1) }
      } else if depth <= JSONWriter.runDepth {
        separator = UnsafeBufferPointer(start: comma ? separators : separators + 1, count: (comma ? 2 : 1) + 2 * depth)
      } else {
        // Deeper than the run reaches: the turns of `newline()`.
        if comma {
          out.reserve(1)
          out.appendUnchecked(UInt8(ascii: ","))
        }
        newline()
      }
    }
    let literalCount = literal.utf8CodeUnitCount
    switch key?.text {
    case .literal(let text)?:
      out.reserve(separator.count + text.utf8CodeUnitCount + 4 + literalCount)
      out.appendUnchecked(separator)
      out.appendUnchecked(UInt8(ascii: "\""))
      text.withUTF8Buffer { out.appendUnchecked($0) }
      out.appendUnchecked(UInt8(ascii: "\""))
      out.appendUnchecked(UInt8(ascii: ":"))
      if !compact { out.appendUnchecked(UInt8(ascii: " ")) }
    case .text(let text)?:
      out.reserve(separator.count)
      out.appendUnchecked(separator)
      JSONWriter.appendString(text, to: &out, reservingAfter: 2 + literalCount)
      out.appendUnchecked(UInt8(ascii: ":"))
      if !compact { out.appendUnchecked(UInt8(ascii: " ")) }
    case nil:
      out.reserve(separator.count + literalCount)
      out.appendUnchecked(separator)
    }
    if literalCount > 0 { literal.withUTF8Buffer { out.appendUnchecked($0) } }
  }

  /// Whether the innermost open container already has an element.
  @inline(__always)
  private var currentHasElement: Bool {
    depth <= 64 ? hasElementBits & (1 << UInt64(depth - 1)) != 0 : deeperHasElement[depth - 65]
  }

  /// Sets the innermost open container's flag (a container just opened gets its slot here).
  @inline(__always)
  private mutating func setHasElement(_ value: Bool) {
    if depth <= 64 {
      let bit: UInt64 = 1 << UInt64(depth - 1)
      hasElementBits = value ? hasElementBits | bit : hasElementBits & ~bit
    } else if deeperHasElement.count < depth - 64 {
      deeperHasElement.append(value)
    } else {
      deeperHasElement[depth - 65] = value
    }
  }

  private mutating func newline() {
    guard !compact else { return }
    // The newline and the indent in one copy from the constant run: reports nest a few
    // levels; deeper ones take more turns.
    let room = JSONWriter.runDepth * 2
    var spaces = 2 * depth
    out.reserve(1 + spaces)
    out.appendUnchecked(UnsafeBufferPointer(start: separators + 1, count: 1 + min(spaces, room)))
    spaces -= min(spaces, room)
    while spaces > 0 {
      let more = min(spaces, room)
      out.appendUnchecked(UnsafeBufferPointer(start: separators + 2, count: more))
      spaces -= more
    }
  }

  /// How deep the separator run indents.
  private static let runDepth = 64

  /// A comma, a newline and the indent of `runDepth` levels, made once and never freed: the
  /// separator before an element is one copy of a part of it (from the newline when no
  /// comma is due). Each writer keeps its address (`separators`), so using it costs no
  /// check that the global is made.
  nonisolated(unsafe) private static let separatorRun: UnsafePointer<UInt8> = {
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 + 2 * runDepth)
    buffer.initialize(repeating: UInt8(ascii: " "))
    buffer[0] = UInt8(ascii: ",")
    buffer[1] = UInt8(ascii: "\n")
    return UnsafePointer(buffer.baseAddress!)  // allocated: never nil
  }()

  /// Decimal digits of an integer, written straight into the output: two digits a turn
  /// from a table of the hundred pairs (half the divisions of one digit a turn).
  static func appendInteger<Sink: JSONByteSink>(_ value: Int64, to bytes: inout Sink) {
    bytes.reserve(20)  // a sign and 19 digits
    if value < 0 { bytes.appendUnchecked(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    if magnitude < 10 {
      bytes.appendUnchecked(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude))
      return
    }
    // A literal: its bytes are in the binary, with no lazy global to check on each use.
    let pairs: StaticString = """
      0001020304050607080910111213141516171819\
      2021222324252627282930313233343536373839\
      4041424344454647484950515253545556575859\
      6061626364656667686970717273747576777879\
      8081828384858687888990919293949596979899
      """
    let pair = pairs.utf8Start
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
    withUnsafeMutableBytes(of: &digits) { raw in
      // Typed, so the append takes the contiguous copy (a slice of raw bytes went element by
      // element through the generic path: two thirds of the cost of a number).
      let buffer = raw.bindMemory(to: UInt8.self)
      var index = buffer.count
      while magnitude >= 100 {
        let at = Int(truncatingIfNeeded: magnitude % 100) &* 2
        magnitude /= 100
        index -= 2
        buffer[index] = pair[at]
        buffer[index + 1] = pair[at + 1]
      }
      if magnitude >= 10 {
        let at = Int(truncatingIfNeeded: magnitude) &* 2
        index -= 2
        buffer[index] = pair[at]
        buffer[index + 1] = pair[at + 1]
      } else {
        index -= 1
        buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude)
      }
      bytes.appendUnchecked(UnsafeBufferPointer(rebasing: buffer[index...]))
    }
  }

  /// A finite number with at most six decimals and no trailing zeros (`0.25`, `1`, `0`),
  /// written straight into the output.
  static func appendNumber<Sink: JSONByteSink>(_ value: Double, to bytes: inout Sink) {
    if value == 0 {
      // Most rates and shares of most rows (-0 too, as the scaled path writes it).
      bytes.reserve(1)
      bytes.appendUnchecked(UInt8(ascii: "0"))
      return
    }
    let scaled = (value * 1_000_000).rounded()
    guard scaled.isFinite, abs(scaled) < 9e18 else {
      var text = number(value)
      text.withUTF8 { utf8 in
        bytes.reserve(utf8.count)
        bytes.appendUnchecked(utf8)
      }
      return
    }
    var micros = Int64(scaled)
    if micros < 0 {
      bytes.reserve(1)
      bytes.appendUnchecked(UInt8(ascii: "-"))
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
    bytes.reserve(1 + width)
    bytes.appendUnchecked(UInt8(ascii: "."))
    var divisor: Int64 = 1
    for _ in 1..<width { divisor *= 10 }
    while divisor > 0 {
      bytes.appendUnchecked(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
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
  /// byte that does, and everything before it is appended at once. Room for the worst case
  /// (six bytes for each byte, the quotes, and `reservingAfter` more for the caller) is
  /// reserved once, so nothing after it checks capacity.
  static func appendString<Sink: JSONByteSink>(_ value: String, to bytes: inout Sink, reservingAfter extra: Int = 0) {
    var value = value
    value.withUTF8 { utf8 in
      bytes.reserve(6 * utf8.count + 2 + extra)
      bytes.appendUnchecked(UInt8(ascii: "\""))
      var runStart = 0
      var index = 0
      while index < utf8.count {
        if utf8.count - index >= 8, let base = utf8.baseAddress {
          // Eight bytes at a time up to the first that may need an escape.
          let mask = JSONWriter.escapeMask(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
          if mask == 0 {
            index += 8
            continue
          }
          index += mask.trailingZeroBitCount >> 3
        } else if utf8.count >= 8, let base = utf8.baseAddress {
          // Fewer than eight left: the string's last eight bytes, the checked ones among
          // them clean. No hit ends the string; a hit at or past `index` is where to look
          // (one below it is a byte already escaped: take the bytes one at a time).
          let mask = JSONWriter.escapeMask(UnsafeRawPointer(base + utf8.count - 8).loadUnaligned(as: UInt64.self))
          let hit = utf8.count - 8 + mask.trailingZeroBitCount >> 3
          if mask == 0 {
            index = utf8.count
            continue
          }
          if hit >= index { index = hit }
        }
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F else {
          index += 1
          continue
        }
        bytes.appendUnchecked(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
        index += 1
        runStart = index
        bytes.appendUnchecked(0x5C)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.appendUnchecked(byte)
        case 0x0A: bytes.appendUnchecked(UInt8(ascii: "n"))
        case 0x0D: bytes.appendUnchecked(UInt8(ascii: "r"))
        case 0x09: bytes.appendUnchecked(UInt8(ascii: "t"))
        default:
          // \u00XX (control characters and DEL)
          for digit in Array(("u" + hex(UInt16(byte), width: 4)).utf8) { bytes.appendUnchecked(digit) }
        }
      }
      bytes.appendUnchecked(UnsafeBufferPointer(rebasing: utf8[runStart...]))
      bytes.appendUnchecked(UInt8(ascii: "\""))
    }
  }

  /// The high bit of each byte of `word` (little-endian) that is a quote, a backslash, a
  /// control character or DEL; bytes above the lowest flagged one may be false alarms, so
  /// the caller checks the byte it lands on. UTF-8 beyond ASCII is never flagged.
  @inline(__always)
  static func escapeMask(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let quotes = word ^ (ones &* 0x22)
    let backslashes = word ^ (ones &* 0x5C)
    let deletes = word ^ (ones &* 0x7F)
    let below = word &- (ones &* 0x20)
    let hits = (quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (deletes &- ones) & ~deletes | below
    return hits & ~word & (ones &* 0x80)
  }

  /// Any JSON value; arrays of scalars stay on one line to keep findings compact.
  mutating func value(_ key: JSONKey?, _ value: JSONValue) {
    switch value {
    case .string(let string):
      element(key)
      JSONWriter.appendString(string, to: &out)
    case .int(let number):
      element(key)
      JSONWriter.appendInteger(number, to: &out)
    case .double(let number):
      element(key)
      JSONWriter.appendNumber(number, to: &out)
    case .bool(let flag):
      element(key, then: flag ? "true" : "false")
    case .null:
      element(key, then: "null")
    case .array(let items):
      beginArray(key)
      for item in items { self.value(nil, item) }
      endArray()
    case .object(let pairs):
      beginObject(key)
      for (name, item) in pairs { self.value(JSONKey(name), item) }
      endObject()
    }
  }
}

/// A key of a JSON object. Most are literals in the code (`"wait_total_ns"`): plain ASCII
/// known when the code is compiled, written as they are with no escape scan (a debug build
/// checks that they need none). Keys made at run time are escaped as any string is.
struct JSONKey: ExpressibleByStringLiteral {
  enum Text {
    case literal(StaticString)
    case text(String)
  }

  let text: Text

  init(stringLiteral literal: StaticString) {
    assert(literal.withUTF8Buffer { $0.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C } }, "a key that needs escaping")
    text = .literal(literal)
  }

  init(_ text: String) { self.text = .text(text) }
}

/// Where `JSONWriter`'s pieces are written: `reserve(n)` makes room for `n` more bytes, after
/// which up to `n` bytes may be appended without a check.
protocol JSONByteSink {
  mutating func reserve(_ count: Int)
  mutating func appendUnchecked(_ byte: UInt8)
  mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// Lines built by other writers (`IntervalJSONWriter`): an array grows by itself.
extension Array: JSONByteSink where Element == UInt8 {
  @inline(__always) mutating func reserve(_ count: Int) {}
  @inline(__always) mutating func appendUnchecked(_ byte: UInt8) { append(byte) }
  @inline(__always) mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// A growing run of bytes written through a pointer: one capacity check per `reserve`,
/// none per byte. The memory is owned by a class so it is freed with the last copy; copies
/// share it, so only one of them may be written to (a writer is used through one variable).
struct JSONBytes: JSONByteSink {
  private final class Storage {
    let base: UnsafeMutablePointer<UInt8>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
    deinit { base.deallocate() }
  }

  private var storage: Storage
  private var next: UnsafeMutablePointer<UInt8>
  private var limit: UnsafeMutablePointer<UInt8>

  init(capacity: Int) {
    storage = Storage(capacity: max(capacity, 16))
    next = storage.base
    limit = storage.base + max(capacity, 16)
  }

  var count: Int { next - storage.base }

  @inline(__always)
  mutating func reserve(_ count: Int) {
    if limit - next < count { grow(to: self.count + count) }
  }

  /// At least doubles, so a long report is copied a few times in all.
  @inline(never)
  private mutating func grow(to needed: Int) {
    let used = count
    let capacity = Swift.max(needed, 2 * (limit - storage.base))
    let bigger = Storage(capacity: capacity)
    bigger.base.initialize(from: storage.base, count: used)
    storage = bigger
    next = bigger.base + used
    limit = bigger.base + capacity
  }

  @inline(__always)
  mutating func appendUnchecked(_ byte: UInt8) {
    next.initialize(to: byte)
    next += 1
  }

  /// Most pieces are keys, names, digits and indents of a few bytes: copied with two
  /// overlapping word moves, not a `memcpy` call (which costs more than such a copy).
  @inline(__always)
  mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress else { return }
    let count = bytes.count
    let from = UnsafeRawPointer(source)
    let to = UnsafeMutableRawPointer(next)
    if count > 16 && count <= 32 {
      // Keys with their separator are mostly here: four word moves, two from each end.
      let words = (
        from.loadUnaligned(as: UInt64.self), from.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
        from.loadUnaligned(fromByteOffset: count - 16, as: UInt64.self), from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
      )
      to.storeBytes(of: words.0, as: UInt64.self)
      to.storeBytes(of: words.1, toByteOffset: 8, as: UInt64.self)
      to.storeBytes(of: words.2, toByteOffset: count - 16, as: UInt64.self)
      to.storeBytes(of: words.3, toByteOffset: count - 8, as: UInt64.self)
    } else if count >= 8 && count <= 16 {
      let head = from.loadUnaligned(as: UInt64.self)
      let tail = from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
      to.storeBytes(of: head, as: UInt64.self)
      to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
    } else if count >= 4 && count < 8 {
      let head = from.loadUnaligned(as: UInt32.self)
      let tail = from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
      to.storeBytes(of: head, as: UInt32.self)
      to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
    } else if count < 4 {
      for offset in 0..<count { next[offset] = source[offset] }
    } else {
      next.initialize(from: source, count: count)
    }
    next += count
  }

  func withBytes<Result, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
    defer { withExtendedLifetime(storage) {} }
    return try body(UnsafeBufferPointer(start: storage.base, count: count))
  }

  /// Keeps the first `count` bytes (at most those written).
  mutating func rewind(to count: Int) {
    next = storage.base + Swift.min(Swift.max(count, 0), self.count)
  }

  var array: [UInt8] { withBytes { Array($0) } }
}
