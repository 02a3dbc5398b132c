import Testing

@testable import LockscopeCore

@Suite("Human durations")
struct DurationTests {
  @Test("three significant digits, units from ns to hours, no 1000µs")
  func units() {
    #expect(Duration.human(0) == "0ns")
    #expect(Duration.human(850) == "850ns")
    #expect(Duration.human(12_345) == "12.3µs")
    #expect(Duration.human(999_499) == "999µs")
    #expect(Duration.human(999_600) == "1.00ms")
    #expect(Duration.human(45_600_000) == "45.6ms")
    #expect(Duration.human(2 * second) == "2.00s")
    #expect(Duration.human(9_996 * millisecond) == "10.0s")
    #expect(Duration.human(192 * second) == "3m12s")
    #expect(Duration.human(3_720 * second) == "1h02m")
  }
}
