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

/// Byte strings matched against a token by length first, then by content; built once from
/// a list of names so each line's keys cost a length check and, rarely, a `memcmp`.
struct ByteMatcher {
  private var byLength: [[(Int, [UInt8])]]

  init(_ names: [String]) {
    let longest = names.map(\.utf8.count).max() ?? 0
    byLength = Array(repeating: [], count: longest + 1)
    for (index, name) in names.enumerated() { byLength[name.utf8.count].append((index, Array(name.utf8))) }
  }

  /// The index of the name equal to `bytes[0..<count]`, or nil.
  @inline(__always)
  func match(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int? {
    guard count < byLength.count else { return nil }
    for (index, name) in byLength[count] where name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes, count) == 0 }) {
      return index  // a stored name of this length is non-empty unless count == 0, and memcmp of 0 bytes reads nothing
    }
    return nil
  }
}
