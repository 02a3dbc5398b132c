/// The events of one input waiting to be put in time order (`--reorder-window`): kept
/// sorted by time, ties in file order, each event with its trace context.
///
/// Lines a few milliseconds out of order are the exception, so the buffer is a sorted
/// queue: an event in order is appended, a late one is inserted by binary search near the
/// back, and the earliest is taken from the front. Per event that is O(1) for a log in
/// order, where a heap paid O(log n) swaps on every push and pop.
struct ReorderBuffer {
  private var items: [(event: LockEvent, context: TraceContexts.Context?)] = []
  /// Items before `head` were handed out; the storage is compacted now and then.
  private var head = 0

  var count: Int { items.count - head }
  var earliestTime: Int64? { head < items.count ? items[head].event.time : nil }

  mutating func push(_ event: LockEvent, context: TraceContexts.Context?) {
    guard let last = items.last, head < items.count, event.time < last.event.time else {
      items.append((event, context))
      return
    }
    // After every item at or before its time: equal times keep file order.
    var low = head
    var high = items.count
    while low < high {
      let middle = (low + high) / 2
      if items[middle].event.time <= event.time { low = middle + 1 } else { high = middle }
    }
    items.insert((event, context), at: low)
  }

  mutating func popEarliest() -> (LockEvent, TraceContexts.Context?)? {
    guard head < items.count else { return nil }
    let top = items[head]
    head += 1
    if head == items.count {
      items.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 4096 && head * 2 >= items.count {
      items.removeFirst(head)
      head = 0
    }
    return (top.event, top.context)
  }
}
