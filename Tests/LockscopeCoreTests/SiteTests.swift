import Foundation
import Testing

@testable import LockscopeCore

/// Where in the code (`site`, SPEC §2): fixtures/sites/ledger.jsonl, worked out by hand in
/// fixtures/README.md.
@Suite("Sites: where in the code")
struct SiteTests {
  private let ledger = "fixtures/sites/ledger.jsonl"

  private func report() throws -> Report {
    try LogAnalysis.run(paths: [fixture("sites/ledger.jsonl")], options: AnalysisOptions()) { _ in }
  }

  private func site(_ report: Report, _ name: String) throws -> MetricsRow {
    try #require(report.sites.first { $0.name == name }, "no site \(name)")
  }

  @Test("WAITED AT: the attempts requested at a site, their waits, blocked times and timeouts")
  func waitedAt() throws {
    let report = try report()
    #expect(report.sites.map(\.name) == ["worker.py:88 settle", "worker.py:41 process_item"])  // by total wait
    let settle = try site(report, "worker.py:88 settle")
    // w2 @1 → @3, w3 @2 → @4 granted; w2 @7 timed out @10.5.
    #expect((settle.attempts, settle.acquisitions, settle.timeouts) == (3, 2, 1))
    #expect((settle.wait.count, settle.wait.p95, settle.wait.max) == (2, 2 * second, 2 * second))
    #expect((settle.blocked.count, settle.blocked.p95, settle.blocked.max) == (3, 3_500 * millisecond, 3_500 * millisecond))
    #expect(settle.waitTotalNanos == Int128(7_500 * millisecond))
    #expect(settle.contentionRate == 1)
    let process = try site(report, "worker.py:41 process_item")
    #expect((process.attempts, process.wait.max, process.waitTotalNanos) == (2, 0, 0))
  }

  @Test("BLOCKED OTHERS FROM: the holds taken at a site and the wait they caused; a hold takes its request's site")
  func blockedOthersFrom() throws {
    let report = try report()
    let process = try site(report, "worker.py:41 process_item")
    // w1 [0, 3] kept w2 2 s and w3 1 s; w1 [6, end] kept w2 3.5 s.
    #expect(process.causedWaitNanos == Int128(6_500 * millisecond))
    #expect((process.hold.count, process.hold.unfinished, process.hold.p95) == (1, 1, 3 * second))
    #expect(process.unfinishedHoldMaxNanos == 4_500 * millisecond)
    // w2's and w3's acquires have no site: their holds are the requests' (settle); w2 [3, 4] kept w3 1 s.
    let settle = try site(report, "worker.py:88 settle")
    #expect(settle.causedWaitNanos == Int128(second))
    #expect((settle.hold.count, settle.hold.p95) == (2, second))
    #expect(report.sites.reduce(Int128(0)) { $0 + $1.causedWaitNanos } == report.overall.causedWaitNanos)
  }

  @Test("findings name the site of the hold: orphan, long-hold, hot-lock")
  func findingsNameSites() throws {
    let report = try report()
    let orphan = try #require(report.findings.first { $0.kind.rawValue == "orphan" })
    #expect(orphan.message.hasPrefix("'w1' took 'ledger' at worker.py:41 process_item and never released it"))
    #expect(orphan.detail("site") == .string("worker.py:41 process_item"))
    let long = try #require(report.findings.first { $0.kind.rawValue == "long-hold" })
    #expect(long.message.contains("('w1' at worker.py:41 process_item)"))
    let hot = try #require(report.findings.first { $0.kind.rawValue == "hot-lock" })
    #expect(hot.message.hasSuffix("Its longest hold was taken at worker.py:41 process_item."))
  }

