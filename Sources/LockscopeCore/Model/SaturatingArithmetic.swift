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

extension Int128 {
  /// As a Double: direct when it fits in 64 bits, as every total of an ordinary log does.
  /// The standard library's generic conversion from Int128 costs thousands of instructions,
  /// and reports convert a total per row.
  @inline(__always)
  var doubleValue: Double {
    let low = Int64(truncatingIfNeeded: self)
    return Int128(low) == self ? Double(low) : Double(self)
  }
}

extension Int128 {
  /// The value when it fits in 64 bits (a cheap check, unlike the generic `Int64(exactly:)`).
  @inline(__always)
  var int64IfFits: Int64? {
    let low = Int64(truncatingIfNeeded: self)
    return Int128(low) == self ? low : nil
  }

  /// A waiter-nanosecond integral (a Double) rounded to whole nanoseconds; 0 for NaN.
  init(roundingNanos value: Double) {
    let rounded = value.rounded()
    if abs(rounded) < 9.2e18 {
      self = Int128(Int64(rounded))
    } else {
      self = Int128(exactly: rounded) ?? 0
    }
  }
}
