import Foundation

/// Interns names given as UTF-8 bytes to dense integer ids, without making a `String`.
///
/// Every agent and lock name in a log passes through here once per line, so lookups hash
/// eight bytes at a time and compare against a flat byte arena. The hot tables are plain
/// allocated buffers (no reference counting on the lookup path); a `String` is only built
/// when a report asks for a name.
///
/// A million per-key names cost their bytes and about 20 more each: a 32-bit start offset,
/// 32 bits of the hash (the rest is worked out again from the bytes when the table grows),
/// and two to four 32-bit slots.
final class NameTable {
  /// All names back to back; name `i` is `arena[start(i) ..< start(i + 1)]`.
  private var arena: UnsafeMutableBufferPointer<UInt8>
  private var arenaUsed = 0
  /// Where each name starts in the arena, while the arena is under 4 GiB; past that,
  /// `wideStarts` holds them all.
  private var starts: UnsafeMutableBufferPointer<UInt32>
  private var wideStarts: [Int] = []
  /// The high 32 bits of each name's hash: most probes of another name stop here. Made
  /// for names as they are placed in `slots`: a mirror never searched keeps none.
  private var hashTags: UnsafeMutableBufferPointer<UInt32>
  /// Open addressing table of ids (+1; 0 = empty), size a power of two.
  private var slots: UnsafeMutableBufferPointer<Int32>
  private(set) var count = 0
  /// Names `0 ..< indexed` are in `slots`; the rest were copied in from another table
  /// (`intern(copied:ends:)`, a mirror that may never be searched) and are placed in
  /// `slots`, their hash tags worked out, at the first search.
  private var indexed = 0
  /// The latest long names built (past a small string's 15 bytes; shorter ones cost nothing
  /// to build again), by id modulo its size: a name asked for again and again (a timeline
  /// line per event) is built once, and a million names cost no cache of a million.
  private var longStrings = [(id: Int32, name: String)](repeating: (-1, ""), count: NameTable.longStringSlots)
  private static let longStringSlots = 4096

  init() {
    arena = .allocate(capacity: 4096)
    starts = .allocate(capacity: 257)
    starts[0] = 0
    hashTags = .allocate(capacity: 256)
    slots = .allocate(capacity: 1024)
    slots.initialize(repeating: 0)
  }

  deinit {
    arena.deallocate()
    starts.deallocate()
    hashTags.deallocate()
    slots.deallocate()
  }

  /// Forgets every name and lets their memory go: the table is as new. For a table whose
  /// ids nobody reads any more (the parser's, once its mirror has every name).
  func removeAll() {
    let empty = NameTable()
    swap(&arena, &empty.arena)
    swap(&starts, &empty.starts)
    swap(&hashTags, &empty.hashTags)
    swap(&slots, &empty.slots)
    (arenaUsed, count, indexed, wideStarts) = (0, 0, 0, [])
    longStrings = empty.longStrings
  }  // `empty` now owns the old buffers and frees them

