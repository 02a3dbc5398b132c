/// Durations in human units for the text report.
enum HumanDuration {
  /// `850ns`, `12.3µs`, `45.6ms`, `2.00s`, `3m12s`, `1h02m`: three significant digits
  /// below a minute.
  static func human(_ nanos: Int64) -> String {
    let value = Double(nanos)
    if nanos < 1_000 { return "\(nanos)ns" }
    // Thresholds sit where three significant digits would round up to the next unit.
    if nanos < 999_500 { return significant(value / 1e3) + "µs" }
    if nanos < 999_500_000 { return significant(value / 1e6) + "ms" }
    if nanos < 59_995_000_000 { return significant(value / 1e9) + "s" }
    let seconds = nanos / 1_000_000_000
    if seconds < 3600 { return "\(seconds / 60)m\(pad(seconds % 60))s" }
    return "\(seconds / 3600)h\(pad(seconds / 60 % 60))m"
  }

  private static func significant(_ x: Double) -> String {
    let decimals = x < 9.995 ? 2 : x < 99.95 ? 1 : 0
    return formatFixed(x, decimals: decimals)
  }

  /// The same for a total that may pass Int64.max: past it, in hours and minutes.
  @_disfavoredOverload  // integer literals keep meaning Int64
  static func human(_ nanos: Int128) -> String {
    if let small = nanos.int64IfFits { return human(small) }
    let minutes = nanos / 60_000_000_000
    return "\(minutes / 60)h\(pad(Int64(minutes % 60)))m"
  }

  private static func pad(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// `x` with a fixed number of decimals, without Foundation's formatters.
func formatFixed(_ x: Double, decimals: Int) -> String {
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let scaled = (x * scale).rounded()
  guard scaled.isFinite, abs(scaled) < 9e18 else { return "\(x)" }
  let integer = Int64(scaled)
  let sign = integer < 0 ? "-" : ""
  let magnitude = integer.magnitude
  let whole = magnitude / UInt64(scale)
  guard decimals > 0 else { return sign + String(whole) }
  let fraction = String(magnitude % UInt64(scale))
  return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
}