  @Test("deadlock and lock-order inversion edges name the sites of their requests and acquires")
  func edgesNameSites() throws {
    let log = [
      line(0, "acquire", "w1", "a", extra: #","site":"x.py:1 f""#), line(1, "acquire", "w1", "b", extra: #","site":"x.py:2 f""#),
      line(2, "release", "w1", "b"), line(2, "release", "w1", "a"),
      line(3, "acquire", "w2", "b", extra: #","site":"y.py:5 g""#), line(4, "acquire", "w2", "a", extra: #","site":"y.py:6 g""#),
      line(5, "release", "w2", "a"), line(5, "release", "w2", "b"),
      line(6, "acquire", "w3", "c"), line(6, "acquire", "w4", "d"),
      line(7, "request", "w3", "d", extra: #","site":"z.py:2 h""#), line(8, "request", "w4", "c", extra: #","site":"z.py:10 k""#),
      line(9, "timeout", "w4", "c"),
    ].joined(separator: "\n")
    let report = try analyze(log)
    let deadlock = try #require(report.findings.first { $0.kind.rawValue == "deadlock" })
    #expect(deadlock.message.contains("'w4' waits for 'c' at z.py:10 k held by 'w3'"))
    #expect(deadlock.message.contains("'w3' waits for 'd' at z.py:2 h held by 'w4'"))
    guard case .array(let edges)? = deadlock.detail("cycle"), case .object(let first)? = edges.first else {
      Issue.record("no cycle")
      return
    }
    #expect(first.contains { $0.0 == "site" && $0.1 == .string("z.py:10 k") })
    let inversion = try #require(report.findings.first { $0.kind.rawValue == "lock-order-inversion" })
    #expect(inversion.message.contains("'w1' took 'b' at x.py:2 f while holding 'a' at x.py:1 f"))
    #expect(inversion.message.contains("'w2' took 'a' at y.py:6 g while holding 'b' at y.py:5 g"))
  }

  @Test("a log without sites has no site rows, no sites key and no site tables")
  func noSites() throws {
    let report = try LogAnalysis.run(paths: [fixture("serialized-workers.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.sites.isEmpty)
    #expect(!runCLI(["--format", "json", "fixtures/serialized-workers.jsonl"]).out.contains("\"sites\""))
    #expect(!runCLI(["fixtures/serialized-workers.jsonl"]).out.contains("WAITED AT"))
  }

  @Test("--field site=KEY reads the site from another key; a site that is not a string is a bad line")
  func remapAndBadValue() throws {
    let log = [
      line(0, "request", "w1", "db", extra: #","frame":"app.py:9 save""#), line(0, "acquire", "w1", "db"),
      line(1, "release", "w1", "db"),
    ].joined(separator: "\n")
    let report = try analyze(log) { $0.fieldMap.remap(.site, to: "frame") }
    #expect(report.sites.map(\.name) == ["app.py:9 save"])
    #expect(parseError(line(0, "request", "w1", "db", extra: #","site":42"#)) == #""site" must be a string, not a number"#)
    #expect(parseError(line(0, "request", "w1", "db", extra: #","site":null"#)) == nil)
  }

  @Test("the OTLP reader's code.* attributes become the site")
  func otlpSites() throws {
    var options = AnalysisOptions()
    options.inputFormat = .otlp
    let report = try LogAnalysis.run(paths: [fixture("otlp/sdk-ledger.jsonl")], options: options) { _ in }
    #expect(report.sites.map(\.name) == ["worker.py:41 process_item"])
  }

  @Test("SLO scope site:GLOB measures each matching site")
  func sloScope() {
    let pass = runCLI(["check", "--rule", "site:*settle* wait.p95 <= 2s", "--rule", "site:*process_item hold.p99 < 5s", ledger])
    #expect(pass.status == 0, "\(pass.out)\(pass.err)")
    let fail = runCLI(["check", "--rule", "site:*settle* blocked.max < 3s", ledger])
    #expect(fail.status == 1)
    let findingsCount = runCLI(["check", "--rule", "site:* orphans == 0", ledger])
    #expect(findingsCount.status == 2 && findingsCount.err.contains("counts findings, which sites do not have"))
    let none = runCLI(["check", "--rule", "site:billing* wait.p95 < 1s", ledger])
    #expect(none.status == 2 && none.err.contains("no site in the log matches 'billing*'"))
  }

  @Test("timeline outputs carry the site: text, JSON intervals, Chrome slices")
  func timeline() {
    let text = runCLI(["timeline", "--color", "never", ledger]).out
    #expect(text.contains("→ held by w1  @ worker.py:41 process_item"))
    let json = runCLI(["timeline", "--format", "json", ledger]).out
    #expect(json.contains(#""kind":"hold","mode":"exclusive","start":"2026-11-22T10:00:03.000000000Z""#))
    #expect(json.split(separator: "\n").filter { $0.contains(#""kind":"hold""#) && $0.contains(#""site":"worker.py:88 settle""#) }.count == 2)
    let chrome = runCLI(["timeline", "--format", "chrome", ledger]).out
    #expect(chrome.contains(#""site":"worker.py:41 process_item""#))
  }

  @Test("the text and markdown reports with WAITED AT and BLOCKED OTHERS FROM match their golden files")
  func golden() throws {
    try checkGolden(runCLI(["--color", "never", ledger]).out, "report-sites.txt")
    try checkGolden(runCLI(["--format", "markdown", ledger]).out, "report-sites.md")
  }
}
