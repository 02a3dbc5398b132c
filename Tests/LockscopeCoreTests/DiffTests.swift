import Foundation
import Testing

@testable import LockscopeCore

/// `lockscope diff` (issue 17 §3). The serialized-workers / fine-grained numbers come from
/// the two JSON reports (`lockscope report --format json fixtures/X.jsonl`): serialized
/// spans 10:00:00–10:00:40 with 20 acquisitions, wait p95 18 s, utilization 1, caused wait
/// 180 s, contention 0.9, findings hot-lock and long-hold on llm:global; fine-grained spans
/// 10:00:02–10:00:04.1 (2.1 s) with 20 acquisitions, wait p95 90 ms, utilization 0.095238
/// (0.2 s held of 2.1 s), caused wait 0.9 s, contention 0.9, no findings.
@Suite("diff: before and after")
struct DiffTests {
  private let before = "fixtures/serialized-workers.jsonl"
  private let after = "fixtures/fine-grained.jsonl"

  private func reports() throws -> ReportDiff {
    let options = AnalysisOptions()
    let a = try LogAnalysis.run(paths: [fixture("serialized-workers.jsonl")], options: options) { _ in }
    let b = try LogAnalysis.run(paths: [fixture("fine-grained.jsonl")], options: options) { _ in }
    return ReportDiff(before: a, after: b)
  }

