import Foundation
import Testing

@testable import LockscopeCore

/// Issue 13, item 6: option values that trapped (SIGILL on arithmetic overflow, "Double
/// value cannot be converted to Int64"). Each now gives an answer or a usage error, exit 2.
/// A trap here takes the test process down, so each is also run through the binary
/// (LockscopeEndToEndTests/TrapTests).
@Suite("Traps on option values")
struct TrapRegressionTests {
  /// One 1 s hold with a waiter: contended, so whatif replays it.
  static let contended = [
    line(0, "acquire", "a", "L"), line(1, "request", "b", "L"), line(2, "release", "a", "L"), line(2, "acquire", "b", "L"),
    line(3, "release", "b", "L"),
  ].joined(separator: "\n") + "\n"

  /// A hold from 1900 to 2099, the widest the supported times allow, with a waiter.
  static let centuries = [
    #"{"ts":"1900-01-01T00:00:00Z","event":"acquire","agent":"a","lock":"L"}"#,
    #"{"ts":"1900-01-01T00:00:01Z","event":"request","agent":"b","lock":"L"}"#,
    #"{"ts":"2099-12-31T00:00:00Z","event":"release","agent":"a","lock":"L"}"#,
    #"{"ts":"2099-12-31T00:00:00Z","event":"acquire","agent":"b","lock":"L"}"#,
    #"{"ts":"2099-12-31T00:00:01Z","event":"release","agent":"b","lock":"L"}"#,
  ].joined(separator: "\n") + "\n"

  static let refusal = "runs past the times lockscope can represent"

  @Test("whatif --hold-scale 1e9 no longer overflows (SIGILL): a 1 s hold becomes 31 years, predicted")
  func holdScale1e9Overflow() {
    let result = runCLI(["whatif", "--lock", "L", "--hold-scale", "1e9", temporaryFile(Self.contended)])
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out.contains("speed-up"))
  }

  @Test("whatif --hold-scale >= 5e9 no longer traps converting Double to Int64: refused, exit 2, one line", arguments: ["5e9", "1e10", "1e300"])
  func holdScaleDoubleToInt64(_ factor: String) {
    let result = runCLI(["whatif", "--lock", "L", "--hold-scale", factor, temporaryFile(Self.contended)])
    #expect(result.status == 2)
    #expect(result.err.hasPrefix("lockscope: cannot predict: with --hold-scale "))
    #expect(result.err.contains(Self.refusal))
    #expect(result.err.split(separator: "\n").count == 1)
  }

  @Test("whatif --hold-scale 2 on a 1900–2099 hold no longer traps: refused, exit 2")
  func holdScale2OnCenturiesHold() {
    let result = runCLI(["whatif", "--lock", "L", "--hold-scale", "2", temporaryFile(Self.centuries)])
    #expect(result.status == 2)
    #expect(result.err.contains(Self.refusal), "\(result.err)")
    // A change that fits is still predicted on the same log.
    let fits = runCLI(["whatif", "--lock", "L", "--hold-scale", "1.1", temporaryFile(Self.centuries)])
    #expect(fits.status == 0, "\(fits.err)")
  }

  @Test("whatif --hold-cap of centuries on a 1900–2099 log: no trap")
  func holdCapCenturies() {
    for cap in ["1949000h", "2562047h"] {
      let result = runCLI(["whatif", "--lock", "L", "--hold-cap", cap, temporaryFile(Self.centuries)])
      #expect(result.status == 0, "\(cap): \(result.err)")
    }
  }

  @Test("--reorder-window near 1,949,000h on 1900-era timestamps no longer overflows")
  func reorderWindowOn1900Timestamps() {
    for window in ["1948000h", "1949000h", "1950000h", "2562047h"] {
      let result = runCLI(["report", "--format", "json", "--reorder-window", window, temporaryFile(Self.centuries)])
      #expect(result.status == 0, "\(window): \(result.err)")
      #expect(result.out.contains(#""events": 5"#), "\(window)")
    }
  }

  @Test("timeline --around a 1900 time with --window near 1,949,000h no longer wraps the window around and traps")
  func timelineAroundWindowOn1900Timestamps() {
    for (around, window) in [
      ("1900-01-01T00:00:00Z", "1949000h"), ("1900-01-01T00:00:00Z", "2562047h"), ("2099-12-31T00:00:00Z", "2562047h"),
      ("1900-01-01T00:00:00Z", "1ns"),
    ] {
      let result = runCLI(["timeline", "--around", around, "--window", window, temporaryFile(Self.centuries)])
      #expect(result.status == 0, "\(around) ± \(window): \(result.err)")
      #expect(result.out.contains(" shown") || result.out.contains("No events in the window"), "\(around) ± \(window)")
    }
    let wide = runCLI(["timeline", "--around", "1900-01-01T00:00:00Z", "--window", "1949000h", temporaryFile(Self.centuries)])
    #expect(wide.out.contains("5 events shown"))
  }

  @Test("a duration option past the supported span means that span; one past Int64 is a usage error, not 'unknown unit'")
  func durationOptionsBounded() throws {
    #expect(try OptionTable.duration("99999h", option: "x") == 99_999 * 3_600_000_000_000)
    #expect(try OptionTable.duration("2562047h", option: "x") == OptionTable.longestDuration)
    for option in ["--long-hold", "--orphan-after", "--reorder-window"] {
      let result = runCLI(["report", option, "99999999999999h", temporaryFile(Self.contended)])
      #expect(result.status == 2)
      #expect(result.err.hasPrefix("Error: \(option) takes a duration of at most 2562047h"), "\(result.err)")
    }
  }
}
