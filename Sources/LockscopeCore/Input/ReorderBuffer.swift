/// The events of one input waiting to be put in time order (`--reorder-window`): a binary
/// min-heap by time, ties in file order, each event with its trace context.
struct ReorderBuffer {
  private var heap: [(event: LockEvent, context: TraceContexts.Context?, order: Int64)] = []
  private var arrivals: Int64 = 0

  var earliestTime: Int64? { heap.first?.event.time }

  mutating func push(_ event: LockEvent, context: TraceContexts.Context?) {
    heap.append((event, context, arrivals))
    arrivals += 1
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(child, parent) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  mutating func popEarliest() -> (LockEvent, TraceContexts.Context?)? {
    guard !heap.isEmpty else { return nil }
    heap.swapAt(0, heap.count - 1)
    let top = heap.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heap.count else { break }
      var child = left
      if left + 1 < heap.count && precedes(left + 1, left) { child = left + 1 }
      guard precedes(child, parent) else { break }
      heap.swapAt(child, parent)
      parent = child
    }
    return (top.event, top.context)
  }

  private func precedes(_ a: Int, _ b: Int) -> Bool {
    heap[a].event.time != heap[b].event.time ? heap[a].event.time < heap[b].event.time : heap[a].order < heap[b].order
  }
}
