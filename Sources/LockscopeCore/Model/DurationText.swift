/// Durations as people type them on the command line and in SLO rules:
/// `30s`, `1.5s`, `500ms`, `250us`, `250µs`, `10ns`, `2m`, `1h`, `1e3ms`.
enum DurationText {
  /// Nanoseconds per unit suffix.
  static let units: [(String, Int64)] = [
    ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
  ]

  /// Why a text is not a duration.
  enum Problem: Error, Equatable, Sendable {
    /// No unit suffix, or one lockscope does not know.
    case unit
    /// The unit is known; the number before it is not one (`xs`, `-1s`, `1..2s`).
    case number
    /// A duration, but longer than Int64 nanoseconds hold (292 years: `99999999999999h`).
    case tooLong
  }

  /// The longest duration there is: Int64.max nanoseconds, as `2562047h`.
  static let maximumText = "2562047h"

  static func parse(_ text: String) -> Int64? {
    try? read(text).get()
  }

  /// The duration in nanoseconds, or why it is not one.
  static func read(_ text: String) -> Result<Int64, Problem> {
    // Longest suffix first, so "ms" is not read as "m" + "s".
    for (suffix, scale) in units.sorted(by: { $0.0.count > $1.0.count }) where text.hasSuffix(suffix) {
      let number = String(text.dropLast(suffix.count))
      guard let decimal = Timestamp.parseDecimal(Array(number.utf8)), !decimal.negative else { return .failure(.number) }
      var digits = 0
      var s = scale
      while s > 1 && s % 10 == 0 {
        s /= 10
        digits += 1
      }
      guard let base = decimal.scaled(byPowerOfTen: digits) else { return .failure(.tooLong) }  // only on overflow
      let (value, overflow) = base.multipliedReportingOverflow(by: s)
      return overflow ? .failure(.tooLong) : .success(value)
    }
    return .failure(.unit)
  }
}
