import Foundation
import Testing

@testable import LockscopeCore

/// Lock families (`--family`, SPEC §2): fixtures/families/per-key.jsonl, worked out by hand
/// in fixtures/README.md.
@Suite("Lock families")
struct FamilyTests {
  private func perKey(_ configure: (inout LockFamilies) -> Void) throws -> Report {
    var options = AnalysisOptions()
    configure(&options.families)
    return try LogAnalysis.run(paths: [fixture("families/per-key.jsonl")], options: options) { _ in }
  }

  @Test("a family row sums its locks' counts and merges their samples (per-key.jsonl by hand)")
  func familyRow() throws {
    let report = try perKey { $0.globs = [Glob("job:*")] }
    #expect(report.families.count == 1)
    let family = try #require(report.families.first)
    #expect(family.name == "job:*")
    #expect(family.lockCount == 3)
    #expect((family.attempts, family.acquisitions, family.timeouts) == (5, 5, 0))
    #expect(family.contentionRate == 2.0 / 5)
    // Waits 0, 1 s, 0, 3.5 s, 0 (a bare acquire): p50 the 3rd = 0, p95 the 5th = 3.5 s.
    #expect((family.wait.count, family.wait.p50, family.wait.p95, family.wait.mean) == (5, 0, 3_500 * millisecond, 900 * millisecond))
    // Holds 2, 1, 4, 1, 2 s: p50 the 3rd of 1, 1, 2, 2, 4 = 2 s.
    #expect((family.hold.p50, family.hold.max, family.hold.mean) == (2 * second, 4 * second, 2 * second))
    #expect(family.blocked.count == 5 && family.blocked.p95 == 3_500 * millisecond)
    #expect(family.waitTotalNanos == Int128(4_500 * millisecond))
    #expect(family.causedWaitNanos == Int128(4_500 * millisecond))
  }

  @Test("a family's utilization is the share of the span when any of its locks was held, its queue all its waiters at once")
  func familyTimeIntegrals() throws {
    let family = try #require(try perKey { $0.globs = [Glob("job:*")] }.families.first)
    // Held [0, 6] and [7, 9] of 10 s: 80%, though its holds sum to 10 s.
    #expect(family.utilization == 0.8)
    // w2 waits [1, 2] on job:1041 and w1 [1.5, 5] on job:1042: two at once, though each lock's
    // queue never passes one; 4.5 waiter-seconds over 10 s.
    #expect(family.queueMax == 2)
    #expect(family.queueMean == 4.5 / 10)
  }

  @Test("a family's fairness is Jain's index over its agents' mean blocked time on its locks")
  func familyFairness() throws {
    let family = try #require(try perKey { $0.globs = [Glob("job:*")] }.families.first)
    // w1: (0 + 3.5) / 2, w2: (1 + 0) / 2, w3: 0.
    let x = [1.75, 0.5, 0.0]
    let jain = pow(x.reduce(0, +), 2) / (3 * x.map { $0 * $0 }.reduce(0, +))
    #expect(abs(try #require(family.fairness) - jain) < 1e-9)
  }

  @Test("--family auto finds job:* from the numbers of 4 digits and leaves ledger alone")
  func autoFamilies() throws {
    let auto = try perKey { $0.auto = true }
    let glob = try perKey { $0.globs = [Glob("job:*")] }
    #expect(auto.families.map(\.name) == ["job:*"])
    #expect(auto.families == glob.families)
    #expect(auto.lock("ledger")?.family == nil)
    #expect(auto.lock("job:1042")?.family == "job:*")
  }

  @Test("auto patterns: UUIDs, hexadecimal runs of 8 with a digit, decimal runs of 4; short numbers stay")
  func autoPatterns() {
    let families = LockFamilies(auto: true)
    func family(_ name: String) -> String? { families.family(of: Array(name.utf8)[...]) }
    #expect(family("user:7f3e9a01-0b2c-4d5e-8f90-a1b2c3d4e5f6") == "user:*")
    #expect(family("user:a01c77de") == "user:*")
    #expect(family("order/123") == nil)
    #expect(family("order/12345/line/7") == "order/*/line/7")
    #expect(family("cache12345") == "cache*")
    #expect(family("deadbeefcafe") == nil)  // no digit: a word, not a key
    #expect(family("cafe-1234-x") == "cafe-*-x")  // dashes join only a UUID's groups
    #expect(family("k/0b2c4d5e-8f90-4d5e-8f90-a1b2c3d4e5f6/v") == "k/*/v")
    #expect(family("ledger") == nil)
  }

  @Test("a lock in several families' globs belongs to the first")
  func firstGlobWins() throws {
    let report = try perKey { $0.globs = [Glob("job:1041"), Glob("job:*")] }
    #expect(report.families.compactMap(\.name).sorted() == ["job:*", "job:1041"])
    #expect(report.families.first { $0.name == "job:*" }?.lockCount == 2)
    #expect(report.lock("job:1041")?.family == "job:1041")
  }

  @Test("with --family auto a thousand per-key locks make one family row")
  func manyKeysOneRow() throws {
    var log = ""
    for key in 0..<1000 {
      log += line(Double(key) * 0.01, "acquire", "w\(key % 7)", "user:\(10_000 + key)") + "\n"
      log += line(Double(key) * 0.01 + 0.005, "release", "w\(key % 7)", "user:\(10_000 + key)") + "\n"
    }
    let report = try analyze(log) { $0.families.auto = true }
    #expect(report.families.count == 1)
    #expect(report.families.first?.lockCount == 1000)
    #expect(report.families.first?.acquisitions == 1000)
    #expect(report.families.first?.hold.p50 == 5 * millisecond)
  }

