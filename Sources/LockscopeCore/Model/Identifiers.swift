/// Dense integer id of an agent name, assigned in order of first appearance.
///
/// Ids index plain arrays everywhere downstream, which is what keeps the hot path free of
/// hashing after the parser has interned a name once.
struct AgentID: Hashable, Comparable, Sendable {
  var rawValue: Int32
  init(_ rawValue: Int32) { self.rawValue = rawValue }
  var index: Int { Int(rawValue) }
  static func < (a: AgentID, b: AgentID) -> Bool { a.rawValue < b.rawValue }
}

/// Dense integer id of a lock name, assigned in order of first appearance.
struct LockID: Hashable, Comparable, Sendable {
  var rawValue: Int32
  init(_ rawValue: Int32) { self.rawValue = rawValue }
  var index: Int { Int(rawValue) }
  /// Placeholder for events that carry no lock (`crash`).
  static let none = LockID(-1)
  static func < (a: LockID, b: LockID) -> Bool { a.rawValue < b.rawValue }
}

/// Where an event came from: an input (index into the input list) and a 1-based line.
struct SourceLocation: Hashable, Sendable {
  var input: Int32
  var line: Int64
}
