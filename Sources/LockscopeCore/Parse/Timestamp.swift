/// How an epoch number in the `ts` field is read (SPEC §1, `--time-unit`).
enum TimeUnit: String, CaseIterable, Sendable {
  case seconds = "s"
  case milliseconds = "ms"
  case microseconds = "us"
  case nanoseconds = "ns"

  /// Power of ten that turns this unit into nanoseconds.
  var nanosecondExponent: Int {
    switch self {
    case .seconds: 9
    case .milliseconds: 6
    case .microseconds: 3
    case .nanoseconds: 0
    }
  }

  /// The unit SPEC §1 assigns to an epoch number by its magnitude:
  /// < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, otherwise nanoseconds.
  static func byMagnitude(_ number: DecimalNumber) -> TimeUnit {
    let digits = number.integerDigits
    if digits <= 11 { return .seconds }
    if digits <= 14 { return .milliseconds }
    if digits <= 17 { return .microseconds }
    return .nanoseconds
  }
}

/// Conversions between log timestamps and integer nanoseconds since the Unix epoch.
enum Timestamp {
  /// Nanoseconds for an epoch number, by magnitude unless `unit` is given.
  static func nanoseconds(epoch number: DecimalNumber, unit: TimeUnit?) -> Int64? {
    let unit = unit ?? TimeUnit.byMagnitude(number)
    return number.scaled(byPowerOfTen: unit.nanosecondExponent)
  }

  /// Parses an RFC 3339 date-time (`2026-11-22T10:00:00.123Z`, any offset, any number of
  /// fraction digits, `t`/`z`/space accepted) to nanoseconds, or nil.
  static func nanoseconds(rfc3339 text: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard let (nanos, hasOffset) = dateTime(text), hasOffset else { return nil }
    return nanos
  }

