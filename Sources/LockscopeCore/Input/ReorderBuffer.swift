/// The events of one input waiting to be put in time order (`--reorder-window`): kept
/// sorted by time, ties in file order; trace contexts beside them only when an output
/// wants them.
///
/// Lines a few milliseconds out of order are the exception, so the buffer is a sorted
/// queue of plain values: an event in order is appended, a late one is inserted by binary
/// search near the back, and the earliest is taken from the front. Every event of every
/// input passes through it by default, so it holds no reference-counted value unless
/// trace contexts are kept.
struct ReorderBuffer {
  private var events: [LockEvent] = []
  /// Parallel to `events` when contexts are kept; empty otherwise.
  private var contexts: [TraceContexts.Context?] = []
  /// Items before `head` were handed out; the storage is compacted now and then.
  private var head = 0
  /// Set before the first push.
  var keepsContexts = false

  @inline(__always) var count: Int { events.count &- head }
  @inline(__always) var earliestTime: Int64? { head < events.count ? events[head].time : nil }

  @inline(__always)
  mutating func push(_ event: LockEvent, context: TraceContexts.Context?) {
    if head == events.count || event.time >= events[events.count &- 1].time {
      events.append(event)
      if keepsContexts { contexts.append(context) }
      return
    }
    insertLate(event, context: context)
  }

  /// After every item at or before its time: equal times keep file order.
  @inline(never)
  private mutating func insertLate(_ event: LockEvent, context: TraceContexts.Context?) {
    var low = head
    var high = events.count
    while low < high {
      let middle = (low + high) / 2
      if events[middle].time <= event.time { low = middle + 1 } else { high = middle }
    }
    events.insert(event, at: low)
    if keepsContexts { contexts.insert(context, at: low) }
  }

  /// The context of the event `popEarliest` returned last (when contexts are kept).
  private(set) var poppedContext: TraceContexts.Context?

  /// The earliest event; its context, when kept, is then `poppedContext`. Returns a plain
  /// value: a tuple with the context would go through generic value witnesses per event.
  @inline(__always)
  mutating func popEarliest() -> LockEvent? {
    guard head < events.count else { return nil }
    let event = events[head]
    if keepsContexts { poppedContext = contexts[head] }
    head &+= 1
    if head == events.count {
      events.removeAll(keepingCapacity: true)
      if keepsContexts { contexts.removeAll(keepingCapacity: true) }
      head = 0
    } else if head >= 4096 && head &* 2 >= events.count {
      compact()
    }
    return event
  }

  @inline(never)
  private mutating func compact() {
    events.removeFirst(head)
    if keepsContexts { contexts.removeFirst(head) }
    head = 0
  }
}
