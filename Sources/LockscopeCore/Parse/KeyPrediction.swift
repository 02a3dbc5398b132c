/// Which key follows which in this log, each key kept as the exact bytes `"key":` and the
/// field it names: a logger writes its keys in the same order on every line, so after
/// `"event":` comes `"agent":` again and again. The two keys that followed the previous
/// one last (a log may mix a few shapes of line) are checked, with one or two word
/// compares each, before anything is scanned; only a key expected neither way takes the
/// scan for its closing quote and the table lookup. Lines of different events differ in a
/// key or two (`timeout_ms` on requests), which costs those keys and nothing after.
///
/// Only keys of plain ASCII (no escape) of at most 13 bytes, followed straight by `:`, are
/// learnt, so a key matched here is byte for byte what the general path reads and
/// validates: the same key, the same field, the same position after the colon.
///
/// The tables are plain allocated memory, changed through pointers: the parser's stored
/// `let` needs no exclusivity check per key.
struct KeyPrediction {
  /// How many distinct keys are learnt (more are rare, and go the general way).
  static let capacity = 32
  /// A key that could not be learnt (escaped, long, or the table full): what follows it is
  /// not recorded.
  static let unknown = -2

  /// 48 bytes: an entry's compare words and what a hit reads next share a cache line.
  struct Entry {
    /// `"key":` little-endian in two words, and the masks of its bytes in each.
    var low: UInt64
    var high: UInt64
    var lowMask: UInt64
    var highMask: UInt64
    /// Bytes of `"key":` (3 more than the key).
    var length: Int32
    /// `Field` raw value, or -1 for a key lockscope ignores.
    var field: Int32
    /// The entries of the keys that followed this one the last two times they differed
    /// (logs mixing a few shapes of line), most recent first, or -1.
    var next: Int32
    var other: Int32
  }

  /// A learnt key by its content (the words `JSONScanner.shortPlainString` gives): how a
  /// key that neither prediction matched is found once scanned, without the key matcher or
  /// a walk of the entries. Open addressing, twice the entries' capacity, never full.
  struct ContentSlot {
    var low: UInt64
    var high: UInt64
    var count: Int32
    /// The entry (-1: an empty slot).
    var entry: Int32
  }

  private let entries: UnsafeMutablePointer<Entry>
  private let byContent: UnsafeMutablePointer<ContentSlot>
  private static let contentSlots = 2 * capacity
  /// `[0]`: entries in use; `[1]`, `[2]`: the entries of the first key of the last line
  /// and of the last line that began otherwise, or -1.
  private let state: UnsafeMutablePointer<Int>

  init() {
    entries = .allocate(capacity: KeyPrediction.capacity)
    byContent = .allocate(capacity: KeyPrediction.contentSlots)
    byContent.initialize(repeating: ContentSlot(low: 0, high: 0, count: 0, entry: -1), count: KeyPrediction.contentSlots)
    state = .allocate(capacity: 3)
    state.initialize(repeating: -1, count: 3)
    state[0] = 0
  }

  /// Frees the tables (the owner's `deinit`: a struct of pointers has none).
  func deallocate() {
    entries.deallocate()
    byContent.deallocate()
    state.deallocate()
  }

  @inline(__always)
  private static func contentSlot(_ low: UInt64, _ high: UInt64, _ count: Int) -> Int {
    let mixed = (low ^ (high &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: count)) &* 0xBF58_476D_1CE4_E5B9
    return Int(truncatingIfNeeded: mixed >> 58) & (contentSlots - 1)
  }

  /// The learnt key whose content is `low`, `high` (`count` bytes, as
  /// `JSONScanner.shortPlainString` packs it): its entry and field, or nil if none is learnt.
  @inline(__always)
  func known(low: UInt64, high: UInt64, count: Int) -> (entry: Int, field: Int)? {
    var slot = KeyPrediction.contentSlot(low, high, count)
    while true {
      let candidate = byContent + slot
      let entry = Int(candidate.pointee.entry)
      if entry < 0 { return nil }
      if candidate.pointee.low == low && candidate.pointee.high == high && candidate.pointee.count == Int32(count) {
        return (entry, Int(entries[entry].field))
      }
      slot = (slot + 1) & (KeyPrediction.contentSlots - 1)
    }
  }

