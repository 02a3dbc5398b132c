/// Reads RFC 3339 timestamps of a log, remembering the last `YYYY-MM-DDTHH:MM` prefix.
///
/// In a log, consecutive lines almost always share the date, hour and minute; then only
/// the seconds, the fraction and the offset are read. Anything unusual goes through the
/// full parser, which also checks every prefix before it is remembered.
struct RFC3339Reader {
  /// The first 16 bytes of the remembered prefix, as two little-endian words.
  private var prefixLow: UInt64 = 0
  private var prefixHigh: UInt64 = 0
  /// Seconds since the epoch of the remembered prefix (offset not applied).
  private var prefixSeconds: Int64 = 0
  private var hasPrefix = false
  /// `--timezone`: the zone of timestamps written without an offset.
  var zone = AssumedZone.utc
  /// Timestamps read without an offset, in `zone`.
  private(set) var withoutOffset: Int64 = 0

  /// Nanoseconds since the epoch, or nil when `text` is not RFC 3339 (with or without an
  /// offset; without one, it is read in `zone`). `readable`: how many bytes from `text`'s
  /// start may be read (at least its count; a string in a line has its closing quote).
  @inline(__always)
  mutating func nanoseconds(_ text: UnsafeBufferPointer<UInt8>, readable: Int = 0) -> Int64? {
    guard text.count >= 20, let base = text.baseAddress, base[16] == UInt8(ascii: ":") else {
      return full(text)
    }
    let raw = UnsafeRawPointer(base)
    let low = raw.loadUnaligned(as: UInt64.self)
    let high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    if !(hasPrefix && low == prefixLow && high == prefixHigh) {
      guard let nanos = full(text) else { return nil }
      prefixLow = low
      prefixHigh = high
      prefixSeconds = RFC3339Reader.seconds(ofPrefix: base)
      hasPrefix = true
      return nanos
    }
    return tail(base + 17, count: text.count - 17, readable: Swift.max(readable, text.count) - 17)
  }

  /// The full parser, with the zone applied to a time without an offset.
  @inline(never)
  private mutating func full(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard let (nanos, hasOffset) = Timestamp.dateTime(text) else { return nil }
    return hasOffset ? nanos : inZone(nanos)
  }

  @inline(never)
  private mutating func inZone(_ wall: Int64) -> Int64 {
    withoutOffset += 1
    return zone.utc(fromWall: wall)
  }

  /// `SS[.fraction][Z|±HH:MM]` after a remembered prefix.
  @inline(__always)
  private mutating func tail(_ p: UnsafePointer<UInt8>, count: Int, readable: Int) -> Int64? {
    let tens = Int64(p[0]) &- 48
    let ones = Int64(p[1]) &- 48
    guard tens >= 0 && tens <= 6 && ones >= 0 && ones <= 9 else { return nil }
    let second = tens * 10 + ones
    guard second <= 60 else { return nil }
    var i = 2
    var fraction: Int64 = 0
    if i < count && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",")) {
      i += 1
      // Milli- and microseconds (up to seven digits) in one word, when it may be read.
      if readable - i >= 8, let (value, digits) = RFC3339Reader.fewDigits(p + i), digits <= count - i {
        fraction = value * RFC3339Reader.nanosPerUnit(ofDigits: digits)
        i += digits
      } else {
        var digits = 0
        while i < count {
          let d = Int64(p[i]) &- 48
          guard d >= 0 && d <= 9 else { break }
          if digits < 9 { fraction = fraction * 10 + d }
          digits += 1
          i += 1
        }
        guard digits > 0 else { return nil }
        var scale = digits
        while scale < 9 {
          fraction *= 10
          scale += 1
        }
      }
    }
    var offset: Int64 = 0
    guard i < count else {
      let seconds = prefixSeconds + second
      let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
      guard !overflow else { return nil }
      let (total, overflow2) = scaled.addingReportingOverflow(fraction)
      return overflow2 ? nil : inZone(total)
    }
    let zone = p[i]
    if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
      i += 1
    } else if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
      guard count - i == 6, p[i + 3] == UInt8(ascii: ":") else { return nil }
      func twoDigits(_ at: Int) -> Int64? {
        let a = Int64(p[at]) &- 48
        let b = Int64(p[at + 1]) &- 48
        return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : nil
      }
      guard let hours = twoDigits(i + 1), let minutes = twoDigits(i + 4), hours <= 23, minutes <= 59 else { return nil }
      offset = (hours * 3600 + minutes * 60) * (zone == UInt8(ascii: "-") ? -1 : 1)
      i += 6
    } else {
      return nil
    }
    guard i == count else { return nil }
    let seconds = prefixSeconds + second - offset
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return nil }
    let (total, overflow2) = scaled.addingReportingOverflow(fraction)
    return overflow2 ? nil : total
  }

  /// The value and number of the decimal digits that start the eight bytes at `p`, when
  /// there are one to seven of them (eight may go on: the byte loop reads those). The
  /// bytes are read as one little-endian word, the first digit lowest; the word is shifted
  /// so that the digits end at its top, zeros before them, and folded pairwise.
  @inline(__always)
  static func fewDigits(_ p: UnsafePointer<UInt8>) -> (value: Int64, digits: Int)? {
    let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
    let zeros: UInt64 = 0x3030_3030_3030_3030
    let digits = JSONScanner.leadingDigits(word)
    guard digits > 0 && digits < 8 else { return nil }
    // The digits' values at the top of the word: bytes past them are shifted out, as is any
    // borrow they made.
    var v = (word &- zeros) << UInt64(8 * (8 - digits))
    v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
    v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
    v = (v &* 10_000 &+ (v >> 32)) & 0x0000_0000_FFFF_FFFF
    return (Int64(v), digits)
  }

  /// Nanoseconds in one unit of the last of `digits` fraction digits (1 to 7).
  @inline(__always)
  static func nanosPerUnit(ofDigits digits: Int) -> Int64 {
    switch digits {
    case 1: 100_000_000
    case 2: 10_000_000
    case 3: 1_000_000
    case 4: 100_000
    case 5: 10_000
    case 6: 1_000
    default: 100
    }
  }

  /// Seconds since the epoch of `YYYY-MM-DDTHH:MM` (already checked by the full parser).
  private static func seconds(ofPrefix p: UnsafePointer<UInt8>) -> Int64 {
    func number(_ from: Int, _ count: Int) -> Int {
      var value = 0
      for i in from..<(from + count) { value = value * 10 + Int(p[i] &- 48) }
      return value
    }
    let days = Timestamp.daysFromCivil(year: number(0, 4), month: number(5, 2), day: number(8, 2))
    return Int64(days) * 86_400 + Int64(number(11, 2) * 3600 + number(14, 2) * 60)
  }
}
