/// A JSON number kept as exact decimal digits: `mantissa × 10^exponent`.
///
/// Timestamps and lease lengths are converted to integer nanoseconds from this form, so
/// `1763805600.123456789` loses nothing to binary floating point on the way.
struct DecimalNumber: Sendable, Equatable {
  var negative: Bool
  /// The first (up to 19) significant digits.
  var mantissa: UInt64
  /// Power of ten applied to `mantissa`.
  var exponent: Int
  /// True when digits were dropped from the mantissa (more than 19 significant digits).
  var inexact: Bool

  init(negative: Bool = false, mantissa: UInt64, exponent: Int = 0, inexact: Bool = false) {
    self.negative = negative
    self.mantissa = mantissa
    self.exponent = exponent
    self.inexact = inexact
  }

  var isZero: Bool { mantissa == 0 }

  /// Digits of the integer part (0 for values below 1), used to guess an epoch's unit.
  var integerDigits: Int {
    guard mantissa != 0 else { return 0 }
    var digits = 0
    var m = mantissa
    while m != 0 {
      m /= 10
      digits += 1
    }
    return max(0, digits + exponent)
  }

  /// Whether the value is a whole number (no fractional digits after scaling).
  var isInteger: Bool {
    if exponent >= 0 || mantissa == 0 { return true }
    if -exponent >= 20 { return false }
    return mantissa % DecimalNumber.pow10[-exponent] == 0
  }

  /// `value × 10^scale`, truncated toward zero, or nil when it does not fit in Int64.
  func scaled(byPowerOfTen scale: Int) -> Int64? {
    let e = exponent + scale
    var magnitude: UInt64
    if mantissa == 0 {
      magnitude = 0
    } else if e >= 0 {
      guard e < 20 else { return nil }
      let (product, overflow) = mantissa.multipliedReportingOverflow(by: DecimalNumber.pow10[e])
      guard !overflow else { return nil }
      magnitude = product
    } else {
      magnitude = -e >= 20 ? 0 : mantissa / DecimalNumber.pow10[-e]
    }
    if negative {
      guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
      return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
  }

  static let pow10: [UInt64] = {
    var table: [UInt64] = [1]
    for _ in 1..<20 { table.append(table.last! &* 10) }  // 10^19 fits in UInt64
    return table
  }()
}