  private func change(_ diff: ReportDiff, _ name: String) throws -> ReportDiff.Change {
    diff.overallChange(try #require(DiffStatistic.named(name)))
  }

  @Test("makespan and throughput of each side: 40 s and 0.5/s before, 2.1 s and 9.52/s after")
  func runs() throws {
    let diff = try reports()
    #expect(diff.before.makespan == 40 * second && diff.after.makespan == 2_100 * millisecond)
    #expect(diff.before.throughput == 20.0 / 40)
    #expect(abs(diff.after.throughput - 20.0 / 2.1) < 1e-9)
    let makespan = try #require(diff.makespan.relative)
    let throughput = try #require(diff.throughput.relative)
    let expectedThroughput = (20.0 / 2.1) / 0.5 - 1
    #expect(abs(makespan - (2.1 - 40) / 40) < 1e-12)
    #expect(abs(throughput - expectedThroughput) < 1e-9)
    #expect(diff.makespan.verdict == .improved && diff.throughput.verdict == .improved)
  }

  @Test("overall statistics before and after, with their relative change")
  func overall() throws {
    let diff = try reports()
    let wait = try change(diff, "wait.p95")
    #expect((wait.before, wait.after) == (Double(18 * second), Double(90 * millisecond)))
    let waitRelative = try #require(wait.relative)
    #expect(abs(waitRelative + 0.995) < 1e-12)
    let utilization = try change(diff, "utilization")
    let utilizationAfter = try #require(utilization.after)
    #expect(utilization.before == 1 && abs(utilizationAfter - 0.2 / 2.1) < 1e-12)
    let caused = try change(diff, "caused_wait")
    #expect((caused.before, caused.after) == (Double(180 * second), Double(900 * millisecond)))
    let contention = try change(diff, "contention.rate")
    #expect(contention.verdict == .unchanged && contention.relative == 0)
    #expect(try change(diff, "attempts").verdict == .unchanged)
  }

  @Test("findings that disappeared and findings that are new; locks on one side only")
  func findingsAndLocks() throws {
    let diff = try reports()
    #expect(diff.gone.map(\.kind.rawValue).sorted() == ["hot-lock", "long-hold"])
    #expect(diff.new.isEmpty)
    #expect(diff.locks.filter { !$0.inAfter }.compactMap(\.name) == ["llm:global"])
    #expect(diff.locks.filter { !$0.inBefore }.compactMap(\.name) == ["results:global"])
  }

  @Test("a lock on both sides has its changes ranked, largest first, locks before agents on a tie")
  func rankedChanges() throws {
    // Before: w2 waits 2 s for db; after: 1 s. cache: w3 waits 100 ms before, 90 ms after.
    let beforeLog = [
      line(0, "acquire", "w1", "db"), line(0, "request", "w2", "db"), line(2, "release", "w1", "db"),
      line(2, "acquire", "w2", "db"), line(3, "release", "w2", "db"),
      line(3, "acquire", "w1", "cache"), line(3, "request", "w3", "cache"), line(3.1, "release", "w1", "cache"),
      line(3.1, "acquire", "w3", "cache"), line(3.2, "release", "w3", "cache"),
    ].joined(separator: "\n")
    let afterLog = [
      line(0, "acquire", "w1", "db"), line(0, "request", "w2", "db"), line(1, "release", "w1", "db"),
      line(1, "acquire", "w2", "db"), line(2, "release", "w2", "db"),
      line(2, "acquire", "w1", "cache"), line(2, "request", "w3", "cache"), line(2.09, "release", "w1", "cache"),
      line(2.09, "acquire", "w3", "cache"), line(2.2, "release", "w3", "cache"),
    ].joined(separator: "\n")
    let diff = ReportDiff(before: try analyze(beforeLog), after: try analyze(afterLog))
    let db = try #require(diff.locks.first { $0.name == "db" })
    let wait = try #require(db.changes.first { $0.statistic.name == "wait.p95" })
    #expect((wait.before, wait.after, wait.relative) == (Double(2 * second), Double(second), -0.5))
    let cache = try #require(diff.locks.first { $0.name == "cache" })
    let cacheWait = try #require(cache.changes.first { $0.statistic.name == "wait.p95" })
    let cacheRelative = try #require(cacheWait.relative)
    #expect(cacheWait.verdict == .improved && abs(cacheRelative + 0.1) < 1e-9)
    // db's waits halved (−50%) rank above cache's (−10%); db's and w2's −50% tie: the lock
    // first. (Larger changes rank higher still: w3 held cache 0.11 s of a 2.2 s span, +60%.)
    let ranked = diff.ranked
    let first = try #require(ranked.first)
    #expect(first.change.magnitude == ranked.map(\.change.magnitude).max())
    let w2Index = try #require(ranked.firstIndex { $0.subject.name == "w2" && $0.change.statistic.name == "wait.p95" })
    let cacheIndex = try #require(ranked.firstIndex { $0.subject.name == "cache" && $0.change.statistic.name == "wait.p95" })
    let dbIndex = try #require(ranked.firstIndex { $0.subject.name == "db" && $0.change.statistic.name == "wait.p95" })
    #expect(dbIndex < cacheIndex)
    #expect(dbIndex < w2Index)
  }

  @Test("--fail-on-regression exits 1 when the statistic got worse by more than PCT, 0 when it improved")
  func failOnRegression() {
    let better = runCLI(["diff", "--fail-on-regression", "10", before, after])
    #expect(better.status == 0)
    #expect(better.out.contains("ok: wait.p95 -99.5% overall"))
    let worse = runCLI(["diff", "--fail-on-regression", "10", after, before])
    #expect(worse.status == 1)
    #expect(worse.out.contains("REGRESSION: wait.p95 +19900.0% overall"))
    // Makespan got shorter: no regression of it either way round from serialized to fine.
    #expect(runCLI(["diff", "--fail-on-regression", "5", "--stat", "makespan", before, after]).status == 0)
    #expect(runCLI(["diff", "--fail-on-regression", "5", "--stat", "throughput", after, before]).status == 1)
    // Contention is the same on both sides: not worse by any amount.
    #expect(runCLI(["diff", "--fail-on-regression", "0", "--stat", "contention.rate", after, before]).status == 0)
  }

  @Test("two sets of files separated by --")
  func fileSets() {
    let result = runCLI(["diff", "--format", "json", before, "--", after, "fixtures/serialized-workers.jsonl"])
    #expect(result.status == 0)
    let object = (try? JSONSerialization.jsonObject(with: Data(result.out.utf8))) as? [String: Any]
    let afterSide = object?["after"] as? [String: Any]
    #expect((afterSide?["inputs"] as? [String])?.count == 2)
    #expect(afterSide?["acquisitions"] as? Int == 40)
  }

  @Test("JSON: each statistic's before, after and change; durations in _ns")
  func json() throws {
    let result = runCLI(["diff", "--format", "json", "--fail-on-regression", "10", before, after])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let overall = try #require(object["overall"] as? [String: Any])
    let wait = try #require(overall["wait_p95_ns"] as? [String: Any])
    #expect(wait["before"] as? Int == 18_000_000_000 && wait["after"] as? Int == 90_000_000)
    #expect(abs((wait["change"] as? Double ?? 0) + 0.995) < 1e-9)
    let makespan = try #require(overall["makespan_ns"] as? [String: Any])
    #expect(makespan["before"] as? Int == 40_000_000_000 && makespan["after"] as? Int == 2_100_000_000)
    let findings = try #require(object["findings"] as? [String: Any])
    #expect((findings["gone"] as? [[String: Any]])?.count == 2)
    let regression = try #require(object["regression"] as? [String: Any])
    #expect(regression["failed"] as? Bool == false && regression["stat"] as? String == "wait.p95")
    let locks = try #require(object["locks"] as? [[String: Any]])
    #expect(locks.first?["lock"] as? String == "llm:global" && locks.first?["in"] as? String == "before")
  }

  @Test("usage mistakes exit 2 with one line: one file, a bad percentage, an unknown statistic")
  func mistakes() {
    let one = runCLI(["diff", before])
    #expect(one.status == 2 && one.err.hasPrefix("Error: diff takes two logs"))
    let percent = runCLI(["diff", "--fail-on-regression", "lots", before, after])
    #expect(percent.status == 2 && percent.err.contains("--fail-on-regression takes a percentage"))
    let stat = runCLI(["diff", "--stat", "speed", before, after])
    #expect(stat.status == 2 && stat.err.contains("Unknown --stat 'speed'"))
    let missing = runCLI(["diff", before, "no-such-file.jsonl"])
    #expect(missing.status == 2)
  }

  @Test("text on a terminal colours improvements green and regressions red")
  func colours() {
    let result = runCLI(["diff", "--color", "always", before, after])
    #expect(result.out.contains("\u{1B}[32m-99.5%"))
    let reversed = runCLI(["diff", "--color", "always", after, before])
    #expect(reversed.out.contains("\u{1B}[31m+19900.0%"))
  }

  @Test("the text and markdown diffs of serialized-workers and fine-grained match their golden files")
  func golden() throws {
    try checkGolden(runCLI(["diff", "--color", "never", before, after]).out, "diff-serialized-fine.txt")
    try checkGolden(runCLI(["diff", "--format", "markdown", before, after]).out, "diff-serialized-fine.md")
  }

  @Test("under --family the families are compared too; a log against itself changes nothing")
  func familiesAndNoChange() throws {
    let log = "fixtures/families/per-key.jsonl"
    let result = runCLI(["diff", "--format", "json", "--family", "auto", "--fail-on-regression", "0", log, log])
    #expect(result.status == 0)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let families = try #require(object["families"] as? [[String: Any]])
    #expect(families.count == 1 && families.first?["family"] as? String == "job:*" && families.first?["in"] as? String == "both")
    let utilization = try #require(families.first?["utilization"] as? [String: Any])
    #expect(utilization["before"] as? Double == 0.8 && utilization["change"] as? Double == 0)
    let text = runCLI(["diff", "--color", "never", log, log]).out
    #expect(text.contains("CHANGES none in any lock, family or agent"))
    #expect(text.contains("FINDINGS gone (0)") && text.contains("FINDINGS new (0)"))
  }
}
