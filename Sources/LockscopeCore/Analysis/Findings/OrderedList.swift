/// A sequence of node ids that answers "does a come before b?" in O(1) and takes
/// insertions anywhere: a doubly linked list whose nodes carry increasing integer labels.
/// An insertion into a gap too narrow relabels the few nodes after it, spreading them over
/// a range that grows with their number (Dietz and Sleator's order-maintenance scheme), so
/// relabelling stays cheap on average.
struct OrderedList {
  /// Slot 0 is the sentinel (label 0, before every node); node `id` lives in slot `id + 1`.
  private var labels: [UInt64] = [0]
  private var next: [Int32] = [0]
  private var previous: [Int32] = [0]
  private static let end: UInt64 = 1 << 62
  private static let appendGap: UInt64 = 1 << 24

  /// The node's label: a before b in the list exactly when label(a) < label(b).
  @inline(__always)
  func label(_ id: Int32) -> UInt64 { labels[Int(id) + 1] }

  /// The node before `id`, or -1 when it is the first.
  func previous(_ id: Int32) -> Int32 { previous[Int(id) + 1] - 1 }

  /// Adds node `id` (the next unused id) at the end.
  mutating func append(_ id: Int32) {
    let slot = Int32(labels.count)
    precondition(Int(slot) == Int(id) + 1, "ids are appended in order")  // the detector appends 0, 1, 2, …
    labels.append(0)
    next.append(0)
    previous.append(0)
    link(slot, after: previous[0])
  }

  /// Puts the (unlinked) node `id` right after `anchor` (-1: at the front).
  mutating func insert(_ id: Int32, after anchor: Int32) {
    link(id + 1, after: anchor + 1)
  }

  /// Unlinks `id`; it keeps its slot until inserted again.
  mutating func remove(_ id: Int32) {
    let slot = Int(id) + 1
    next[Int(previous[slot])] = next[slot]
    previous[Int(next[slot])] = previous[slot]
  }

  private mutating func link(_ slot: Int32, after anchor: Int32) {
    let following = next[Int(anchor)]
    next[Int(anchor)] = slot
    previous[Int(slot)] = anchor
    next[Int(slot)] = following
    previous[Int(following)] = slot
    let low = labels[Int(anchor)]
    let high = following == 0 ? Self.end : labels[Int(following)]
    if following == 0 && Self.end - low > Self.appendGap {
      labels[Int(slot)] = low + Self.appendGap
    } else if high - low >= 2 {
      labels[Int(slot)] = low + (high - low) / 2
    } else {
      relabel(after: anchor)
    }
  }

  /// Spreads the nodes after `anchor` evenly over a range wide enough for them: the first
  /// j nodes whose span from the anchor's label exceeds 2·j², or the whole list.
  private mutating func relabel(after anchor: Int32) {
    let base = labels[Int(anchor)]
    var count: UInt64 = 1
    var node = next[Int(anchor)]
    var limit = Self.end
    while node != 0 {
      let following = next[Int(node)]
      if following == 0 { break }
      count += 1
      if labels[Int(following)] - base > 2 * count * count {
        limit = labels[Int(following)]
        break
      }
      node = following
    }
    if limit == Self.end && base > Self.end / 2 {
      relabelAll()
      return
    }
    let step = (limit - base) / (count + 1)
    var label = base
    node = next[Int(anchor)]
    for _ in 0..<count {
      label += step
      labels[Int(node)] = label
      node = next[Int(node)]
    }
  }

  /// Every node evenly over the whole label range.
  private mutating func relabelAll() {
    let step = Self.end / UInt64(labels.count + 1)
    var label: UInt64 = 0
    var node = next[0]
    while node != 0 {
      label += step
      labels[Int(node)] = label
      node = next[Int(node)]
    }
  }
}
