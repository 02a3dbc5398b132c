/// The largest value recorded since a given epoch, for epochs that only grow: a stack of
/// (epoch, value) with values strictly falling, so "the most since epoch e" is the first
/// entry at or after e. Its size is bounded by the number of distinct values (a lock's
/// most waiters), whatever the number of epochs.
struct SuffixMaxima: Sendable {
  private var entries: [(epoch: Int32, value: Int32)] = []

  mutating func record(_ value: Int, at epoch: Int32) {
    let value = Int32(clamping: value)
    while let last = entries.last, last.value <= value { entries.removeLast() }
    if let last = entries.last, last.epoch == epoch { return }  // a larger value already stands for this epoch
    entries.append((epoch, value))
  }

  /// The largest value recorded at `epoch` or later (0: none).
  func maximum(since epoch: Int32) -> Int {
    var low = 0
    var high = entries.count
    while low < high {
      let middle = (low + high) / 2
      if entries[middle].epoch < epoch { low = middle + 1 } else { high = middle }
    }
    return low < entries.count ? Int(entries[low].value) : 0
  }

  mutating func removeAll() { entries.removeAll(keepingCapacity: true) }
}
