import Heap

/// Several inputs merged into one stream ordered by time, stable for equal times: the
/// earlier input on the command line first, then line order within an input.
///
/// Each input contributes its next event to a binary heap, so memory is one event per
/// input. An input that goes back in time is not re-sorted here; the timeline reports it.
final class MergedEventStream {
  private let inputs: [EventStream]
  /// The inputs that have a next event, smallest (time, input index) first.
  private var heap = MinHeap<Head>()
  private var heads: [LockEvent?]
  /// The input whose event was returned last; it is advanced on the next call, so the
  /// event's source line stays readable until then.
  private var pending: Int?

  init(inputs: [EventStream]) {
    self.inputs = inputs
    heads = Array(repeating: nil, count: inputs.count)
  }

  /// Reads the first event of every input; call once before `next()`.
  func start() throws(InputError) {
    for index in inputs.indices {
      guard let event = try inputs[index].next() else { continue }
      heads[index] = event
      heap.push(Head(time: event.time, input: index))
    }
  }

  func next() throws(InputError) -> LockEvent? {
    if let index = pending {
      pending = nil
      if let event = try inputs[index].next() {
        heads[index] = event
        heap.push(Head(time: event.time, input: index))
      }
    }
    guard let index = heap.pop()?.input else { return nil }
    pending = index
    return heads[index]
  }

  /// An input's next event in the heap: by time, then by place on the command line.
  private struct Head: Comparable {
    var time: Int64
    var input: Int
    static func < (a: Head, b: Head) -> Bool { (a.time, a.input) < (b.time, b.input) }
  }
}
