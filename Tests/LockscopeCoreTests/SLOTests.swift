import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import LockscopeCore

/// The one rule of `text`, or the diagnostic it earns.
private func rule(_ text: String) -> Result<SLORule, SLODiagnostic> {
  Result { () throws(SLODiagnostic) -> SLORule in
    guard let rule = try SLOParser.parseLine(text, origin: SLOOrigin(name: "t.slo", line: 1)) else {
      throw SLODiagnostic(origin: SLOOrigin(name: "t.slo", line: 1), column: 1, length: 1, message: "blank", lineText: text)
    }
    return rule
  }
}

private func threshold(_ text: String) throws -> Double { try rule(text).get().threshold }

private func mistake(_ text: String) -> SLODiagnostic? {
  if case .failure(let diagnostic) = rule(text) { return diagnostic }
  return nil
}

@Suite("SLO rules: grammar, units and mistakes")
struct SLOParserTests {
  @Test("every metric parses with a threshold of its own kind, under each scope it allows")
  func everyMetric() throws {
    for metric in SLOMetric.all {
      let value = metric.quantity == .duration ? "10ms" : metric.quantity == .ratio ? "5%" : "3"
      for scope in [SLOScopeKind.overall, .lock, .agent] {
        let prefix = scope == .overall ? "" : "\(scope.rawValue):x* "
        let parsed = rule("\(prefix)\(metric.name) <= \(value)")
        if metric.scopes.contains(scope) {
          let parsedRule = try parsed.get()
          #expect(parsedRule.metric.name == metric.name)
          #expect(parsedRule.scope.kind == scope)
        } else {
          #expect((try? parsed.get()) == nil, "\(prefix)\(metric.name) should be refused")
        }
      }
      for alias in metric.aliases { #expect(try rule("\(alias) <= \(value)").get().metric.name == metric.name) }
    }
  }

  @Test("the JSON report's spellings are accepted for the rates")
  func aliases() throws {
    #expect(try rule("contention_rate < 10%").get().metric.name == "contention.rate")
    #expect(try rule("wait_share < 10%").get().metric.name == "wait.share")
    #expect(try rule("queue_max < 3").get().metric.name == "queue.max")
  }

  @Test(
    "duration thresholds in every unit become nanoseconds",
    arguments: [
      ("7ns", 7.0), ("7us", 7e3), ("7µs", 7e3), ("7ms", 7e6), ("7s", 7e9), ("7m", 420e9), ("7h", 25_200e9),
      ("1.5s", 1.5e9), ("0.25ms", 250e3), ("0", 0), ("7 ms", 7e6),
    ])
  func durationUnits(text: String, nanos: Double) throws {
    #expect(try threshold("wait.p95 < \(text)") == nanos)
  }

  @Test("share thresholds: a percentage or a fraction", arguments: [("5%", 0.05), ("0.05", 0.05), ("100%", 1.0), ("0%", 0.0), ("12.5%", 0.125)])
  func shareUnits(text: String, fraction: Double) throws {
    #expect(try threshold("contention.rate < \(text)") == fraction)
  }

  @Test("count thresholds are plain numbers")
  func countUnits() throws {
    #expect(try threshold("deadlocks == 0") == 0)
    #expect(try threshold("queue.mean < 2.5") == 2.5)
    #expect(try threshold("attempts >= 1000") == 1000)
  }

  @Test(
    "each operator compares as written",
    arguments: [
      ("<", [true, false, false]), ("<=", [true, true, false]), (">", [false, false, true]), (">=", [false, true, true]),
      ("==", [false, true, false]), ("!=", [true, false, true]),
    ])
  func operators(op: String, expected: [Bool]) throws {
    let parsed = try rule("attempts \(op) 5").get()
    #expect(parsed.comparison.rawValue == op)
    #expect([4.0, 5.0, 6.0].map(parsed.holds) == expected)
  }

  @Test("scopes: none, lock:GLOB, agent:GLOB, a quoted glob with spaces; comments and blank lines")
  func scopes() throws {
    #expect(try rule("wait.p95 < 1s").get().scope == .overall)
    #expect(try rule("lock:db/* hold.p99 < 2s").get().scope == .lock(Glob("db/*")))
    #expect(try rule("agent:worker-? wait.share < 50%").get().scope == .agent(Glob("worker-?")))
    #expect(try rule("lock:\"my lock\" hold.p99 < 2s").get().scope == .lock(Glob("my lock")))
    #expect(try rule("  wait.p95<10ms   # tight").get().text == "wait.p95<10ms")
    let parsed = SLOParser.parse("# gate\n\nwait.p95 < 10ms\r\n  # done\norphans == 0\n", name: "g.slo")
    #expect(parsed.errors.isEmpty)
    #expect(parsed.rules.map(\.origin.line) == [3, 5])
  }

  /// (rule, column, underlined length, message)
  static let mistakeCases: [(String, Int, Int, String)] = [
    ("wait.p59 < 10ms", 1, 8, "unknown metric 'wait.p59'; did you mean 'wait.p50'?"),
    ("deadlock == 0", 1, 8, "unknown metric 'deadlock'; did you mean 'deadlocks'?"),
    ("zzzz < 1", 1, 4, "unknown metric 'zzzz'; 'lockscope check --help' lists the metrics"),
    ("wait.p95 < 5%", 13, 1, "wait.p95 is a duration, not a share: give the threshold a time unit (ns, us, ms, s, m, h)"),
    ("wait.p95 < 10", 12, 2, "wait.p95 is a duration: give the threshold a time unit (ns, us, ms, s, m, h), such as 10ms"),
    ("wait.p95 < 10sec", 14, 3, "unknown time unit 'sec'; use ns, us, ms, s, m or h"),
    ("contention.rate < 10", 19, 2, "contention.rate is a share: write 10% or a fraction from 0 to 1, not 10"),
    ("contention.rate < 10ms", 21, 2, "contention.rate is a share, not a duration: write a percentage, such as 10%"),
    ("utilization < 150%", 15, 4, "utilization is a share: at most 100%"),
    ("deadlocks == 0%", 15, 1, "deadlocks is a count: the threshold takes no unit, not '%'"),
    ("deadlocks = 0", 11, 1, "unknown operator '='; did you mean '=='?"),
    ("deadlocks =< 0", 11, 2, "unknown operator '=<'; did you mean '<='?"),
    ("deadlocks <> 0", 11, 2, "unknown operator '<>'; did you mean '!='?"),
    ("deadlocks 0", 11, 1, "expected an operator (<, <=, >, >=, ==, !=) after 'deadlocks'"),
    ("wait.p95 <", 11, 1, "expected a threshold after '<', such as 10ms"),
    ("wait.p95 < fast", 12, 1, "expected a threshold, not 'fast', after '<', such as 10ms"),
    ("wait.p95 < -1ms", 12, 1, "a threshold cannot be negative"),
    ("wait.p95 < 1s and more", 15, 8, "unexpected 'and more' after the threshold"),
    ("host:web1 wait.p95 < 1s", 1, 5, "unknown scope 'host:'; a scope is lock:GLOB, agent:GLOB, family:GLOB or site:GLOB"),
    ("lokc:db wait.p95 < 1s", 1, 5, "unknown scope 'lokc:'; did you mean 'lock:'?"),
    ("lock: wait.p95 < 1s", 1, 5, "'lock:' needs a glob, such as lock:db/*"),
    ("lock:db/[ab hold.p99 < 2s", 6, 6, "an unclosed '[' in the glob 'db/[ab'"),
    ("agent:w* long_holds == 0", 10, 10, "long_holds is counted per lock, not per agent; use a lock: scope or none"),
    ("lock:db anomalies == 0", 9, 9, "anomalies is counted over the whole log only; drop the lock: scope"),
    ("< 5", 1, 1, "expected a metric, such as wait.p95 or deadlocks"),
  ]

  @Test("each kind of mistake is reported at its column with a fitting message", arguments: mistakeCases)
  func mistakes(text: String, column: Int, length: Int, message: String) throws {
    let diagnostic = try #require(mistake(text), "'\(text)' was accepted")
    #expect(diagnostic.message == message)
    #expect(diagnostic.column == column)
    #expect(diagnostic.length == length)
  }

  @Test("a mistake is shown as FILE:LINE:COLUMN, the line, and a caret under the fault")
  func rendering() {
    let parsed = SLOParser.parse("# gate\nwait.p95 < 10ms\n\twait.p59 < 10ms\n", name: "locks.slo")
    #expect(parsed.rules.count == 1)
    #expect(parsed.errors.count == 1)
    #expect(
      parsed.errors.first?.rendered
        == "locks.slo:3:2: unknown metric 'wait.p59'; did you mean 'wait.p50'?\n     wait.p59 < 10ms\n     ^~~~~~~~\n")
  }
}

