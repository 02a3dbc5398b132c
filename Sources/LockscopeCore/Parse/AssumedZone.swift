import Foundation

/// `--timezone`: the zone a timestamp without an offset (`2026-11-29T10:00:00.123`) is read
/// in. A fixed offset (`+02:00`, `UTC`) or an IANA zone whose offset follows its daylight
/// saving rules; the offset of each quarter hour of wall time is looked up once and cached,
/// so a log of offset-less stamps costs one comparison per line, not a calendar lookup.
struct AssumedZone: Sendable {
  /// As the user gave it (`UTC`, `Europe/Paris`, `+05:30`), for the report.
  let name: String
  private let fixedOffset: Int64?
  private let zone: TimeZone?
  /// The quarter hour of wall time last converted, and its offset from UTC in seconds.
  private var cachedQuarter: Int64 = .min
  private var cachedOffset: Int64 = 0

  static let utc = AssumedZone(name: "UTC", fixedOffset: 0, zone: nil)

  private init(name: String, fixedOffset: Int64?, zone: TimeZone?) {
    self.name = name
    self.fixedOffset = fixedOffset
    self.zone = zone
  }

  /// `UTC`, `Z`, `+HH:MM`, `-HH:MM` or an IANA name Foundation knows; nil otherwise.
  static func named(_ text: String) -> AssumedZone? {
    if text == "UTC" || text == "Z" || text == "utc" { return AssumedZone(name: "UTC", fixedOffset: 0, zone: nil) }
    let bytes = Array(text.utf8)
    if bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":") {
      let digits = [bytes[1], bytes[2], bytes[4], bytes[5]].map { Int64($0) - 48 }
      guard digits.allSatisfy({ $0 >= 0 && $0 <= 9 }) else { return nil }
      let hours = digits[0] * 10 + digits[1]
      let minutes = digits[2] * 10 + digits[3]
      guard hours <= 23, minutes <= 59 else { return nil }
      let sign: Int64 = bytes[0] == UInt8(ascii: "-") ? -1 : 1
      return AssumedZone(name: text, fixedOffset: sign * (hours * 3600 + minutes * 60), zone: nil)
    }
    // Only names: Foundation also accepts abbreviations like "EST" and "GMT+2", whose
    // meaning is ambiguous; an IANA name has a '/' (or is one of the few like "UTC").
    guard text.contains("/") || ["GMT", "UCT", "Etc/UTC"].contains(text), let zone = TimeZone(identifier: text) else {
      return nil
    }
    return AssumedZone(name: text, fixedOffset: nil, zone: zone)
  }

  /// The closest known IANA name to a mistyped one (`Europe/Pariss`), for the usage error.
  static func suggestion(for text: String) -> String? {
    NearMiss.closest(to: text, among: TimeZone.knownTimeZoneIdentifiers)
  }

  /// UTC nanoseconds for `wall` nanoseconds of local time in this zone. A wall time that
  /// a daylight-saving change repeats or skips takes one of the two offsets around it.
  @inline(__always)
  mutating func utc(fromWall wall: Int64) -> Int64 {
    if let fixedOffset { return wall &- fixedOffset &* 1_000_000_000 }
    let (seconds, _) = Timestamp.floorDivide(wall, 1_000_000_000)
    let quarter = Timestamp.floorDivide(seconds, 900).0
    if quarter != cachedQuarter {
      cachedQuarter = quarter
      cachedOffset = offset(atWallSeconds: quarter * 900)
    }
    return wall &- cachedOffset &* 1_000_000_000
  }

  @inline(never)
  private func offset(atWallSeconds wall: Int64) -> Int64 {
    guard let zone else { return 0 }
    // The offset at the wall time read as UTC is within a day of the truth; the offset at
    // the instant that guess gives is the zone's for this wall time (outside a change).
    let first = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall))))
    let second = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - first))))
    if first == second { return first }
    // Around a change: the offset of the instant just before the wall time, re-checked.
    let third = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - second))))
    return third == second ? second : max(first, second)
  }
}
