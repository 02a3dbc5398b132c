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