@Suite("lockscope check")
struct CheckCommandTests {
  /// A log that passes the default rules: two quick handoffs, nothing left open.
  static let healthy = [
    line(0, "acquire", "a", "L"), line(0.001, "release", "a", "L"),
    line(1, "request", "b", "L"), line(1, "acquire", "b", "L"), line(1.002, "release", "b", "L"),
  ].joined(separator: "\n")

  /// Two agents deadlock on A and B until b times out; c crashes holding C while d waits 2 s.
  static let failures = [
    line(0, "acquire", "a", "A"), line(0, "acquire", "b", "B"),
    line(1, "request", "a", "B"), line(1, "request", "b", "A"),
    line(3, "timeout", "b", "A"), line(3, "release", "b", "B"), line(3, "acquire", "a", "B"),
    line(3.5, "release", "a", "B"), line(3.5, "release", "a", "A"),
    line(4, "acquire", "c", "C"), line(4, "request", "d", "C"), line(6, "crash", "c"), line(6, "acquire", "d", "C"),
    line(6.5, "release", "d", "C"),
  ].joined(separator: "\n")

  @Test("with no rules the default set is checked and said to be; it passes on a healthy log (exit 0)")
  func defaultsPass() {
    let result = runCLI(["check", temporaryFile(Self.healthy)])
    #expect(result.status == 0, "\(result.out)\(result.err)")
    #expect(result.out.contains("No --slo or --rule given: checking the default rules."))
    for rule in DefaultSLO.text.split(separator: "\n") { #expect(result.out.contains("PASS    \(rule)")) }
    #expect(result.out.hasSuffix("6 passed, 0 failed\n"))
  }

  @Test("the serialized workers fail the default latency and contention rules (exit 1)")
  func defaultsFail() {
    let result = runCLI(["check", fixture("serialized-workers.jsonl")])
    #expect(result.status == 1)
    // Hand-worked: waits 0, 2, …, 18 s twice → p95 = p99 = 18 s; 18 of 20 attempts contended.
    #expect(result.out.contains("FAIL    wait.p95 < 10ms        all locks     18.0s  < 10ms"))
    #expect(result.out.contains("FAIL    wait.p99 < 100ms       all locks     18.0s  < 100ms"))
    #expect(result.out.contains("FAIL    contention.rate < 10%  all locks     90.0%  < 10%"))
    #expect(result.out.contains("PASS    timeout.rate < 1%"))
    #expect(result.out.contains("PASS    deadlocks == 0"))
    #expect(result.out.hasSuffix("3 passed, 3 failed\n"))
  }

  @Test("statistics are measured per scope: overall, each matching lock, each matching agent")
  func scopes() throws {
    let log = fixture("serialized-workers.jsonl")
    let result = runCLI([
      "check", "--format", "json", "--rule", "wait.p95 <= 18s", "--rule", "lock:llm:* utilization == 100%", "--rule",
      "agent:worker-0[0-4] wait.share < 81%", "--rule", "agent:* wait.share < 50%", log,
    ])
    #expect(result.status == 1)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let rules = try #require(json["rules"] as? [[String: Any]])
    #expect(rules.map { $0["status"] as? String } == ["pass", "pass", "pass", "fail"])
    #expect(json["passed"] as? Int == 3 && json["failed"] as? Int == 1)
    // worker-k waits 4k s and holds 4 s: wait share k/(k+1); worker-04 is 80%.
    let fewWorkers = try #require(rules[2]["checks"] as? [[String: Any]])
    #expect(fewWorkers.count == 5)
    #expect(fewWorkers.first?["agent"] as? String == "worker-04")
    #expect(fewWorkers.first?["measured"] as? Double == 0.8)
    // Only worker-00 (0%) is under 50%; worker-01 is exactly 50%: nine fail, the worst first.
    let all = try #require(rules[3]["checks"] as? [[String: Any]])
    #expect(all.filter { $0["status"] as? String == "fail" }.count == 9)
    #expect(all.first?["agent"] as? String == "worker-09")
    #expect(all.last?["agent"] as? String == "worker-00")
    #expect(rules[1]["threshold"] as? Double == 1.0)
    #expect(rules[0]["threshold"] as? Double == 18e9 && rules[0]["unit"] as? String == "ns")
  }

  @Test("finding counts: overall, per lock and per agent")
  func findingCounts() throws {
    let log = temporaryFile(Self.failures)
    let rules = [
      "deadlocks == 1", "orphans == 1", "lock:A deadlocks == 1", "lock:C deadlocks == 0", "lock:C orphans == 1",
      "agent:c orphans == 1", "agent:d orphans == 0", "agent:b deadlocks == 1", "timeouts == 1", "inversions == 0",
    ]
    let result = runCLI(["check", "--format", "json"] + rules.flatMap { ["--rule", $0] } + [log])
    #expect(result.status == 0, "\(result.out)")
    let failing = runCLI(["check", "--rule", "deadlocks == 0", "--rule", "orphans == 0", log])
    #expect(failing.status == 1)
    #expect(failing.out.contains("FAIL    deadlocks == 0  all locks         1  == 0"))
  }

  @Test("a --slo file and --rule together; the text shows failing scopes worst first and counts the rest")
  func sloFile() {
    let slo = temporaryFile("# latency gate\nwait.p99 < 20s\nagent:* wait.share < 85%   # most agents pass\n", name: "gate.slo")
    let result = runCLI(["check", "--slo", slo, "--rule", "hot_locks == 0", fixture("serialized-workers.jsonl")])
    #expect(result.status == 1)
    #expect(!result.out.contains("default rules"))
    // worker-09 (90%), worker-08 (88.9%), worker-07 (87.5%) fail; worker-06 (85.7%) too; 6 pass.
    let lines = result.out.split(separator: "\n").map(String.init)
    let failing = lines.filter { $0.hasPrefix("FAIL") }
    #expect(failing.count == 5)  // four agents of the wait-share rule, and hot_locks
    #expect(failing[0].contains("agent:* wait.share < 85%") && failing[0].contains("worker-09"))
    #expect(lines.contains { $0.contains("worker-06") && $0.contains("85.7%") })
    #expect(lines.contains { $0.contains("… and 6 more passing") })
    #expect(result.out.hasSuffix("1 passed, 2 failed\n"))
  }

  @Test("the bundled CI gate passes the fine-grained workers and fails the serialized ones")
  func bundledGate() {
    let gate = fixture("slo/ci-gate.slo")
    let good = runCLI(["check", "--slo", gate, fixture("fine-grained.jsonl")])
    #expect(good.status == 0, "\(good.out)")
    #expect(good.out.hasSuffix("9 passed, 0 failed\n"))
    let bad = runCLI(["check", "--slo", gate, fixture("serialized-workers.jsonl")])
    #expect(bad.status == 1)
    // Waits of 18 s, holds of 2 s, the lock held 100% of the time: a hot lock.
    let failed = bad.out.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
    #expect(failed == ["wait.p95", "wait.p99", "hot_locks", "lock:*", "lock:*"])
    #expect(bad.out.hasSuffix("4 passed, 5 failed\n"))
  }

  @Test("rule mistakes exit 2 before any log is read, all of them at once")
  func mistakesFirst() {
    let slo = temporaryFile("wait.p95 < 5%\ndeadlocks = 0\norphans == 0\n", name: "bad.slo")
    let result = runCLI(["check", "--slo", slo, "--rule", "wait.p59 < 1s", "/nonexistent/log.jsonl"])
    #expect(result.status == 2)
    #expect(result.out.isEmpty)
    #expect(result.err.contains("bad.slo:1:13: wait.p95 is a duration"))
    #expect(result.err.contains("bad.slo:2:11: unknown operator '='"))
    #expect(result.err.contains("<rule 1>:1:1: unknown metric 'wait.p59'"))
    #expect(!result.err.contains("cannot read '/nonexistent"))
    #expect(result.err.hasSuffix("lockscope: 3 mistakes in the rules; nothing was checked.\n"))
  }

  @Test("a scope that matches no lock or agent of the log is a mistake, not a silent pass")
  func unmatchedScope() {
    let result = runCLI(["check", "--rule", "lock:db/* hold.p99 < 2s", fixture("serialized-workers.jsonl")])
    #expect(result.status == 2)
    #expect(result.err.hasPrefix("<rule 1>:1:6: no lock in the log matches 'db/*' (locks: 'llm:global')\n    lock:db/* hold.p99 < 2s\n         ^~~~\n"))
  }

  @Test("an unreadable or empty SLO file exits 2 with one line")
  func badSLOFile() {
    let missing = runCLI(["check", "--slo", "/nonexistent.slo", fixture("serialized-workers.jsonl")])
    #expect(missing == (2, "", "lockscope: cannot read '/nonexistent.slo': No such file or directory\n"))
    let empty = temporaryFile("# nothing yet\n\n", name: "empty.slo")
    let result = runCLI(["check", "--slo", empty, fixture("serialized-workers.jsonl")])
    #expect(result.status == 2)
    #expect(result.err == "lockscope: '\(empty)' has no rules (only blank lines and comments).\n")
  }

  @Test("an empty log fails every rule for lack of data, unless --allow-empty")
  func emptyLog() {
    let log = temporaryFile("")
    let strict = runCLI(["check", log])
    #expect(strict.status == 1)
    #expect(strict.out.contains("No events were analysed: every rule fails for lack of data"))
    #expect(strict.out.contains("FAIL    deadlocks == 0         all locks   no data  == 0"))
    let allowed = runCLI(["check", "--allow-empty", log])
    #expect(allowed.status == 0)
    #expect(allowed.out.hasSuffix("6 passed, 0 failed\n"))
    // A statistic with no samples is no data too: every attempt timed out.
    let timedOut = temporaryFile([line(0, "acquire", "a", "L"), line(1, "request", "b", "L"), line(2, "timeout", "b", "L")].joined(separator: "\n"))
    #expect(runCLI(["check", "--rule", "lock:L hold.p99 < 1s", timedOut]).status == 1)
    #expect(runCLI(["check", "--allow-empty", "--rule", "lock:L hold.p99 < 1s", timedOut]).status == 0)
  }

  @Test("--strict turns a bad log line into exit 2, not a verdict")
  func strict() {
    let log = temporaryFile(Self.healthy + "\nnot json\n")
    #expect(runCLI(["check", log]).status == 0)
    #expect(runCLI(["check", "--strict", log]).status == 2)
  }

  @Test("JUnit output is well-formed XML with one testcase per rule and scope and the right counts")
  func junit() throws {
    let result = runCLI([
      "check", "--format", "junit", "--rule", "wait.p95 < 10ms", "--rule", "agent:worker-0[7-9] wait.share < 88%", "--rule",
      "deadlocks == 0", fixture("serialized-workers.jsonl"),
    ])
    #expect(result.status == 1)
    #if canImport(FoundationXML) || os(macOS)
      let parser = XMLParser(data: Data(result.out.utf8))
      let collector = JUnitCollector()
      parser.delegate = collector
      #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
      // 1 overall + 3 agents + 1 overall; failing: wait.p95, worker-09 (90%), worker-08 (88.9%).
      #expect(collector.testcases == 5)
      #expect(collector.failures == 3)
      #expect(collector.suiteAttributes["tests"] == "5" && collector.suiteAttributes["failures"] == "3")
      #expect(collector.names.contains("agent:worker-0[7-9] wait.share < 88% [agent worker-09]"))
    #endif
  }

  @Test("GitHub output: an ::error per failing check, a ::notice per passing rule, escaped per the runner's rules")
  func github() {
    let slo = temporaryFile("wait.p95 < 10ms\ndeadlocks == 0\n", name: "gate.slo")
    let result = runCLI(["check", "--format", "github", "--slo", slo, fixture("serialized-workers.jsonl")])
    #expect(result.status == 1)
    let lines = result.out.split(separator: "\n").map(String.init)
    #expect(
      lines[0]
        == "::error file=\(slo),line=1,title=SLO failed%3A wait.p95 < 10ms::wait.p95 is 18.0s for all locks; the rule wants < 10ms.")
    #expect(lines[1] == "::notice file=\(slo),line=2,title=SLO passed%3A deadlocks == 0::'deadlocks == 0' holds for all locks (0).")
    #expect(lines[2] == "lockscope check: 1 passed, 1 failed")
    #expect(GitHubRenderer().data("50%\r\nnext") == "50%25%0D%0Anext")
  }
}

/// Counts what a JUnit consumer would see.
private final class JUnitCollector: NSObject, XMLParserDelegate {
  var testcases = 0
  var failures = 0
  var names: [String] = []
  var suiteAttributes: [String: String] = [:]

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
    attributes attributeDict: [String: String] = [:]
  ) {
    switch elementName {
    case "testsuite": suiteAttributes = attributeDict
    case "testcase":
      testcases += 1
      names.append(attributeDict["name"] ?? "")
    case "failure": failures += 1
    default: break
    }
  }
}
