extension Array {
  /// Makes the array reach `index` with `filler`s, for tables indexed by interned ids:
  /// ids arrive from 0 and mostly in order, so the capacity at least doubles when it runs
  /// out (one reallocation a doubling, never one a new id).
  @inline(never)
  mutating func extend(toInclude index: Int, with filler: Element) {
    guard index >= count else { return }
    if index >= capacity { reserveCapacity(Swift.max(index + 1, capacity * 2, 64)) }
    append(contentsOf: repeatElement(filler, count: index + 1 - count))
  }

  /// `removeAll(keepingCapacity: true)`, for a lock's holders and queue emptied again and
  /// again: their one element (the usual case) goes with `removeLast`, as the general call
  /// replaces a subrange, several times the work.
  @inline(__always)
  mutating func removeAllKeepingCapacity() {
    if count == 1 { removeLast() } else { removeAll(keepingCapacity: true) }
  }
}
