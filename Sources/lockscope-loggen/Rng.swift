import Foundation

/// xoshiro256** seeded through SplitMix64: fast, good quality, and — unlike
/// `SystemRandomNumberGenerator` — reproducible, so one seed always gives the same log.
struct Rng {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  init(seed: UInt64) {
    var x = seed
    s0 = Rng.splitMix(&x)
    s1 = Rng.splitMix(&x)
    s2 = Rng.splitMix(&x)
    s3 = Rng.splitMix(&x)
  }

  static func splitMix(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  @inline(__always) mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// Uniform in [0, 1).
  @inline(__always) mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Uniform integer in [0, n) (Lemire's multiply-high; the tiny bias is irrelevant here).
  @inline(__always) mutating func below(_ n: Int) -> Int {
    Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
  }

  /// Uniform integer in [lo, hi].
  @inline(__always) mutating func range(_ lo: Int64, _ hi: Int64) -> Int64 {
    lo + Int64(below(Int(hi - lo + 1)))
  }

  @inline(__always) mutating func chance(_ p: Double) -> Bool {
    uniform() < p
  }

  /// Standard normal (Box–Muller; the second value is discarded to keep the state simple).
  mutating func normal() -> Double {
    let u1 = 1.0 - uniform()  // (0, 1]
    let u2 = uniform()
    return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
  }

  /// Log-normal with the given median and shape, clamped to [lo, hi].
  mutating func logNormal(median: Double, sigma: Double, lo: Double, hi: Double) -> Double {
    let v = median * exp(sigma * normal())
    return min(max(v, lo), hi)
  }
}
