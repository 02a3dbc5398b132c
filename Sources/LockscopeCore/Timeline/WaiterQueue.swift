/// A lock's waiters in arrival order. Grants come from the front, so the front is removed
/// in O(1) (a head offset, compacted now and then) instead of shifting the whole queue:
/// a lock with 100,000 waiters stays linear, not quadratic.
struct WaiterQueue: RandomAccessCollection, MutableCollection, Sendable {
  private var storage: [Waiter] = []
  /// Where the queue starts in `storage`, in 32 bits (a lock's state is per name).
  private var narrowHead: Int32 = 0

  init() {}

  private var head: Int {
    get { Int(narrowHead) }
    set { narrowHead = Int32(newValue) }
  }

  var startIndex: Int { 0 }
  var endIndex: Int { storage.count - head }

  subscript(position: Int) -> Waiter {
    get { storage[head + position] }
    set { storage[head + position] = newValue }
  }

  mutating func append(_ waiter: Waiter) { storage.append(waiter) }

  @discardableResult
  mutating func remove(at position: Int) -> Waiter {
    guard position == 0 else { return storage.remove(at: head + position) }
    let first = storage[head]
    head += 1
    if head == storage.count {
      storage.removeAllKeepingCapacity()
      head = 0
    } else if head >= 64 && head * 2 >= storage.count {
      // Compact once the dead front is as long as the live queue: amortized O(1).
      storage.removeFirst(head)
      head = 0
    }
    return first
  }

  /// Lets the storage of an empty queue go (a lock seldom waited for keeps no buffer).
  mutating func releaseStorageIfEmpty() {
    if storage.count == head && storage.capacity > 0 {
      storage = []
      head = 0
    }
  }

  /// Charges `elapsed` of each waiter's time to every waiter ahead of it, split evenly: the
  /// caused wait of a queue on a free lock where each waits for all those ahead (writers,
  /// semaphore requests). The one at position p gets elapsed × Σ_{i>p} 1/i: one tight walk
  /// from the back, in place.
  mutating func chargeEveryEarlier(elapsed: Double) {
    let head = head
    storage.withUnsafeMutableBufferPointer { buffer in
      var owed = 0.0
      var index = buffer.count - 1
      while index >= head {
        if owed > 0 { buffer[index].causedWait += elapsed * owed }
        let ahead = index - head
        if ahead > 0 { owed += 1 / Double(ahead) }
        index -= 1
      }
    }
  }

  /// The position of `agent`'s request, searched from the back: the waiter a new request
  /// or a cycle search asks about is usually the newest.
  func lastIndex(of agent: AgentID) -> Int? {
    var position = count - 1
    while position >= 0 {
      if storage[head + position].agent == agent { return position }
      position -= 1
    }
    return nil
  }
}
