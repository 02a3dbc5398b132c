/// The gate locks of a lock-order edge: locks held at every witness of it, besides its
/// own two. Inline (no allocation) and capped at `capacity`, the outermost first: an
/// agent holding n locks makes n edges per attempt, and n gates each would cost n².
struct GateSet: Equatable {
  static let capacity = 4
  private var slots: (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)
  private(set) var count = 0

  var isEmpty: Bool { count == 0 }

  /// Adds `lock`; false when the set is full (it is not added).
  mutating func append(_ lock: LockID) -> Bool {
    guard count < Self.capacity else { return false }
    withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: lock.rawValue, toByteOffset: count * 4, as: Int32.self) }
    count += 1
    return true
  }

  subscript(position: Int) -> LockID {
    LockID(withUnsafeBytes(of: slots) { $0.load(fromByteOffset: position * 4, as: Int32.self) })
  }

  func contains(_ lock: LockID) -> Bool {
    for position in 0..<count where self[position] == lock { return true }
    return false
  }

  /// The gates that pass `isIncluded`, in the same order.
  func filter(_ isIncluded: (LockID) -> Bool) -> GateSet {
    var kept = GateSet()
    for position in 0..<count where isIncluded(self[position]) { _ = kept.append(self[position]) }
    return kept
  }

  static func == (a: GateSet, b: GateSet) -> Bool {
    a.count == b.count && (0..<a.count).allSatisfy { a[$0] == b[$0] }
  }
}
