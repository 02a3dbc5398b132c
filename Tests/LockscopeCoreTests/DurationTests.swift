import Testing

@testable import LockscopeCore

@Suite("Human durations")
struct DurationTests {
  @Test("three significant digits, units from ns to hours, no 1000µs")
  func units() {
    #expect(HumanDuration.human(0) == "0ns")
    #expect(HumanDuration.human(850) == "850ns")
    #expect(HumanDuration.human(12_345) == "12.3µs")
    #expect(HumanDuration.human(999_499) == "999µs")
    #expect(HumanDuration.human(999_600) == "1.00ms")
    #expect(HumanDuration.human(45_600_000) == "45.6ms")
    #expect(HumanDuration.human(2 * second) == "2.00s")
    #expect(HumanDuration.human(9_996 * millisecond) == "10.0s")
    #expect(HumanDuration.human(192 * second) == "3m12s")
    #expect(HumanDuration.human(3_720 * second) == "1h02m")
  }
}
