/// "Did you mean …?": the known name closest to a mistyped one, for options and SLO metrics.
enum NearMiss {
  /// The candidate within a few edits of `name` (at most 2, or a third of its length), if any.
  static func closest(to name: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance($0, name)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return nil }
    return best
  }

  /// Levenshtein distance, one row at a time.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
