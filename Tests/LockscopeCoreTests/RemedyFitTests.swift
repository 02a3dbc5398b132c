import Foundation
import Testing

@testable import LockscopeCore

/// Findings whose numbers and advice follow from what the log shows (issue: the right
/// diagnosis, point 4).
@Suite("Remedies that fit the cause")
struct RemedyFitTests {
  @Test("a lock busy because a hold was leaked is told to release on every path, never to shard or cap its holds")
  func leakedLockRemedy() throws {
    // fixtures/findings/orphan-leaked.jsonl: worker-1 holds L from 0.2 s to the end (5.5 s),
    // two others time out behind it: L is held 98% of its life with others queued.
    let report = try LogAnalysis.run(paths: [fixture("findings/orphan-leaked.jsonl")], options: AnalysisOptions()) { _ in }
    let hot = try #require(report.findings.first { $0.kind == .hotLock && $0.locks == ["L"] })
    #expect(hot.detail("cause") == .string("orphan"))
    #expect(hot.remedy.contains("never released") && hot.remedy.contains("finally"))
    #expect(!hot.remedy.contains("per-key") && !hot.remedy.contains("Capping"))
  }

  @Test("a lock that is one of many per-key locks is never told to use per-key locks")
  func perKeyLockRemedy() throws {
    // job:1001 is taken in turn by four agents, 50 ms each, always queued; job:1002 and
    // job:1003 are taken once each: three locks of the pattern job:*.
    var lines: [String] = []
    for k in 0..<4 { lines.append(line(0, "request", "w\(k)", "job:1001")) }
    for k in 0..<4 {
      lines.append(line(Double(k) * 0.05, "acquire", "w\(k)", "job:1001"))
      lines.append(line(Double(k + 1) * 0.05, "release", "w\(k)", "job:1001"))
    }
    lines += [line(0.2, "acquire", "x", "job:1002"), line(0.2, "release", "x", "job:1002")]
    lines += [line(0.2, "acquire", "y", "job:1003"), line(0.2, "release", "y", "job:1003")]
    let report = try analyze(lines.joined(separator: "\n"))
    let hot = try #require(report.findings.first { $0.kind == .hotLock })
    #expect(hot.locks == ["job:1001"])
    #expect(!hot.remedy.contains("per-key locks (sharding)") && hot.remedy.contains("already one of many per-key locks"))
    #expect(PerKeyNames.pattern("user:7f3e9a2c-1b4d-4c1e-9a2b-3c4d5e6f7a8b") == "user:*")
    #expect(PerKeyNames.pattern("job-1042") == "job-*" && PerKeyNames.pattern("cache") == "cache")
  }

  @Test("long holds by agents caught in a deadlock point at the deadlock, not at the critical section")
  func longHoldsInDeadlock() throws {
    // a holds X from 0 to 6 s, b holds Y from 0 to 5.5 s; each asks for the other's lock at
    // 1 s: a deadlock until b times out at 5 s.
    let report = try analyze(
      [
        line(0, "acquire", "a", "X"), line(0, "acquire", "b", "Y"), line(1, "request", "a", "Y"), line(1, "request", "b", "X"),
        line(5, "timeout", "b", "X"), line(5.5, "release", "b", "Y"), line(5.5, "acquire", "a", "Y"),
        line(6, "release", "a", "Y"), line(6, "release", "a", "X"),
      ].joined(separator: "\n"))
    #expect(report.findings.contains { $0.kind == .deadlock })
    let longHolds = report.findings.filter { $0.kind == .longHold }
    #expect(longHolds.count == 2)
    for finding in longHolds { #expect(finding.remedy.contains("deadlocked"), "\(finding.remedy)") }
  }

  @Test("a lock busy 100% of its own active span in a longer log is hot, and the finding says over what")
  func hotOverActiveSpan() throws {
    // H: five agents take it in turn, 1 s each, from 0 to 5 s, all queued from the start;
    // then an unrelated lock U is used until 100 s. H is busy 5% of the log, 100% of its life.
    var lines: [String] = []
    for k in 0..<5 { lines.append(line(0, "request", "w\(k)", "H")) }
    for k in 0..<5 {
      lines.append(line(Double(k), "acquire", "w\(k)", "H"))
      lines.append(line(Double(k + 1), "release", "w\(k)", "H"))
    }
    lines += [line(99, "acquire", "u", "U"), line(99.5, "release", "u", "U")]
    let report = try analyze(lines.joined(separator: "\n"))
    let hot = try #require(report.findings.first { $0.kind == .hotLock })
    #expect(hot.locks == ["H"] && hot.detail("active_span_ns") == .int(5 * second))
    #expect(hot.message.contains("held 100.0% of its active span (5.00s"))
    // The table's utilization is over the whole log; the finding names its own figure.
    #expect(report.lock("H").map { TextReportRenderer.percent($0.utilization) } == "5.0%")
  }

  @Test("a count agrees in number: one skipped line is '1 line'")
  func singularLine() {
    let path = temporaryFile([line(0, "acquire", "a", "L"), "not json", line(1, "release", "a", "L")].joined(separator: "\n"))
    let out = runCLI(["report", path]).out
    #expect(out.contains("(1 line skipped)") && out.contains("SKIPPED LINES 1 line could not be read"), "\(out)")
  }
}
