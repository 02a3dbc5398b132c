import Foundation
import Testing

@testable import LockscopeCore

@Suite("Timestamps")
struct TimestampTests {
  func ts(_ json: String, unit: TimeUnit? = nil) -> Int64? {
    var map = FieldMap()
    map.timeUnit = unit
    guard case .success(let event?) = parseLine(#"{"ts":\#(json),"event":"release","agent":"a","lock":"L"}"#, fieldMap: map) else {
      return nil
    }
    return event.time
  }

  @Test("RFC 3339 in every form gives the same instant")
  func rfc3339Forms() {
    let base = t0
    #expect(ts(#""2026-11-22T10:00:00Z""#) == base)
    #expect(ts(#""2026-11-22t10:00:00z""#) == base)
    #expect(ts(#""2026-11-22 10:00:00Z""#) == base)
    #expect(ts(#""2026-11-22T15:30:00+05:30""#) == base)
    #expect(ts(#""2026-11-22T02:00:00-08:00""#) == base)
    #expect(ts(#""2026-11-22T10:00:00.5Z""#) == base + 500 * millisecond)
    #expect(ts(#""2026-11-22T10:00:00.123Z""#) == base + 123 * millisecond)
    #expect(ts(#""2026-11-22T10:00:00.123456Z""#) == base + 123_456_000)
    #expect(ts(#""2026-11-22T10:00:00.123456789Z""#) == base + 123_456_789)
    #expect(ts(#""2026-11-22T10:00:00.123456789999Z""#) == base + 123_456_789)  // beyond ns: truncated
  }

  @Test("RFC 3339 arithmetic: the epoch, a leap day, before 1970, a leap second")
  func calendar() {
    #expect(Timestamp.parse("1970-01-01T00:00:00Z", unit: nil) == 0)
    #expect(Timestamp.parse("2026-11-22T10:00:00Z", unit: nil) == 1_795_341_600 * second)
    #expect(Timestamp.parse("2000-02-29T00:00:00Z", unit: nil) == 951_782_400 * second)
    #expect(Timestamp.parse("1969-12-31T23:59:59Z", unit: nil) == -second)
    #expect(Timestamp.parse("2016-12-31T23:59:60Z", unit: nil) == Timestamp.parse("2017-01-01T00:00:00Z", unit: nil))
  }

  @Test("impossible dates and malformed RFC 3339 are unreadable")
  func invalid() {
    for text in [
      "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z",
      "2026-11-22T10:00:00", "2026-11-22T10:00Z", "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00+0530",
      "26-11-22T10:00:00Z", "2026-11-22T10:00:00Zjunk", "9999-12-31T23:59:59Z",
    ] {
      #expect(Timestamp.parse(text, unit: nil) == nil, "\(text)")
    }
  }

  @Test("epoch numbers are read by magnitude: seconds, ms, µs, ns")
  func epochByMagnitude() {
    let s: Int64 = 1_763_805_600
    #expect(ts("1763805600") == s * second)
    #expect(ts("1763805600.25") == s * second + 250 * millisecond)
    #expect(ts("1.7638056e9") == s * second)
    #expect(ts("1763805600250") == s * second + 250 * millisecond)
    #expect(ts("1763805600250000") == s * second + 250 * millisecond)
    #expect(ts("1763805600250000123") == s * second + 250_000_123)
    #expect(ts("4000000000") == 4_000_000_000 * second)  // < 1e11: still seconds (year 2096)
    #expect(ts("9000000000") == nil)  // seconds, but year 2255: outside the supported 1900–2099
    #expect(ts("99999999999") == nil)  // seconds, but past 2262: out of Int64 nanoseconds
    #expect(ts("100000000000") == 100_000_000_000 * millisecond)  // 1e11: milliseconds
    #expect(ts("0") == 0)
    #expect(ts("-1.5") == -1_500_000_000)
  }

  @Test("--time-unit overrides the guess")
  func explicitUnit() {
    #expect(ts("1500", unit: .milliseconds) == 1_500_000_000)
    #expect(ts("1500", unit: .nanoseconds) == 1500)
    #expect(ts("1.5", unit: .microseconds) == 1500)
    #expect(ts("1763805600", unit: .seconds) == 1_763_805_600 * second)
  }

