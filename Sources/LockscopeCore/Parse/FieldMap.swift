import Foundation

/// The fields of a log line that lockscope reads (SPEC §1).
enum Field: Int, CaseIterable, Sendable {
  case ts, event, agent, lock, mode, capacity, leaseMs, token, traceID, spanID, expectedMs, site

  /// The key in the log when nothing is remapped.
  var defaultKey: String {
    switch self {
    case .ts: "ts"
    case .event: "event"
    case .agent: "agent"
    case .lock: "lock"
    case .mode: "mode"
    case .capacity: "capacity"
    case .leaseMs: "lease_ms"
    case .token: "token"
    case .traceID: "trace_id"
    case .spanID: "span_id"
    case .expectedMs: "expected_ms"
    case .site: "site"
    }
  }

  /// `Field(rawValue:)` without the call the compiler makes of it (a dozen keys a line): a
  /// field-less enum of 12 cases is its case number in one byte (a test holds this to
  /// `init(rawValue:)` for every index).
  @inline(__always)
  static func at(_ index: Int) -> Field? {
    guard index >= 0 && index < 12 else { return nil }
    return unsafeBitCast(UInt8(truncatingIfNeeded: index), to: Field.self)
  }

  static func named(_ key: String) -> Field? {
    allCases.first { $0.defaultKey == key }
  }
}

/// How field keys and event names are spelled in the logs being read
/// (`--field NAME=OTHER`, `--event KIND=OTHER`), plus `--time-unit`.
struct FieldMap: Sendable {
  private(set) var keys: [String] = Field.allCases.map(\.defaultKey)
  private(set) var eventNames: [String] = EventKind.allCases.map(\.name)
  /// Forces the unit of epoch numbers; nil reads them by magnitude.
  var timeUnit: TimeUnit?
  /// `--timezone`: the zone of timestamps written without an offset.
  var timeZone = AssumedZone.utc
  /// `--strip-prefix`: each line is read from its first `{`.
  var stripPrefix = false

  init() {}

  func key(_ field: Field) -> String { keys[field.rawValue] }
  func eventName(_ kind: EventKind) -> String { eventNames[Int(kind.rawValue)] }

  /// `--field ts=timestamp`: read `ts` from the key `timestamp`.
  mutating func remap(_ field: Field, to key: String) { keys[field.rawValue] = key }

  /// `--event acquire=lock_acquired`: the event `acquire` is spelled `lock_acquired`.
  mutating func remap(_ kind: EventKind, to name: String) {
    eventNames[Int(kind.rawValue)] = name
  }
}

/// Byte strings matched against a token: names of up to 16 bytes are compared as two
/// packed words (no call, no loop), longer ones with `memcmp`. Built once from a list of
/// names, so each key of each line costs a length check and one or two compares.
///
/// The table lives in one manually allocated block of plain words: looking a key up
/// touches no reference-counted storage, which matters at a dozen keys per line.
final class ByteMatcher {
  /// Entries sorted by length; those of length `n` are `firstOfLength[n] ..< firstOfLength[n + 1]`.
  /// Per entry: the name's index and its first 16 bytes packed into two words.
  private let indices: UnsafeMutableBufferPointer<Int>
  private let lows: UnsafeMutableBufferPointer<UInt64>
  private let highs: UnsafeMutableBufferPointer<UInt64>
  private let firstOfLength: UnsafeMutableBufferPointer<Int>
  /// Names longer than 16 bytes, compared in full (rare: remapped keys).
  private let names: [[UInt8]]
  private let longestLength: Int

  init(_ names: [String]) {
    let bytes = names.map { Array($0.utf8) }
    let order = bytes.indices.sorted { bytes[$0].count < bytes[$1].count }
    self.names = bytes
    longestLength = bytes.map(\.count).max() ?? 0
    indices = .allocate(capacity: max(1, order.count))
    lows = .allocate(capacity: max(1, order.count))
    highs = .allocate(capacity: max(1, order.count))
    firstOfLength = .allocate(capacity: longestLength + 2)
    for (slot, index) in order.enumerated() {
      let name = bytes[index]
      let (low, high) = name.withUnsafeBufferPointer { ByteMatcher.pack($0.baseAddress, name.count) }
      indices[slot] = index
      lows[slot] = low
      highs[slot] = high
    }
    var next = 0
    for length in 0...(longestLength + 1) {
      while next < order.count && bytes[order[next]].count < length { next += 1 }
      firstOfLength[length] = next
    }
  }

  deinit {
    indices.deallocate()
    lows.deallocate()
    highs.deallocate()
    firstOfLength.deallocate()
  }

  /// The index of the name equal to `bytes[0..<count]`, or -1. `readable` is how many bytes
  /// may be read from `bytes` (at least `count`); with eight or more, a short name is
  /// compared with one masked load.
  @inline(__always)
  func index(_ bytes: UnsafePointer<UInt8>, _ count: Int, readable: Int = 0) -> Int {
    guard count <= longestLength else { return -1 }
    var slot = firstOfLength[count]
    let end = firstOfLength[count + 1]
    guard slot < end else { return -1 }
    let low: UInt64
    let high: UInt64
    if count < 8 && readable >= 8 {
      low = UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self) & ((1 << UInt64(8 * count)) &- 1)
      high = 0
    } else {
      (low, high) = ByteMatcher.pack(bytes, count)
    }
    while slot < end {
      if lows[slot] == low && highs[slot] == high {
        return count <= 16 ? indices[slot] : longMatch(from: slot, to: end, bytes, count)
      }
      slot += 1
    }
    return -1
  }

  /// The index of the name of `count` bytes (fewer than 16) packed little-endian in `low`
  /// and `high` (zero above them), or -1: a key the caller scanned in one or two words is
  /// matched by its length and those words, with no load of its bytes.
  @inline(__always)
  func index(low: UInt64, high: UInt64, count: Int) -> Int {
    guard count <= longestLength else { return -1 }
    var slot = firstOfLength[count]
    let end = firstOfLength[count + 1]
    while slot < end {
      if lows[slot] == low && highs[slot] == high { return indices[slot] }
      slot += 1
    }
    return -1
  }

  /// The index of the name equal to `bytes[0..<count]`, or nil.
  @inline(__always)
  func match(_ bytes: UnsafePointer<UInt8>, _ count: Int, readable: Int = 0) -> Int? {
    let found = index(bytes, count, readable: readable)
    return found >= 0 ? found : nil
  }

  @inline(never)
  private func longMatch(from first: Int, to end: Int, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    for slot in first..<end where lows[slot] == ByteMatcher.pack(bytes, count).0 {
      let name = names[indices[slot]]
      if name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes, count) == 0 }) { return indices[slot] }  // count > 16: non-empty
    }
    return -1
  }

  /// Up to 16 bytes packed little-endian into two words, zero beyond `count` (longer names:
  /// their first 16 bytes).
  @inline(__always)
  static func pack(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> (UInt64, UInt64) {
    guard let bytes, count > 0 else { return (0, 0) }
    var low: UInt64 = 0
    var high: UInt64 = 0
    let raw = UnsafeRawPointer(bytes)
    if count >= 8 {
      low = raw.loadUnaligned(as: UInt64.self)
      if count >= 16 {
        high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
      } else if count > 8 {
        // The last eight bytes, shifted so only those past the first word remain.
        high = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> UInt64(8 * (16 - count))
      }
    } else {
      for i in 0..<count { low |= UInt64(bytes[i]) << UInt64(8 * i) }
    }
    return (low, high)
  }
}
