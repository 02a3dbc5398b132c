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

  init(compact: Bool = false) {
    self.compact = compact
    out = JSONBytes(capacity: compact ? 256 : 1 << 16)
  }

  /// The JSON written so far, as bytes (a copy: read it once, at the end).
  var bytes: [UInt8] { out.array }

  /// How many bytes are written so far, without copying them.
  var byteCount: Int { out.count }

  /// A copy of the bytes in `range` of those written so far, led by `lead` when given (one
  /// array, one copy: for writing a long output in parts).
  func bytes(in range: Range<Int>, after lead: UInt8? = nil) -> [UInt8] {
    out.withBytes { written in
      var part: [UInt8] = []
      part.reserveCapacity(range.count + 1)
      if let lead { part.append(lead) }
      part.append(contentsOf: UnsafeBufferPointer(rebasing: written[range]))
      return part
    }
  }

  /// The byte at `offset` of those written so far.
  func byte(at offset: Int) -> UInt8 { out.withBytes { $0[offset] } }

  /// The JSON as text.
  var text: String { out.withBytes { String(decoding: $0, as: UTF8.self) } }

  mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
  mutating func endObject() { close(UInt8(ascii: "}")) }
  mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
  mutating func endArray() { close(UInt8(ascii: "]")) }

  mutating func field(_ key: String, _ value: String?) {
    element(key)
    if let value { JSONWriter.appendString(value, to: &out) } else { append("null") }
  }
  mutating func field(_ key: String, _ value: Int) {
    element(key)
    JSONWriter.appendInteger(Int64(value), to: &out)
  }
  mutating func field(_ key: String, _ value: Int64) {
    element(key)
    JSONWriter.appendInteger(value, to: &out)
  }
  /// A total that may pass Int64.max: JSON numbers have no range, so it is written exactly.
  mutating func field(_ key: String, _ value: Int128) {
    if let small = value.int64IfFits { return field(key, small) }
    element(key)
    append(String(value))
  }
  mutating func field(_ key: String, _ value: Double) {
    element(key)
    JSONWriter.appendNumber(value, to: &out)
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
    JSONWriter.appendString(value, to: &out)
  }

  private mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      out.reserve(utf8.count)
      out.appendUnchecked(utf8)
    }
  }

  private mutating func open(_ key: String?, _ bracket: UInt8) {
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

  private mutating func element(_ key: String?) {
    if depth > 0 {
      if currentHasElement {
        out.reserve(1)
        out.appendUnchecked(UInt8(ascii: ","))
      }
      setHasElement(true)
      newline()
    }
    if let key {
      JSONWriter.appendString(key, to: &out, reservingAfter: 2)
      out.appendUnchecked(UInt8(ascii: ":"))
      if !compact { out.appendUnchecked(UInt8(ascii: " ")) }
    }
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
    // The newline and the indent in one copy from a constant buffer: reports nest a few
    // levels; deeper ones take more turns.
    let run = JSONWriter.newlineAndIndent
    var spaces = 2 * depth
    out.reserve(1 + spaces)
    out.appendUnchecked(UnsafeBufferPointer(start: run.baseAddress, count: 1 + min(spaces, run.count - 1)))
    spaces -= min(spaces, run.count - 1)
    while spaces > 0 {
      let more = min(spaces, run.count - 1)
      out.appendUnchecked(UnsafeBufferPointer(start: run.baseAddress! + 1, count: more))  // allocated: never nil
      spaces -= more
    }
  }

  /// A newline and 64 spaces, made once and never freed.
  nonisolated(unsafe) private static let newlineAndIndent: UnsafeBufferPointer<UInt8> = {
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 65)
    buffer.initialize(repeating: UInt8(ascii: " "))
    buffer[0] = UInt8(ascii: "\n")
    return UnsafeBufferPointer(buffer)
  }()

  /// Decimal digits of an integer, written straight into the output.
  static func appendInteger<Sink: JSONByteSink>(_ value: Int64, to bytes: inout Sink) {
    bytes.reserve(20)  // a sign and 19 digits
    if value < 0 { bytes.appendUnchecked(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
    withUnsafeMutableBytes(of: &digits) { raw in
      // Typed, so the append takes the contiguous copy (a slice of raw bytes went element by
      // element through the generic path: two thirds of the cost of a number).
      let buffer = raw.bindMemory(to: UInt8.self)
      var index = buffer.count
      repeat {
        index -= 1
        buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
      } while magnitude > 0
      bytes.appendUnchecked(UnsafeBufferPointer(rebasing: buffer[index...]))
    }
  }

  /// A finite number with at most six decimals and no trailing zeros (`0.25`, `1`, `0`),
  /// written straight into the output.
  static func appendNumber<Sink: JSONByteSink>(_ value: Double, to bytes: inout Sink) {
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
  mutating func value(_ key: String?, _ value: JSONValue) {
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
    if count >= 8 && count <= 16 {
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

  func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    withExtendedLifetime(storage) { body(UnsafeBufferPointer(start: storage.base, count: count)) }
  }

  var array: [UInt8] { withBytes { Array($0) } }
}