  /// The id of `bytes[0..<length]`, adding the name if it is new.
  @inline(__always)
  func intern(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
    if indexed < count { indexCopiedNames() }
    let hash = NameTable.hash(bytes, length)
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = slots[slot]
      if entry == 0 { break }
      let id = Int(entry - 1)
      if hashTags[id] == NameTable.tag(hash) && equals(id, bytes, length) { return Int32(id) }
      slot = (slot + 1) & mask
    }
    return insert(bytes, length, hash: hash, slot: slot)
  }

  /// The id of `name`, adding it if new (for names that come from the command line or tests).
  func intern(_ name: String) -> Int32 {
    var utf8 = Array(name.utf8)
    let length = utf8.count
    utf8.append(0)  // keeps the base address valid for an empty name
    return utf8.withUnsafeBufferPointer { intern($0.baseAddress!, length) }  // non-empty: has the 0
  }

  /// The id of a name already interned, or nil; never adds.
  func lookup(_ name: String) -> Int32? {
    var utf8 = Array(name.utf8)
    let length = utf8.count
    utf8.append(0)
    if indexed < count { indexCopiedNames() }
    return utf8.withUnsafeBufferPointer { buffer -> Int32? in
      let bytes = buffer.baseAddress!  // non-empty: holds the appended 0
      let hash = NameTable.hash(bytes, length)
      let mask = slots.count - 1
      var slot = Int(truncatingIfNeeded: hash) & mask
      while slots[slot] != 0 {
        let id = Int(slots[slot] - 1)
        if hashTags[id] == NameTable.tag(hash) && equals(id, bytes, length) { return Int32(id) }
        slot = (slot + 1) & mask
      }
      return nil
    }
  }

  /// The name of `id` as a `String` (a long one built once, then cached).
  func name(_ id: Int32) -> String {
    let index = Int(id)
    let bytes = UnsafeBufferPointer(rebasing: arena[start(index)..<start(index + 1)])
    guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }
    let slot = index & (NameTable.longStringSlots - 1)
    if longStrings[slot].id == id { return longStrings[slot].name }
    let text = String(decoding: bytes, as: UTF8.self)
    longStrings[slot] = (id, text)
    return text
  }

  /// Whether name `a` sorts before name `b` as their `String`s do (`<`), without making
  /// them: a report sorts a million rows by name. Two ASCII names compare byte by byte,
  /// which is what `String` does for them; any other pair is compared as `String`s
  /// (Unicode canonical order, invalid bytes repaired as `name(_:)` repairs them).
  func precedes(_ a: Int32, _ b: Int32) -> Bool {
    let (aStart, aEnd) = (start(Int(a)), start(Int(a) + 1))
    let (bStart, bEnd) = (start(Int(b)), start(Int(b) + 1))
    let base = UnsafePointer(arena.baseAddress!)  // allocated in init: never nil
    guard NameTable.isASCII(base + aStart, aEnd - aStart), NameTable.isASCII(base + bStart, bEnd - bStart) else {
      return name(a) < name(b)
    }
    let common = min(aEnd - aStart, bEnd - bStart)
    let order = common == 0 ? 0 : memcmp(base + aStart, base + bStart, common)
    return order != 0 ? order < 0 : aEnd - aStart < bEnd - bStart
  }

  /// Whether `length` bytes are all below 0x80, eight at a time.
  @inline(__always)
  private static func isASCII(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    let raw = UnsafeRawPointer(bytes)
    var i = 0
    while i + 8 <= length {
      if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
      i += 8
    }
    while i < length {
      if bytes[i] >= 0x80 { return false }
      i += 1
    }
    return true
  }

  /// The UTF-8 bytes of `id`'s name.
  func bytes(_ id: Int32) -> ArraySlice<UInt8> {
    ArraySlice(UnsafeBufferPointer(rebasing: arena[start(Int(id))..<start(Int(id) + 1)]))
  }

  /// Where name `id` starts in the arena (`id == count`: where the next would).
  @inline(__always)
  private func start(_ id: Int) -> Int {
    wideStarts.isEmpty ? Int(starts[id]) : wideStarts[id]
  }

  /// The part of a hash kept per name; its low bits place the name in `slots`.
  @inline(__always)
  private static func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) }

  /// The full hash of name `id`, worked out again from its bytes.
  private func hash(of id: Int) -> UInt64 {
    let first = start(id)
    // A name may be empty: any valid address serves for zero bytes.
    return NameTable.hash(UnsafePointer(arena.baseAddress! + first), start(id + 1) - first)  // allocated in init
  }

  @inline(__always)
  private func equals(_ id: Int, _ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
    let first = start(id)
    guard start(id + 1) - first == length else { return false }
    // Word by word: names are short, and a call to memcmp costs more than the compare.
    let stored = UnsafeRawPointer(arena.baseAddress! + first)  // allocated in init: never nil
    let given = UnsafeRawPointer(bytes)
    var i = 0
    while i + 8 <= length {
      if stored.loadUnaligned(fromByteOffset: i, as: UInt64.self) != given.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
        return false
      }
      i += 8
    }
    if i < length && length >= 8 {
      // The rest within the last eight bytes (overlapping words already compared).
      return stored.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
        == given.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
    }
    while i < length {
      if stored.load(fromByteOffset: i, as: UInt8.self) != given.load(fromByteOffset: i, as: UInt8.self) { return false }
      i += 1
    }
    return true
  }

  private func insert(_ bytes: UnsafePointer<UInt8>, _ length: Int, hash: UInt64, slot: Int) -> Int32 {
    let id = append(bytes, length)
    if id + 1 > hashTags.count { growHashTags() }
    hashTags[id] = NameTable.tag(hash)
    slots[slot] = Int32(id + 1)
    indexed = count
    if count * 2 > slots.count { rehash() }
    return Int32(id)
  }

  /// Adds a name's bytes and start, not yet placed in `slots`; returns its id.
  private func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Int {
    let id = count
    if arenaUsed + length > arena.count { arena = NameTable.grow(arena, to: max(arena.count * 2, arenaUsed + length)) }
    if wideStarts.isEmpty && id + 2 > starts.count { starts = NameTable.grow(starts, to: starts.count * 2) }
    (arena.baseAddress! + arenaUsed).update(from: bytes, count: length)  // allocated in init: never nil
    arenaUsed += length
    if wideStarts.isEmpty && arenaUsed > Int(UInt32.max) {
      // Four gigabytes of names: every start goes to 64 bits from here on.
      wideStarts = (0...id).map { Int(starts[$0]) }
    }
    if wideStarts.isEmpty {
      starts[id + 1] = UInt32(truncatingIfNeeded: arenaUsed)
    } else {
      wideStarts.append(arenaUsed)
    }
    count += 1
    return id
  }

  /// Places the names copied in since the last search in `slots`.
  @inline(never)
  private func indexCopiedNames() {
    if count > hashTags.count { growHashTags() }
    if count * 2 > slots.count {
      rehash()  // places every name
      return
    }
    let mask = slots.count - 1
    for id in indexed..<count {
      let hash = hash(of: id)
      hashTags[id] = NameTable.tag(hash)
      var slot = Int(truncatingIfNeeded: hash) & mask
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(id + 1)
    }
    indexed = count
  }

  /// Appends the bytes of names `first ..< count` to `bytes` and each one's end offset
  /// (within `bytes`) to `ends`: how a table kept on one thread is mirrored on another.
  func copyNames(from first: Int, bytes: inout [UInt8], ends: inout [Int]) {
    guard first < count else { return }
    for id in first..<count {
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: arena[start(id)..<start(id + 1)]))
      ends.append(bytes.count)
    }
  }

  /// Interns the names `copyNames` wrote, in their order. A mirror that has interned every
  /// name of the original in the same order gives each the same id. They are new here by
  /// that rule, so they are only appended: no hash, no probe (see `indexed`).
  func intern(copied bytes: [UInt8], ends: [Int]) {
    guard !ends.isEmpty else { return }
    bytes.withUnsafeBufferPointer { buffer in
      var start = 0
      for end in ends {
        // A name may be empty: any valid address serves for zero bytes.
        let base = buffer.baseAddress ?? UnsafePointer(arena.baseAddress!)  // allocated in init
        _ = append(base + start, end - start)
        start = end
      }
    }
  }

  /// Forgets the names added since the table had `newCount` of them (the names of a line
  /// that turned out bad), so no report counts a name no valid event carried. Latest
  /// first: with linear probing no earlier name's probe chain runs through a later name's
  /// slot, so clearing those slots loses nothing.
  func truncate(to newCount: Int) {
    guard newCount < count else { return }
    if indexed < count { indexCopiedNames() }
    let mask = slots.count - 1
    for id in stride(from: count - 1, through: newCount, by: -1) {
      var slot = Int(truncatingIfNeeded: hash(of: id)) & mask
      while slots[slot] != Int32(id + 1) { slot = (slot + 1) & mask }
      slots[slot] = 0
      let cached = id & (NameTable.longStringSlots - 1)
      if longStrings[cached].id == Int32(id) { longStrings[cached] = (-1, "") }
    }
    count = newCount
    indexed = newCount
    arenaUsed = start(newCount)
    if !wideStarts.isEmpty { wideStarts.removeLast(wideStarts.count - newCount - 1) }
  }

  /// A table at least twice the names, every name placed again.
  private func rehash() {
    if count > hashTags.count { growHashTags() }
    var size = slots.count * 2
    while count * 2 > size { size *= 2 }
    let bigger = UnsafeMutableBufferPointer<Int32>.allocate(capacity: size)
    bigger.initialize(repeating: 0)
    let mask = bigger.count - 1
    for id in 0..<count {
      let hash = hash(of: id)
      hashTags[id] = NameTable.tag(hash)
      var slot = Int(truncatingIfNeeded: hash) & mask
      while bigger[slot] != 0 { slot = (slot + 1) & mask }
      bigger[slot] = Int32(id + 1)
    }
    slots.deallocate()
    slots = bigger
    indexed = count
  }

  /// Room for every name's hash tag, doubling.
  @inline(never)
  private func growHashTags() {
    var size = hashTags.count * 2
    while size < count { size *= 2 }
    hashTags = NameTable.grow(hashTags, to: size)
  }

  private static func grow<T>(_ buffer: UnsafeMutableBufferPointer<T>, to capacity: Int) -> UnsafeMutableBufferPointer<T> {
    let bigger = UnsafeMutableBufferPointer<T>.allocate(capacity: capacity)
    _ = bigger.initialize(from: buffer)
    buffer.deallocate()
    return bigger
  }

  /// A fast 64-bit hash of a short byte string: eight bytes per multiply.
  @inline(__always)
  static func hash(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: length)
    var i = 0
    let raw = UnsafeRawPointer(bytes)
    while i + 8 <= length {
      let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
      h ^= h >> 31
      i += 8
    }
    if i < length {
      var word: UInt64 = 0
      if length >= 8 {
        // The last eight bytes, shifted so only those past the whole words remain: the
        // same word the byte loop below builds, in one load.
        word = raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) >> UInt64(8 * (8 - (length - i)))
      } else {
        var shift: UInt64 = 0
        while i < length {
          word |= UInt64(bytes[i]) << shift
          shift += 8
          i += 1
        }
      }
      h = (h ^ word) &* 0x94D0_49BB_1331_11EB
      h ^= h >> 29
    }
    // SplitMix64's finalizer: every input bit reaches the low bits that pick the slot. A
    // multiply alone moves differences only upward, so names that differ in their last
    // bytes ("lock-10" … "lock-99": the high bytes of the word) shared their low bits and
    // piled onto a few slots, 25 probes a lookup at a thousand names.
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
  }

  /// How far names sit from their home slot, on average and at most (0: at home): the
  /// table's health, for tests.
  func probeDistances() -> (mean: Double, max: Int) {
    if indexed < count { indexCopiedNames() }
    let mask = slots.count - 1
    var (total, longest) = (0, 0)
    for slot in 0..<slots.count where slots[slot] != 0 {
      let home = Int(truncatingIfNeeded: hash(of: Int(slots[slot] - 1))) & mask
      let distance = (slot - home) & mask
      total += distance
      longest = max(longest, distance)
    }
    return (count == 0 ? 0 : Double(total) / Double(count), longest)
  }
}

extension NameTable {
  /// The id of a JSON string's text. Its escapes, if any, are decoded into `scratch` first
  /// (the caller's, reused line after line) through a pointer: a decoded name is never
  /// longer than its escaped form, so room is made once (`JSONScanner.unescape`).
  func intern(_ text: JSONScanner.StringToken, decodingInto scratch: inout JSONBytes, lineStart: UnsafePointer<UInt8>)
    throws(LineError) -> Int32
  {
    if !text.hasEscapes { return intern(text.start, text.count) }
    scratch.rewind(to: 0)
    try JSONScanner.unescape(text, appendingTo: &scratch, lineStart: lineStart)
    return scratch.withBytes { intern($0.baseAddress!, $0.count) }  // never nil: a JSONBytes allocates at init
  }
}