  @Test("formatting is RFC 3339 UTC with nine digits, and reads back")
  func formatting() {
    #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000000000Z")
    #expect(Timestamp.rfc3339(t0 + 123_456_789) == "2026-11-22T10:00:00.123456789Z")
    #expect(Timestamp.rfc3339(-1) == "1969-12-31T23:59:59.999999999Z")
    for value in [Int64(0), t0, -86_400 * second + 5, 4_102_444_800 * second + 999_999_999] {
      #expect(Timestamp.parse(Timestamp.rfc3339(value), unit: nil) == value)
    }
  }

  @Test("formatting agrees with Foundation's ISO 8601 formatter over the whole Int64 range, nine fraction digits beside it")
  func formattingAgainstFoundation() {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    var values: [Int64] = [.min, .max, 0, -1, 1, t0, 951_782_400 * second, 4_102_444_799 * second + 999_999_999]
    var state: UInt64 = 12345
    for _ in 0..<2000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      values.append(Int64(bitPattern: state))
    }
    for value in values {
      let (seconds, fraction) = (value.quotientAndRemainder(dividingBy: second))
      // Floor division: a negative remainder borrows a second.
      let (whole, nanos) = fraction < 0 ? (seconds - 1, fraction + second) : (seconds, fraction)
      let base = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(whole)))  // ...SSZ
      let digits = String(nanos)
      let expected = base.dropLast() + "." + String(repeating: "0", count: 9 - digits.count) + digits + "Z"
      #expect(Timestamp.rfc3339(value) == expected, "\(value)")
    }
  }
}

@Suite("RFC 3339 prefix cache")
struct RFC3339ReaderTests {
  @Test("the cached reader agrees with the full parser on every tail, valid or not")
  func agreesWithFullParser() {
    var reader = RFC3339Reader()
    let prefixes = ["2026-11-22T10:00", "2026-11-22T10:01", "2026-11-22t10:01", "2026-02-28T23:59", "2024-02-29 00:00"]
    let tails = [
      ":00Z", ":59.5Z", ":60Z", ":61Z", ":5xZ", ":07.123456789Z", ":07.1234567891Z", ":07.Z", ":07", ":07+05:30",
      ":07-08:00", ":07+24:00", ":07+05:60", ":07+0530", ":07z", ":07Zx", ":07.5+01:00", ":99Z", ":7Z",
      ":07,250", ":07.250", ":07,25Z", ":07,", ":07.",
    ]
    var checked = 0
    for prefix in prefixes {
      for tail in tails {
        // Twice each: the first may fill the cache, the second must use it.
        for _ in 0..<2 {
          var bytes = Array((prefix + tail).utf8)
          let count = bytes.count
          bytes.append(0)
          bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[0..<count])
            // Without an offset the reader assumes UTC (its default zone): the wall time as is.
            #expect(reader.nanoseconds(text) == Timestamp.dateTime(text)?.nanos, "\(prefix + tail)")
          }
          checked += 1
        }
      }
    }
    #expect(checked == prefixes.count * tails.count * 2)
  }

  @Test("fractions of 0 to 12 digits read a word at a time agree with the full parser, whatever bytes follow the text")
  func wordAtATimeFractions() {
    var reader = RFC3339Reader()
    let zones = ["", "Z", "+01:00", "-08:00", "x"]
    // What the reader may see past the text: a closing quote in a line, more digits (never
    // in a line, but a reader must not take them), bytes that carry when 6 is added.
    let after: [[UInt8]] = [[], [0x22], Array("98765432".utf8), [0xFA, 0xFF, 0x80, 0x00, 0x3A, 0x2F, 0x39, 0x30]]
    for digits in 0...12 {
      for zone in zones {
        let fraction = digits == 0 ? "." : "." + String("918273645091".prefix(digits))
        let text = Array(("2026-11-22T10:00:07" + fraction + zone).utf8)
        for extra in after {
          // The reader's cache is filled by the first read; every later read takes the tail path.
          var bytes = text + extra
          bytes.append(contentsOf: [UInt8](repeating: 0, count: 8))
          bytes.withUnsafeBufferPointer { buffer in
            let view = UnsafeBufferPointer(rebasing: buffer[0..<text.count])
            for _ in 0..<2 {
              #expect(
                reader.nanoseconds(view, readable: text.count + extra.count) == Timestamp.dateTime(view)?.nanos,
                "\(String(decoding: text, as: UTF8.self)) then \(extra)")
            }
          }
        }
      }
    }
  }
}