  @Test("the JSON report has a families array under --family, and each lock names its family")
  func json() throws {
    let out = runCLI(["--format", "json", "--family", "auto", "fixtures/families/per-key.jsonl"]).out
    let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    let families = try #require(object["families"] as? [[String: Any]])
    #expect(families.first?["family"] as? String == "job:*")
    #expect(families.first?["locks"] as? Int == 3)
    #expect(families.first?["queue_max"] as? Int == 2)
    let locks = try #require(object["locks"] as? [[String: Any]])
    #expect(locks.first { $0["lock"] as? String == "ledger" }?["family"] is NSNull)
    let plain = runCLI(["--format", "json", "fixtures/families/per-key.jsonl"]).out
    #expect(!plain.contains("\"families\""))
  }

  @Test("Prometheus: one series set per family instead of one per lock of it")
  func prometheus() throws {
    let out = runCLI(["--format", "prometheus", "--family", "job:*", "fixtures/families/per-key.jsonl"]).out
    #expect(out.contains(#"lockscope_family_acquisitions_total{family="job:*"} 5"#))
    #expect(out.contains(#"lockscope_lock_acquisitions_total{lock="ledger"} 1"#))
    #expect(!out.contains(#"lock="job:1041""#))
  }

  @Test("SLO scope family:GLOB measures the family row; findings of its locks count for it")
  func sloScope() throws {
    let pass = runCLI(["check", "--family", "job:*", "--rule", "family:job:* utilization < 85%", "--rule", "family:job:* long_holds == 3", "fixtures/families/per-key.jsonl"])
    #expect(pass.status == 0, "\(pass.out)\(pass.err)")
    let fail = runCLI(["check", "--family", "job:*", "--rule", "family:job:* queue.max < 2", "fixtures/families/per-key.jsonl"])
    #expect(fail.status == 1)
    #expect(fail.out.contains("FAIL    family:job:* queue.max < 2  job:*"))
  }

  @Test("a family scope that matches no family is a diagnostic naming the families")
  func sloNoFamily() {
    let result = runCLI(["check", "--family", "job:*", "--rule", "family:user:* wait.p99 < 1s", "fixtures/families/per-key.jsonl"])
    #expect(result.status == 2)
    #expect(result.err.contains("no family in the log matches 'user:*'"))
  }

  @Test("--family with a broken glob exits 2 with one line")
  func badGlob() {
    let result = runCLI(["--family", "job:[", "fixtures/families/per-key.jsonl"])
    #expect(result.status == 2)
    #expect(result.err.contains("--family takes a glob"))
  }

  @Test("the text and markdown reports with a FAMILIES table match their golden files")
  func golden() throws {
    let arguments = ["--family", "auto", "--color", "never", "fixtures/families/per-key.jsonl"]
    try checkGolden(runCLI(arguments).out, "report-families.txt")
    try checkGolden(runCLI(arguments + ["--format", "markdown"]).out, "report-families.md")
  }

  @Test("a hot lock of a family is not told to use per-key locks; the same lock with no family is")
  func hotLockRemedy() throws {
    // Three agents take turns on one lock for 12 s, FIFO, each asking again as it lets
    // go: two always queued, the lock never free — a hot lock.
    var log = ""
    for agent in 0..<3 { log += line(0, "request", "w\(agent)", "tenant:alpha") + "\n" }
    for turn in 0..<12 {
      let agent = "w\(turn % 3)"
      log += line(Double(turn), "acquire", agent, "tenant:alpha") + "\n"
      log += line(Double(turn + 1), "release", agent, "tenant:alpha") + "\n"
      if turn < 9 { log += line(Double(turn + 1), "request", agent, "tenant:alpha") + "\n" }
    }
    let plain = try analyze(log)
    let hot = try #require(plain.findings.first { $0.kind.rawValue == "hot-lock" })
    #expect(hot.remedy.contains("per-key"))
    let family = try analyze(log) { $0.families.globs = [Glob("tenant:*")] }
    let fitted = try #require(family.findings.first { $0.kind.rawValue == "hot-lock" })
    #expect(!fitted.remedy.contains("per-key locks (sharding)") && !fitted.remedy.contains("use per-key locks"))
    #expect(fitted.locks == ["tenant:alpha"])
  }

  @Test("a family's held time is the union of its holds, even when a lapsed lease is noticed after a later hold ended")
  func unionWithLateLapse() throws {
    // job:1001 is held from @0 on a 2 s lease that lapses at @2, noticed only at @5; job:1002
    // is held [3, 4]. Held: [0, 2] and [3, 4] = 3 s of 5.
    let log = [
      line(0, "acquire", "w1", "job:1001", extra: #","lease_ms":2000"#), line(3, "acquire", "w2", "job:1002"),
      line(4, "release", "w2", "job:1002"), line(5, "release", "w1", "job:1001"),
    ].joined(separator: "\n")
    let report = try analyze(log) { $0.families.auto = true }
    #expect(report.families.first?.utilization == 3.0 / 5)
  }
}