  /// The learnt key at `quote` (a key's opening quote) when it is one of the two that
  /// followed `previous` last (-1: the line's first key; `unknown`: none expected): its
  /// entry, the length of `"key":` and its field. A hit on the older of the two makes it
  /// the newer. `readable`: bytes that may be read from `quote` (16 are needed).
  @inline(__always)
  func match(after previous: Int, _ quote: UnsafePointer<UInt8>, readable: Int) -> (entry: Int, length: Int, field: Int)? {
    guard previous != KeyPrediction.unknown, readable >= 16 else { return nil }
    let (newer, older) = previous >= 0 ? (Int(entries[previous].next), Int(entries[previous].other)) : (state[1], state[2])
    if let (length, field) = compare(newer, quote) { return (newer, length, field) }
    guard let (length, field) = compare(older, quote) else { return nil }
    follows(older, after: previous)
    return (older, length, field)
  }

  /// `"key":` of `entry` (-1: none) when it is what `quote` starts with (16 bytes readable):
  /// its length in bytes and its field.
  @inline(__always)
  private func compare(_ entry: Int, _ quote: UnsafePointer<UInt8>) -> (length: Int, field: Int)? {
    guard entry >= 0 else { return nil }
    // Field by field through the pointer: a copy of the whole entry cost a dozen moves.
    let expected = entries + entry
    let raw = UnsafeRawPointer(quote)
    guard raw.loadUnaligned(as: UInt64.self) & expected.pointee.lowMask == expected.pointee.low,
      raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & expected.pointee.highMask == expected.pointee.high
    else { return nil }
    return (Int(expected.pointee.length), Int(expected.pointee.field))
  }

  /// Records that `entry` came after `previous` (-1: `entry` was first on the line).
  @inline(__always)
  func follows(_ entry: Int, after previous: Int) {
    guard entry >= 0 && previous != KeyPrediction.unknown else { return }
    if previous >= 0 {
      if entries[previous].next != Int32(entry) {
        entries[previous].other = entries[previous].next
        entries[previous].next = Int32(entry)
      }
    } else if state[1] != entry {
      state[2] = state[1]
      state[1] = entry
    }
  }

  /// Learns the key at `quote`, one `known` did not find (every learnt key is in
  /// `byContent`): `keyCount` plain ASCII bytes between quotes, straight followed by `:`
  /// (the caller has checked all of it), whose content `JSONScanner.shortPlainString`
  /// packed as `content`. Its new entry, or `unknown` when it cannot be learnt (too long, or
  /// the table is full).
  @inline(never)
  func entry(for quote: UnsafePointer<UInt8>, keyCount: Int, field: Int, content: (low: UInt64, high: UInt64)) -> Int {
    let length = keyCount + 3  // the quotes and the colon
    guard length <= 16 else { return KeyPrediction.unknown }
    let (low, high) = ByteMatcher.pack(quote, length)
    let used = state[0]
    guard used < KeyPrediction.capacity else { return KeyPrediction.unknown }
    let lowMask: UInt64 = length >= 8 ? ~0 : (1 << UInt64(8 * length)) &- 1
    let highMask: UInt64 = length <= 8 ? 0 : length == 16 ? ~0 : (1 << UInt64(8 * (length - 8))) &- 1
    (entries + used).initialize(
      to: Entry(
        low: low, high: high, lowMask: lowMask, highMask: highMask, length: Int32(length), field: Int32(field), next: -1, other: -1))
    state[0] = used + 1
    var slot = KeyPrediction.contentSlot(content.low, content.high, keyCount)
    while byContent[slot].entry >= 0 { slot = (slot + 1) & (KeyPrediction.contentSlots - 1) }
    byContent[slot] = ContentSlot(low: content.low, high: content.high, count: Int32(keyCount), entry: Int32(used))
    return used
  }
}
