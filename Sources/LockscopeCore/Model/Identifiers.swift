/// Dense integer id of an agent name, assigned in order of first appearance.
///
/// Ids index plain arrays everywhere downstream, which is what keeps the hot path free of
/// hashing after the parser has interned a name once.
public struct AgentID: Hashable, Comparable, Sendable {
  public var rawValue: Int32
  @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public var index: Int { Int(rawValue) }
  public static func < (a: AgentID, b: AgentID) -> Bool { a.rawValue < b.rawValue }
}

/// Dense integer id of a lock name, assigned in order of first appearance.
public struct LockID: Hashable, Comparable, Sendable {
  public var rawValue: Int32
  @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public var index: Int { Int(rawValue) }
  /// Placeholder for events that carry no lock (`crash`).
  public static let none = LockID(-1)
  public static func < (a: LockID, b: LockID) -> Bool { a.rawValue < b.rawValue }
}

/// Where an event came from: an input (index into the input list) and a 1-based line.
public struct SourceLocation: Hashable, Sendable {
  public var input: Int32
  public var line: Int64
  public init(input: Int32, line: Int64) {
    self.input = input
    self.line = line
  }
}
