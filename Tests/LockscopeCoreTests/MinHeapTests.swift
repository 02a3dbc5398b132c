import Heap
import Testing

@Suite("MinHeap")
struct MinHeapTests {
  @Test("random pushes and pops agree with a sorted array")
  func randomOperations() {
    for seed in UInt64(1)...50 {
      var random = SplitMix(seed: seed)
      var heap = MinHeap<Int>()
      var model: [Int] = []  // kept sorted; its first element is the minimum
      for _ in 0..<500 {
        // More pushes than pops, so the heap grows and empties again; few distinct values,
        // so duplicates are common.
        if random.below(5) < 3 {
          let value = random.below(40) - 20
          heap.push(value)
          model.insert(value, at: model.firstIndex { $0 > value } ?? model.count)
        } else {
          #expect(heap.pop() == (model.isEmpty ? nil : model.removeFirst()))
        }
        #expect(heap.count == model.count && heap.isEmpty == model.isEmpty && heap.min == model.first)
      }
      var drained: [Int] = []
      while let value = heap.pop() { drained.append(value) }
      #expect(drained == model)
    }
  }

  @Test("an empty heap pops nothing")
  func empty() {
    var heap = MinHeap<Int>()
    #expect(heap.pop() == nil && heap.min == nil && heap.isEmpty)
    heap.push(3)
    #expect(heap.pop() == 3 && heap.pop() == nil)
  }

  @Test("ties come out in the order the element's < breaks them")
  func tieBreaker() {
    struct Item: Comparable {
      var key: Int
      var order: Int
      static func < (a: Item, b: Item) -> Bool { (a.key, a.order) < (b.key, b.order) }
    }
    var heap = MinHeap<Item>()
    for order in [3, 0, 4, 1, 2] { heap.push(Item(key: 7, order: order)) }
    heap.push(Item(key: 1, order: 9))
    var popped: [Int] = []
    while let item = heap.pop() { popped.append(item.order) }
    #expect(popped == [9, 0, 1, 2, 3, 4])
  }
}
