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
  /// A ring of slots, a power of two of them: the events are the `count` slots from
  /// `start` on, wrapping. A ring, not an array compacted now and then, so a window full
  /// of events (a dense log keeps `reorderLimit` of them) costs its events once, not
  /// twice; it grows only when full and keeps its slots (events hold no references).
  private var ring: [LockEvent] = []
  /// Parallel to `ring` when contexts are kept; empty otherwise.
  private var contexts: [TraceContexts.Context?] = []
  private var start = 0
  private(set) var count = 0
  /// Set before the first push.
  var keepsContexts = false

  /// The slot of the `index`-th event from the earliest.
  @inline(__always) private func slot(_ index: Int) -> Int { (start &+ index) & (ring.count &- 1) }

  @inline(__always) var earliestTime: Int64? { count > 0 ? ring[start].time : nil }

  @inline(__always)
  mutating func push(_ event: LockEvent, context: TraceContexts.Context?) {
    if count == ring.count { grow(filler: event) }
    if count == 0 || event.time >= ring[slot(count &- 1)].time {
      let end = slot(count)
      ring[end] = event
      if keepsContexts { contexts[end] = context }
      count &+= 1
      return
    }
    insertLate(event, context: context)
  }

  /// After every item at or before its time: equal times keep file order. The later ones
  /// move up one slot (a late line is a few behind the newest).
  @inline(never)
  private mutating func insertLate(_ event: LockEvent, context: TraceContexts.Context?) {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if ring[slot(middle)].time <= event.time { low = middle + 1 } else { high = middle }
    }
    var index = count
    while index > low {
      ring[slot(index)] = ring[slot(index - 1)]
      if keepsContexts { contexts[slot(index)] = contexts[slot(index - 1)] }
      index -= 1
    }
    ring[slot(low)] = event
    if keepsContexts { contexts[slot(low)] = context }
    count += 1
  }

  /// The context of the event `popEarliest` returned last (when contexts are kept).
  private(set) var poppedContext: TraceContexts.Context?

  /// The earliest event; its context, when kept, is then `poppedContext`. Returns a plain
  /// value: a tuple with the context would go through generic value witnesses per event.
  @inline(__always)
  mutating func popEarliest() -> LockEvent? {
    guard count > 0 else { return nil }
    let event = ring[start]
    if keepsContexts {
      poppedContext = contexts[start]
      contexts[start] = nil
    }
    start = (start &+ 1) & (ring.count &- 1)
    count &-= 1
    return event
  }

  /// Twice the slots (64 at first), the events moved to the front in order.
  @inline(never)
  private mutating func grow(filler: LockEvent) {
    let capacity = Swift.max(64, ring.count * 2)
    var bigger = [LockEvent](repeating: filler, count: capacity)
    var biggerContexts = [TraceContexts.Context?](repeating: nil, count: keepsContexts ? capacity : 0)
    for index in 0..<count {
      bigger[index] = ring[slot(index)]
      if keepsContexts { biggerContexts[index] = contexts[slot(index)] }
    }
    ring = bigger
    contexts = biggerContexts
    start = 0
  }
}
