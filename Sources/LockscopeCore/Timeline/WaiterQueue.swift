/// A lock's waiters in arrival order. Grants come from the front, so the front is removed
/// in O(1) (a head offset, compacted now and then) instead of shifting the whole queue:
/// a lock with 100,000 waiters stays linear, not quadratic.
public struct WaiterQueue: RandomAccessCollection, MutableCollection, Sendable {
  private var storage: [Waiter] = []
  private var head = 0

  public init() {}

  public var startIndex: Int { 0 }
  public var endIndex: Int { storage.count - head }

  public subscript(position: Int) -> Waiter {
    get { storage[head + position] }
    set { storage[head + position] = newValue }
  }

  public mutating func append(_ waiter: Waiter) { storage.append(waiter) }

  @discardableResult
  public mutating func remove(at position: Int) -> Waiter {
    guard position == 0 else { return storage.remove(at: head + position) }
    let first = storage[head]
    head += 1
    if head == storage.count {
      storage.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 64 && head * 2 >= storage.count {
      // Compact once the dead front is as long as the live queue: amortized O(1).
      storage.removeFirst(head)
      head = 0
    }
    return first
  }

  /// The position of `agent`'s request, searched from the back: the waiter a new request
  /// or a cycle search asks about is usually the newest.
  public func lastIndex(of agent: AgentID) -> Int? {
    var position = count - 1
    while position >= 0 {
      if storage[head + position].agent == agent { return position }
      position -= 1
    }
    return nil
  }
}
