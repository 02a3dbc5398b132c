/// A list that keeps its first element inline and the rest in an array: an agent mostly
/// holds one lock and waits on at most one, so a million agents allocate no buffer each
/// (an empty array that once held an element keeps its buffer).
struct ShortList<Element: Sendable>: RandomAccessCollection, Sendable {
  /// The first element; nil only when the list is empty.
  private var head: Element?
  private var tail: [Element] = []

  init() {}

  var startIndex: Int { 0 }
  var endIndex: Int { head == nil ? 0 : 1 + tail.count }
  @inline(__always) var isEmpty: Bool { head == nil }

  @inline(__always)
  subscript(position: Int) -> Element {
    position == 0 ? head! : tail[position - 1]  // position 0 of a non-empty list: head is set
  }

  /// The last position whose element matches (tail first: the newest is the likeliest).
  @inline(__always)
  func lastIndex(where matches: (Element) -> Bool) -> Int? {
    guard let head else { return nil }
    var position = tail.count
    while position > 0 {
      if matches(tail[position - 1]) { return position }
      position -= 1
    }
    return matches(head) ? 0 : nil
  }

  @inline(__always)
  func contains(where matches: (Element) -> Bool) -> Bool { lastIndex(where: matches) != nil }

  @inline(__always)
  mutating func append(_ element: Element) {
    if head == nil { head = element } else { tail.append(element) }
  }

  /// Removes the element at `position`, keeping the order of the others.
  mutating func remove(at position: Int) {
    precondition(position >= 0 && position < endIndex, "ShortList index out of range")
    if position > 0 {
      tail.remove(at: position - 1)
    } else {
      head = tail.isEmpty ? nil : tail.removeFirst()
    }
  }
}
