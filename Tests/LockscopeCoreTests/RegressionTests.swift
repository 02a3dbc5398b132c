import Testing

@testable import LockscopeCore

/// Each test pins a bug that was found, named after what it was.
@Suite("Regressions")
struct RegressionTests {
  @Test("lock-order search reaching a lock with only incoming edges no longer traps (index out of range)")
  func searchReachesLockWithOnlyIncomingEdges() throws {
    // Ids in order of first appearance: A 0, B 1, C 2, D 3. When B → C is added, the walk from
    // C reaches D, a lock no edge leaves: the search's arrays must cover it.
    let report = try analyze([
      line(0, "acquire", "a", "A"), line(1, "acquire", "a", "B"), line(2, "release", "a", "B"), line(3, "release", "a", "A"),
      line(4, "acquire", "b", "C"), line(5, "acquire", "b", "D"), line(6, "release", "b", "D"), line(7, "release", "b", "C"),
      line(8, "acquire", "c", "B"), line(9, "acquire", "c", "C"), line(10, "release", "c", "C"), line(11, "release", "c", "B"),
      line(12, "acquire", "d", "D"), line(13, "acquire", "d", "A"), line(14, "release", "d", "A"), line(15, "release", "d", "D"),
    ].joined(separator: "\n"))
    let inversions = report.findings.filter { $0.kind == "lock-order-inversion" }
    #expect(inversions.count == 1)
    #expect(Set(inversions.first?.locks ?? []) == ["A", "B", "C", "D"])
  }

  @Test("a suppression file with CRLF line ends is read line by line (\"\\r\\n\" is one Character)")
  func suppressionFileWithCRLF() {
    let cycles = SuppressionFile.parse("# reviewed\r\nA -> B\r\ndb:* cache:*\r\n")
    #expect(cycles.map { $0.map(\.pattern) } == [["A", "B"], ["db:*", "cache:*"]])
  }
}
