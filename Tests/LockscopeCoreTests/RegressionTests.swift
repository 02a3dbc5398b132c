import Foundation
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
    let inversions = report.findings.filter { $0.kind == .lockOrderInversion }
    #expect(inversions.count == 1)
    #expect(Set(inversions.first?.locks ?? []) == ["A", "B", "C", "D"])
  }

  @Test("a suppression file with CRLF line ends is read line by line (\"\\r\\n\" is one Character)")
  func suppressionFileWithCRLF() {
    let cycles = SuppressionFile.parse("# reviewed\r\nA -> B\r\ndb:* cache:*\r\n")
    #expect(cycles.map { $0.map(\.pattern) } == [["A", "B"], ["db:*", "cache:*"]])
  }

  @Test("the anomalies section lists the anomalies even when ten other findings rank before them")
  func anomaliesShownBehindOtherFindings() {
    // Eleven locks each held 2 s (eleven long-hold findings), then one release by a non-holder.
    var lines: [String] = []
    for k in 0..<11 {
      lines.append(line(Double(3 * k), "acquire", "a", "L\(k)"))
      lines.append(line(Double(3 * k) + 2, "release", "a", "L\(k)"))
    }
    lines.append(line(40, "release", "b", "L0"))
    let out = runCLI(["report", temporaryFile(lines.joined(separator: "\n"))]).out
    #expect(out.contains("ANOMALIES 1 event did not fit the lock state"))
    #expect(out.contains("log.jsonl:23: "))
  }

  @Test("--no-findings says the findings were not looked for, in text and JSON")
  func noFindingsSaysSo() throws {
    let log = fixture("serialized-workers.jsonl")
    #expect(runCLI(["report", "--no-findings", log]).out.contains("FINDINGS not looked for (--no-findings)"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(runCLI(["report", "--no-findings", "--format", "json", log]).out.utf8)) as? [String: Any])
    #expect((json["summary"] as? [String: Any])?["findings_analyzed"] as? Bool == false)
  }

  @Test("forgetting a bad line's names keeps every earlier name findable, through a rehash")
  func nameTableTruncateKeepsEarlierNames() {
    let table = NameTable()
    let kept = (0..<300).map { "agent-\($0)" }
    for name in kept { _ = table.intern(name) }
    // A "bad line" adds names past a rehash of the slots (the table doubles at half load).
    for k in 0..<700 { _ = table.intern("ghost-\(k)") }
    table.truncate(to: kept.count)
    #expect(table.count == kept.count)
    for (id, name) in kept.enumerated() { #expect(table.lookup(name) == Int32(id)) }
    #expect(table.lookup("ghost-0") == nil && table.lookup("ghost-699") == nil)
    // A new name takes the next id, and its bytes are its own.
    #expect(table.intern("fresh") == Int32(kept.count))
    #expect(table.name(Int32(kept.count)) == "fresh")
  }

  // Found by Scripts/oracle.py (see fixtures/edge/README.md).

  @Test("a late release does not use up the lease-ran-out mark: a second late event is late too")
  func lapsedMarkStays() throws {
    let report = try LogAnalysis.run(paths: [fixture("edge/B1-release-then-expire.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.anomalyCounts.map(\.kind.rawValue) == ["release-after-lease-expired"])
    let twice = try LogAnalysis.run(paths: [fixture("edge/B1b-release-twice.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(twice.anomalyCounts.first { $0.kind.rawValue == "release-after-lease-expired" }?.count == 2)
  }

  @Test("an agent holding one lock throughout has utilization 1, whatever order its holds end in")
  func agentUtilizationWithLateLapse() throws {
    let report = try LogAnalysis.run(paths: [fixture("edge/B3-agent-util.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.agent("b")?.utilization == 1.0)
  }

  @Test("a reader asking again for its shared lock, or a second semaphore slot with one free, charges nobody")
  func noSelfChargeWithoutSelfDeadlock() throws {
    for name in ["edge/B4-self-charge-shared.jsonl", "edge/B4b-self-charge-sem.jsonl"] {
      let report = try LogAnalysis.run(paths: [fixture(name)], options: AnalysisOptions()) { _ in }
      #expect(report.overall.causedWaitNanos == 0, "\(name)")
      #expect(report.agent("c")?.causedWaitNanos == Int128(0), "\(name)")
    }
  }

  @Test("with --lock, the span is that of the analysed events")
  func lockFilterSpan() throws {
    var options = AnalysisOptions()
    options.lockGlobs = [Glob("L")]
    let report = try LogAnalysis.run(paths: [fixture("edge/B5-lock-filter-span.jsonl")], options: options) { _ in }
    #expect(report.lock("L")?.utilization == 1.0)
    #expect(report.summary.lastTime.map { $0 - report.summary.firstTime! } == second)
  }

  @Test("--agent leaves overall utilization whole: every lock counts")
  func agentFilterKeepsOverallUtilization() throws {
    let log = [
      line(0, "acquire", "a", "X"), line(1, "request", "b", "L"), line(3, "acquire", "b", "L"), line(4, "release", "b", "L"),
      line(4, "release", "a", "X"),
    ].joined(separator: "\n")
    let all = try analyze(log)
    let filtered = try analyze(log) { $0.agentGlobs = [Glob("a")] }
    #expect(all.overall.utilization == 0.625)  // X held 4 of 4 s, L 1 of 4 s
    #expect(filtered.overall.utilization == all.overall.utilization)
  }

  // Found by the fuzzer (Scripts/fuzz.sh).

  @Test("a log whose holds sum past Int64.max no longer traps; times outside 1900–2099 are skipped with a reason")
  func centurySpanOverflow() throws {
    // The fuzzer's input, minimized: waits and holds of ~100 years each, summed in one row.
    let log = """
      {"ts":"2026-11-22T10:00:00.000Z","event":"request","agent":"worker-08","lock":"llm:global"}
      {"ts":"2026-11-22T10:00:06.000Z","event":"acquire","agent":"worker-02","lock":"llm:global"}
      {"ts":"2026-11-22T10:00:14.000Z","event":"acquire","agent":"worker-07","lock":"llm:global"}
      {"ts":"2126-11-22T10:00:16.000Z","event":"release","agent":"worker-07","lock":"llm:global"}
      {"ts":"2099-11-22T10:00:16.000Z","event":"release","agent":"worker-07","lock":"llm:global"}
      {"ts":"1900-01-01T00:00:00Z","event":"acquire","agent":"old","lock":"museum"}
      """
    var warnings: [String] = []
    let report = try LogAnalysis.run(paths: [temporaryFile(log)], options: AnalysisOptions()) { warnings.append($0) }
    #expect(report.summary.skippedLines == 1)
    #expect(warnings.first?.hasSuffix(":4: timestamp 2126-11-22T10:00:16.000000000Z is outside the supported years 1900 to 2099 (column 7)") == true)
    // Three agents hold or wait ~73 years each: the overall totals saturate instead of trapping.
    #expect(report.overall.waitTotalNanos > 0 && report.overall.holdTotalNanos > 0)
    #expect(report.overall.waitShare > 0 && report.overall.waitShare < 1)
  }

  @Test("wait caused past Int64.max (ten waiters blocked for forty years) is reported, not trapped on or saturated")
  func causedWaitOverflow() throws {
    // The fuzzer's input (crash-dcda9861…), reduced: one holder, ten waiters, a release 40
    // years on. Caused wait is waiters × time, 1.26e19 ns: past Int64.max (9.22e18).
    var lines = [#"{"ts":"2026-11-22T10:00:00Z","event":"acquire","agent":"holder","lock":"L"}"#]
    for i in 0..<10 { lines.append(#"{"ts":"2026-11-22T10:00:01Z","event":"request","agent":"w\#(i)","lock":"L"}"#) }
    lines.append(#"{"ts":"2066-11-22T10:00:00Z","event":"crash","agent":"holder"}"#)
    let report = try analyze(lines.joined(separator: "\n"))
    // 10 × (14,610 days − 1 s), to a double's precision (the integral is a Double).
    let caused = Double(try #require(report.agent("holder")?.causedWaitNanos))
    #expect(abs(caused - 1.262303999e19) / 1.262303999e19 < 1e-12, "\(caused)")
    let orphan = try #require(report.findings.first { $0.kind == .orphan })
    #expect(orphan.message.contains("Others waited"), "\(orphan.message)")
    #expect(Int64(saturating: 1e30) == .max && Int64(saturating: -1e30) == .min && Int64(saturating: 41.6) == 42)
  }

  @Test("locks held for a century each no longer overflow the overall held time (fuzzer crash-2b84aed6…)")
  func heldTimeAcrossLocksOverflow() throws {
    // Three locks held 140 years each: 3 × 4.4e18 ns is past Int64.max. The overall held
    // time saturates (utilization then reads low, 0.69 here, rather than trapping).
    let log = ["A", "B", "C"].map { #"{"ts":"1950-01-01T00:00:00Z","event":"acquire","agent":"a\#($0)","lock":"\#($0)"}"# }
      + ["A", "B", "C"].map { #"{"ts":"2090-01-01T00:00:00Z","event":"release","agent":"a\#($0)","lock":"\#($0)"}"# }
    let report = try analyze(log.joined(separator: "\n"))
    #expect(report.locks.map(\.utilization) == [1, 1, 1])
    #expect(report.overall.utilization > 0.6 && report.overall.utilization <= 1)
  }

  @Test("saturating sums stop at the bounds")
  func saturatingSums() {
    #expect(Int64.max.addingSaturating(1) == .max)
    #expect(Int64.min.addingSaturating(-1) == .min)
    #expect(Int64(40).addingSaturating(2) == 42)
  }

  @Test("a queue of 20,000 waiters is served in order with every wait right (the queue no longer shifts on each grant)")
  func longQueue() throws {
    let n = 20_000
    var lines = [#"{"ts":1795341600000000,"event":"acquire","agent":"holder","lock":"L"}"#]
    for i in 0..<n { lines.append(#"{"ts":\#(1_795_341_600_000_001 + i),"event":"request","agent":"w\#(i)","lock":"L"}"#) }
    let t = 1_795_341_600_000_001 + n
    lines.append(#"{"ts":\#(t),"event":"release","agent":"holder","lock":"L"}"#)
    for i in 0..<n {
      lines.append(#"{"ts":\#(t + i),"event":"acquire","agent":"w\#(i)","lock":"L"}"#)
      lines.append(#"{"ts":\#(t + i + 1),"event":"release","agent":"w\#(i)","lock":"L"}"#)
    }
    let report = try analyze(lines.joined(separator: "\n"))
    let lock = try #require(report.lock("L"))
    // w_i requests at 1 + i µs and acquires at (n + 1) + i µs: every wait is exactly n µs.
    #expect(lock.wait.count == n + 1)
    #expect(lock.wait.max == Int64(n) * 1_000 && lock.wait.p50 == Int64(n) * 1_000)
    #expect(lock.queueMax == n)
    #expect(report.anomalyCounts.isEmpty)
  }
}
