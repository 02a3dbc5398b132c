/// Sums of durations over a whole log can pass Int64.max (years of waiting, summed over
/// thousands of agents): such a total stops at the maximum instead of trapping.
extension Int64 {
  @inline(__always)
  func addingSaturating(_ other: Int64) -> Int64 {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? (other > 0 ? .max : .min) : sum
  }
}
