/// Sums of durations over a whole log can pass Int64.max (years of waiting, summed over
/// thousands of agents): such a total stops at the maximum instead of trapping.
extension Int64 {
  @inline(__always)
  func addingSaturating(_ other: Int64) -> Int64 {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? (other > 0 ? .max : .min) : sum
  }
}

extension Int64 {
  /// The difference of two times, stopping at the maximum or minimum instead of trapping:
  /// two log times can be 585 years apart (1677 to 2262), more than Int64 holds.
  @inline(__always)
  func subtractingSaturating(_ other: Int64) -> Int64 {
    let (difference, overflow) = subtractingReportingOverflow(other)
    return overflow ? (other < 0 ? .max : .min) : difference
  }
}

extension Int64 {
  /// A waiter-nanosecond integral (a `Double`: waiters × time) as whole nanoseconds; forty
  /// years of ten waiters is past Int64.max, and stops there instead of trapping.
  init(saturating value: Double) {
    if value >= 9.2e18 {
      self = .max
    } else if value <= -9.2e18 {
      self = .min
    } else {
      self = value.isNaN ? 0 : Int64(value.rounded())
    }
  }
}
