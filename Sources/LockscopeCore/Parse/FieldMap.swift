import Foundation

/// The fields of a log line that lockscope reads (SPEC §1).
public enum Field: Int, CaseIterable, Sendable {
  case ts, event, agent, lock, mode, capacity, leaseMs, token, traceID, spanID

  /// The key in the log when nothing is remapped.
  public var defaultKey: String {
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
    }
  }

  public static func named(_ key: String) -> Field? {
    allCases.first { $0.defaultKey == key }
  }
}

/// How field keys and event names are spelled in the logs being read
/// (`--field NAME=OTHER`, `--event KIND=OTHER`), plus `--time-unit`.
public struct FieldMap: Sendable {
  public private(set) var keys: [String] = Field.allCases.map(\.defaultKey)
  public private(set) var eventNames: [String] = EventKind.allCases.map(\.name)
  /// Forces the unit of epoch numbers; nil reads them by magnitude.
  public var timeUnit: TimeUnit?

  public init() {}

  public func key(_ field: Field) -> String { keys[field.rawValue] }
  public func eventName(_ kind: EventKind) -> String { eventNames[Int(kind.rawValue)] }

  /// `--field ts=timestamp`: read `ts` from the key `timestamp`.
  public mutating func remap(_ field: Field, to key: String) { keys[field.rawValue] = key }

  /// `--event acquire=lock_acquired`: the event `acquire` is spelled `lock_acquired`.
  public mutating func remap(_ kind: EventKind, to name: String) {
    eventNames[Int(kind.rawValue)] = name
  }
}

/// Byte strings matched against a token: names of up to 16 bytes are compared as two
/// packed words (no call, no loop), longer ones with `memcmp`. Built once from a list of
/// names, so each key of each line costs a length check and one or two compares.
struct ByteMatcher {
  private struct Entry {
    var index: Int
    var low: UInt64
    var high: UInt64
    var bytes: [UInt8]
  }
  private var byLength: [[Entry]]

  init(_ names: [String]) {
    let longest = names.map(\.utf8.count).max() ?? 0
    byLength = Array(repeating: [], count: longest + 1)
    for (index, name) in names.enumerated() {
      let bytes = Array(name.utf8)
      let (low, high) = bytes.withUnsafeBufferPointer { ByteMatcher.pack($0.baseAddress, bytes.count) }
      byLength[bytes.count].append(Entry(index: index, low: low, high: high, bytes: bytes))
    }
  }

  /// The index of the name equal to `bytes[0..<count]`, or nil. `readable` is how many
  /// bytes may be read from `bytes` (at least `count`); with eight or more, a short name is
  /// compared with one masked load.
  @inline(__always)
  func match(_ bytes: UnsafePointer<UInt8>, _ count: Int, readable: Int = 0) -> Int? {
    guard count < byLength.count else { return nil }
    let candidates = byLength[count]
    if candidates.isEmpty { return nil }
    if count < 8 && readable >= 8 {
      let word = UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self) & ((1 << UInt64(8 * count)) &- 1)
      for entry in candidates where entry.low == word { return entry.index }
      return nil
    }
    if count <= 16 {
      let (low, high) = ByteMatcher.pack(bytes, count)
      for entry in candidates where entry.low == low && entry.high == high { return entry.index }
      return nil
    }
    for entry in candidates where entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes, count) == 0 }) {
      return entry.index  // count > 16, so the stored name is non-empty
    }
    return nil
  }

  /// Up to 16 bytes packed little-endian into two words, zero beyond `count`.
  @inline(__always)
  static func pack(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> (UInt64, UInt64) {
    guard let bytes, count > 0 else { return (0, 0) }
    var low: UInt64 = 0
    var high: UInt64 = 0
    let raw = UnsafeRawPointer(bytes)
    if count >= 8 {
      low = raw.loadUnaligned(as: UInt64.self)
      if count == 16 {
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
