/// Which shard a lock's events go to (SPEC §7): FNV-1a, 64-bit, over the UTF-8 bytes of the
/// lock name, modulo the shard count. Stable across runs, machines and versions — the
/// map step on one host and the reduce on another must agree — and written down in the
/// man page so other tools can route the same way.
enum ShardHash {
  static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
  static let prime: UInt64 = 0x0000_0100_0000_01b3

  /// FNV-1a of `bytes`.
  static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
    var hash = offsetBasis
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* prime
    }
    return hash
  }

  /// The shard (0 ..< `shards`) of a lock name.
  static func shard<Bytes: Sequence<UInt8>>(ofLock name: Bytes, shards: Int) -> Int {
    Int(fnv1a(name) % UInt64(max(1, shards)))
  }
}
