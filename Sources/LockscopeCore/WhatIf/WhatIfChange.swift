/// The change a replay makes to the chosen locks' critical sections.
enum WhatIfChange: Sendable, Equatable {
  /// Every hold multiplied by the factor.
  case holdScale(Double)
  /// Every hold at most this long.
  case holdCap(Int64)
  /// The lock split into this many keys, an agent always on the same one.
  case shard(Int)
  /// Shared (read) holds no longer wait for each other (they already share; exclusive holds
  /// marked by `mode` stay exclusive) — meaning readers stop taking the lock exclusively.
  case sharedReads

  /// The hold a use would have after the change (the rest moves before its request); nil
  /// when it is too long for Int64 nanoseconds (292 years: `--hold-scale 1e10` of a
  /// second-long hold).
  func hold(_ original: Int64) -> Int64? {
    switch self {
    case .holdScale(let factor):
      let scaled = (Double(original) * factor).rounded()
      return scaled < 9.2e18 ? Int64(scaled) : nil
    case .holdCap(let cap): return min(original, cap)
    case .shard, .sharedReads: return original
    }
  }

  /// The option that asked for it, as typed: `--hold-scale 2`.
  var option: String {
    switch self {
    case .holdScale(let factor): "--hold-scale \(JSONWriter.number(factor))"
    case .holdCap(let cap): "--hold-cap \(HumanDuration.human(cap))"
    case .shard(let n): "--shard \(n)"
    case .sharedReads: "--shared-reads"
    }
  }

  /// In words, for the report.
  func describe(_ locks: String) -> String {
    switch self {
    case .holdScale(let factor): "every hold of \(locks) scaled by \(JSONWriter.number(factor))"
    case .holdCap(let cap): "every hold of \(locks) capped at \(HumanDuration.human(cap))"
    case .shard(let n): "\(locks) split into \(n) keys, each agent on one (FNV-1a hash of its name)"
    case .sharedReads: "reads of \(locks) (holds in mode \"shared\") share the lock"
    }
  }

  /// FNV-1a of the bytes: stable across runs and machines, unlike Swift's seeded Hasher.
  static func stableHash(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
  }
}
