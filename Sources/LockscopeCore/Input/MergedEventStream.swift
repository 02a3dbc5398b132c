/// Several inputs merged into one stream ordered by time, stable for equal times: the
/// earlier input on the command line first, then line order within an input.
///
/// Each input contributes its next event to a binary heap, so memory is one event per
/// input. An input that goes back in time is not re-sorted here; the timeline reports it.
public final class MergedEventStream {
  private let inputs: [InputStream]
  /// Input indices ordered as a min-heap on (time, input index).
  private var heap: [Int] = []
  private var heads: [LockEvent?]
  /// The input whose event was returned last; it is advanced on the next call, so the
  /// event's source line stays readable until then.
  private var pending: Int?

  public init(inputs: [InputStream]) {
    self.inputs = inputs
    heads = Array(repeating: nil, count: inputs.count)
  }

  /// Reads the first event of every input; call once before `next()`.
  public func start() throws(InputError) {
    for index in inputs.indices {
      heads[index] = try inputs[index].next()
      if heads[index] != nil { push(index) }
    }
  }

  public func next() throws(InputError) -> LockEvent? {
    if let index = pending {
      pending = nil
      if let event = try inputs[index].next() {
        heads[index] = event
        push(index)
      }
    }
    guard let index = popMinimum() else { return nil }
    pending = index
    return heads[index]
  }

  @inline(__always)
  private func precedes(_ a: Int, _ b: Int) -> Bool {
    let ta = heads[a]!.time  // inputs in the heap always have a head
    let tb = heads[b]!.time
    return ta < tb || (ta == tb && a < b)
  }

  private func push(_ index: Int) {
    heap.append(index)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private func popMinimum() -> Int? {
    guard let top = heap.first else { return nil }
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        guard left < heap.count else { break }
        let right = left + 1
        let smaller = right < heap.count && precedes(heap[right], heap[left]) ? right : left
        guard precedes(heap[smaller], heap[parent]) else { break }
        heap.swapAt(smaller, parent)
        parent = smaller
      }
    }
    return top
  }
}
