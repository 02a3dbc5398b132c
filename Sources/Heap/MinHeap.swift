/// A binary min-heap: `pop()` returns the smallest element pushed and not yet popped.
///
/// Equal elements come out in no promised order, so a caller that needs ties broken (by
/// insertion order, by input index) puts the tie-breaker into its element's `<`.
///
/// Its own module, shared by LockscopeCore (the input merge, the what-if replay) and the
/// log generator, which is otherwise independent of the library on purpose. Everything is
/// `@inlinable` so each user gets a version specialized to its element.
public struct MinHeap<Element: Comparable> {
  /// The heap in an array: the children of `i` are `2i + 1` and `2i + 2`.
  @usableFromInline var items: [Element] = []

  @inlinable public init() {}

  @inlinable public var count: Int { items.count }
  @inlinable public var isEmpty: Bool { items.isEmpty }
  /// The smallest element, left in the heap.
  @inlinable public var min: Element? { items.first }

  @inlinable public mutating func push(_ element: Element) {
    // Move parents down into the hole instead of swapping: one write per level.
    var hole = items.count
    items.append(element)
    while hole > 0 {
      let parent = (hole - 1) / 2
      guard element < items[parent] else { break }
      items[hole] = items[parent]
      hole = parent
    }
    items[hole] = element
  }

  /// Removes and returns the smallest element, or nil when the heap is empty.
  @inlinable public mutating func pop() -> Element? {
    guard let last = items.popLast() else { return nil }
    guard let top = items.first else { return last }
    // `last` sinks from the root: the smaller child moves up into the hole until `last` fits.
    let count = items.count
    var hole = 0
    while true {
      var child = 2 * hole + 1
      guard child < count else { break }
      if child + 1 < count && items[child + 1] < items[child] { child += 1 }
      guard items[child] < last else { break }
      items[hole] = items[child]
      hole = child
    }
    items[hole] = last
    return top
  }
}

extension MinHeap: Sendable where Element: Sendable {}