  /// The same, also accepting a date-time without an offset (`2026-11-29 10:00:00,123`, a
  /// comma before the fraction as Python's `logging` writes it): then the nanoseconds are
  /// of wall time, to be read in an assumed zone, and `hasOffset` is false.
  static func dateTime(_ text: UnsafeBufferPointer<UInt8>) -> (nanos: Int64, hasOffset: Bool)? {
    var reader = DigitReader(text)
    guard let year = reader.digits(4), reader.take(UInt8(ascii: "-")),
      let month = reader.digits(2), reader.take(UInt8(ascii: "-")),
      let day = reader.digits(2)
    else { return nil }
    guard
      reader.take(UInt8(ascii: "T")) || reader.take(UInt8(ascii: "t"))
        || reader.take(UInt8(ascii: " "))
    else { return nil }
    guard let hour = reader.digits(2), reader.take(UInt8(ascii: ":")),
      let minute = reader.digits(2), reader.take(UInt8(ascii: ":")),
      let second = reader.digits(2)
    else { return nil }
    guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
      hour <= 23, minute <= 59, second <= 60
    else { return nil }

    var fraction: Int64 = 0
    if reader.take(UInt8(ascii: ".")) || reader.take(UInt8(ascii: ",")) {
      var digits = 0
      while let d = reader.digit() {
        if digits < 9 { fraction = fraction * 10 + Int64(d) }
        digits += 1
      }
      guard digits > 0 else { return nil }
      for _ in min(digits, 9)..<9 { fraction *= 10 }
    }

    var offsetSeconds = 0
    var hasOffset = true
    if reader.atEnd {
      hasOffset = false
    } else if reader.take(UInt8(ascii: "Z")) || reader.take(UInt8(ascii: "z")) {
      offsetSeconds = 0
    } else if let sign = reader.sign() {
      guard let oh = reader.digits(2), reader.take(UInt8(ascii: ":")), let om = reader.digits(2),
        oh <= 23, om <= 59
      else { return nil }
      offsetSeconds = sign * (oh * 3600 + om * 60)
    } else {
      return nil
    }
    guard reader.atEnd else { return nil }

    // A leap second (:60) is read as the first instant of the next minute.
    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds =
      Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
      - Int64(offsetSeconds)
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return nil }
    let (total, overflow2) = scaled.addingReportingOverflow(fraction)
    return overflow2 ? nil : (total, hasOffset)
  }

  /// An epoch number written as a JSON string (`"1795341600000"`, as ClickHouse and
  /// BigQuery quote 64-bit integers): the string's bytes read as a JSON number; nil when
  /// they are not exactly one.
  static func quotedEpoch(_ text: UnsafeBufferPointer<UInt8>) -> DecimalNumber? {
    guard let start = text.baseAddress, !text.isEmpty else { return nil }
    let first = start.pointee
    guard first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return nil }
    var scanner = JSONScanner(start: start, end: start + text.count)
    guard case .number(let number)? = try? scanner.scanNumberValue(), scanner.position == scanner.end else { return nil }
    return number
  }

  /// Formats nanoseconds as RFC 3339 UTC with nine fraction digits:
  /// `2026-11-22T10:00:00.123456789Z`.
  /// Times lockscope accepts in a log: 1900-01-01 to 2099-12-31 (UTC). 200 years are
  /// 6.3e18 ns, so any duration between two of them fits in an Int64.
  static let supported: ClosedRange<Int64> = -2_208_988_800_000_000_000...4_102_444_799_999_999_999

  static func rfc3339(_ nanos: Int64) -> String {
    let (seconds, fraction) = floorDivide(nanos, 1_000_000_000)
    let (days, secondOfDay) = floorDivide(seconds, 86_400)
    let (year, month, day) = civilFromDays(days)
    // Int64 nanoseconds span the years 1677 to 2262: always four digits. Every byte is
    // put in place in one string (reports write thousands: a finding's chain, a timeline),
    // not a dozen small strings joined.
    return String(unsafeUninitializedCapacity: 30) { bytes in
      func put(_ value: Int, _ width: Int, at offset: Int) {
        var rest = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
          bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
          rest /= 10
        }
      }
      put(year, 4, at: 0)
      put(month, 2, at: 5)
      put(day, 2, at: 8)
      put(Int(secondOfDay / 3600), 2, at: 11)
      put(Int(secondOfDay / 60 % 60), 2, at: 14)
      put(Int(secondOfDay % 60), 2, at: 17)
      put(Int(fraction), 9, at: 20)
      (bytes[4], bytes[7], bytes[10]) = (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"))
      (bytes[13], bytes[16], bytes[19], bytes[29]) = (UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "Z"))
      return 30
    }
  }

  /// Parses a command-line time (`--since`, `--until`): RFC 3339 or an epoch number.
  static func parse(_ text: String, unit: TimeUnit?) -> Int64? {
    var bytes = Array(text.utf8)
    if let number = parseDecimal(bytes) {
      return nanoseconds(epoch: number, unit: unit)
    }
    bytes.append(0)
    return bytes.withUnsafeBufferPointer {
      nanoseconds(rfc3339: UnsafeBufferPointer(rebasing: $0.dropLast()))
    }
  }

  /// A plain decimal (`123`, `-1.5`, `1e9`) from command-line text, or nil.
  static func parseDecimal(_ bytes: [UInt8]) -> DecimalNumber? {
    guard !bytes.isEmpty else { return nil }
    var copy = bytes
    copy.append(0)
    return copy.withUnsafeBufferPointer { buffer -> DecimalNumber? in
      let start = buffer.baseAddress!  // non-empty
      let end = start + bytes.count
      var scanner = JSONScanner(start: start, end: end)
      guard case .number(let number)? = try? scanner.scanNumberValue(), scanner.position == end
      else { return nil }
      return number
    }
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
    let z = Int(days) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    var q = a / b
    var r = a % b
    if r < 0 {
      q -= 1
      r += b
    }
    return (q, r)
  }
}

/// Reads fixed-width ASCII digits and punctuation from a timestamp.
private struct DigitReader {
  let text: UnsafeBufferPointer<UInt8>
  var index = 0
  init(_ text: UnsafeBufferPointer<UInt8>) { self.text = text }

  var atEnd: Bool { index == text.count }

  mutating func digit() -> Int? {
    guard index < text.count else { return nil }
    let d = Int(text[index]) &- 48
    guard d >= 0 && d <= 9 else { return nil }
    index += 1
    return d
  }

  mutating func digits(_ count: Int) -> Int? {
    var value = 0
    for _ in 0..<count {
      guard let d = digit() else { return nil }
      value = value * 10 + d
    }
    return value
  }

  mutating func take(_ byte: UInt8) -> Bool {
    guard index < text.count, text[index] == byte else { return false }
    index += 1
    return true
  }

  mutating func sign() -> Int? {
    if take(UInt8(ascii: "+")) { return 1 }
    if take(UInt8(ascii: "-")) { return -1 }
    return nil
  }
}
