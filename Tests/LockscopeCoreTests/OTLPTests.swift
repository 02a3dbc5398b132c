import Foundation
import Testing

@testable import LockscopeCore

/// `--from otlp` (SPEC §1b): OpenTelemetry spans as lock uses. The numbers are worked out by
/// hand in `fixtures/otlp/README.md`.
@Suite("OpenTelemetry spans (--from otlp)")
struct OTLPTests {
  private final class Warnings { var lines: [String] = [] }

  private static func run(_ paths: [String], strict: Bool = false) throws -> (report: Report, warnings: [String]) {
    var options = AnalysisOptions()
    options.inputFormat = .otlp
    options.strict = strict
    let warnings = Warnings()
    let report = try LogAnalysis.run(paths: paths, options: options) { warnings.lines.append($0) }
    return (report, warnings.lines)
  }

  private static func stats(
    _ count: Int, mean: Int64, p50: Int64, p90: Int64, max: Int64, unfinished: Int = 0
  ) -> DurationStats {
    DurationStats(count: count, mean: mean, p50: p50, p90: p90, p95: max, p99: max, max: max, unfinished: unfinished)
  }

  /// The lock events one OTLP line makes, with the parser that made them.
  private static func events(_ line: String) throws -> (events: [LockEvent], parser: OTLPSpanParser) {
    let parser = OTLPSpanParser(agents: NameTable(), locks: NameTable(), sites: NameTable())
    var bytes = Array(line.utf8)
    let count = bytes.count
    bytes.append(0)
    try bytes.withUnsafeBufferPointer { buffer throws(LineError) in
      _ = try parser.parse(UnsafeBufferPointer(rebasing: buffer[0..<count]), source: SourceLocation(input: 0, line: 1))
    }
    return (parser.events, parser)
  }

  /// One request with one resource and its spans (JSON texts).
  private static func request(resource: String = #"{"key":"service.name","value":{"stringValue":"svc"}}"#, _ spans: [String]) -> String {
    #"{"resourceSpans":[{"resource":{"attributes":[\#(resource)]},"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#
  }

  private static func nanos(_ ms: Int64) -> String { "\"\(t0 + ms * millisecond)\"" }

  private static func span(
    _ lock: String?, from start: Int64, to end: Int64, acquired: Int64? = nil, attributes: [String] = [], events: [String] = []
  ) -> String {
    var all = attributes
    if let lock { all.insert(#"{"key":"lock.name","value":{"stringValue":"\#(lock)"}}"#, at: 0) }
    var marks = events
    if let acquired { marks.insert(#"{"timeUnixNano":\#(nanos(acquired)),"name":"lock.acquired"}"#, at: 0) }
    return #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"s","startTimeUnixNano":\#(nanos(start)),"endTimeUnixNano":\#(nanos(end)),"attributes":[\#(all.joined(separator: ","))],"events":[\#(marks.joined(separator: ","))]}"#
  }

  private static func string(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"# }
  private static func int(_ key: String, _ value: Int) -> String { #"{"key":"\#(key)","value":{"intValue":"\#(value)"}}"# }

  // MARK: Fixtures

  @Test("sdk-ledger: spans the OpenTelemetry SDK exported, sorted and mapped to waits, holds, a timeout, a renew and an expire")
  func sdkLedger() throws {
    let (report, warnings) = try Self.run([fixture("otlp/sdk-ledger.jsonl")])
    #expect(warnings.isEmpty)
    #expect(report.summary.events == 17 && report.summary.skippedLines == 0)
    #expect(report.summary.otlpSpans?.locks == 6 && report.summary.otlpSpans?.ignored == 1)
    #expect(report.summary.firstTime == t0 && report.summary.lastTime == t0 + 1300 * millisecond)
    #expect(report.summary.locks == 1 && report.summary.agents == 3)
    // Line 6 (worker-3's batch) starts at 200 ms, before lines 2–5: sorted, nothing is out of order.
    #expect(report.anomalyCounts.isEmpty)
    let ledger = try #require(report.lock("ledger"))
    #expect(ledger.attempts == 6 && ledger.acquisitions == 4 && ledger.timeouts == 1)
    #expect(ledger.wait == Self.stats(4, mean: 215 * millisecond, p50: 0, p90: 600 * millisecond, max: 600 * millisecond))
    #expect(
      ledger.hold == Self.stats(3, mean: 313_333_333, p50: 200 * millisecond, p90: 700 * millisecond, max: 700 * millisecond, unfinished: 1))
    #expect(ledger.contentionRate == 4.0 / 6.0 && ledger.timeoutRate == 1.0 / 6.0)

    let worker1 = try #require(report.agent("worker-1"))
    #expect(worker1.attempts == 2 && worker1.acquisitions == 2 && worker1.wait.max == 260 * millisecond)
    let worker2 = try #require(report.agent("MainThread@worker-2"))
    #expect(worker2.attempts == 2 && worker2.acquisitions == 1 && worker2.timeouts == 0 && worker2.wait.max == 600 * millisecond)
    let worker3 = try #require(report.agent("worker-3"))
    #expect(worker3.attempts == 2 && worker3.acquisitions == 1 && worker3.timeouts == 1)

    let orphans = report.findings.filter { $0.kind == .orphan }
    #expect(orphans.count == 1 && orphans.first?.agents == ["worker-3"] && orphans.first?.detail("cause") == .string("expire"))
    #expect(orphans.first?.time == t0 + 1250 * millisecond)
    #expect(!report.findings.contains { $0.kind == .fencing || $0.kind == .anomaly })
  }

  @Test("sdk-ledger: the spans' code attributes become the site, lock.expected_ms and lock.token reach the acquire")
  func sdkLedgerFields() throws {
    let text = try String(contentsOfFile: fixture("otlp/sdk-ledger.jsonl"), encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    let first = try Self.events(lines[0])
    #expect(first.events.map(\.kind) == [.request, .acquire, .renew, .release])
    #expect(first.events.allSatisfy { first.parser.sites.name($0.site) == "worker.py:41 process_item" })
    #expect(first.events[1].hasToken && first.events[1].token == 1 && first.events[1].leaseNanos == 500 * millisecond)
    #expect(first.events[2].leaseNanos == 500 * millisecond)
    #expect(first.parser.contexts.isEmpty)  // trace ids only when an output asks

    let batch = try Self.events(lines[5])
    let acquire = try #require(batch.events.first { $0.kind == .acquire })
    #expect(acquire.expectedNanos == 100 * millisecond && acquire.token == 3 && acquire.site == -1)
    #expect(batch.events.map(\.kind) == [.request, .timeout, .request, .acquire, .expire])
  }

  @Test("timeline --format json carries each span's trace and span ids")
  func traceIDs() {
    let result = runCLI(["timeline", "--from", "otlp", "--format", "json", fixture("otlp/sdk-ledger.jsonl")])
    #expect(result.status == 0)
    #expect(result.out.contains(#""trace_id":"4bf92f3577b34da60000000000000101","span_id":"0000000000000101""#))
  }

  @Test("edge cases: ignored spans, a failed attempt without outcome, bad lines skipped whole, thread.id joined, any key order")
  func edgeCases() throws {
    let path = fixture("otlp/edge-cases.jsonl")
    let (report, warnings) = try Self.run([path])
    #expect(report.summary.events == 11 && report.summary.skippedLines == 3)
    #expect(report.summary.otlpSpans?.locks == 4 && report.summary.otlpSpans?.ignored == 2)
    #expect(warnings.count == 3)
    #expect(warnings[0].hasPrefix("\(path):3: unexpected end of line"))
    #expect(warnings[1].hasPrefix("\(path):6: no \"resourceSpans\""))
    #expect(warnings[2].hasPrefix("\(path):7: \"lock.outcome\" must be \"timeout\" or \"cancel\""))
    #expect(report.summary.locks == 1 && report.summary.agents == 4)
    #expect(Set(report.agents.compactMap(\.name)) == ["api-1", "holder", "12@api", "worker@api-2"])
    #expect(report.summary.lastTime == t0 + 600 * millisecond)
    let cache = try #require(report.lock("cache"))
    #expect(cache.attempts == 4 && cache.acquisitions == 3 && cache.timeouts == 1)
    #expect(cache.wait == Self.stats(3, mean: 66_666_666, p50: 0, p90: 200 * millisecond, max: 200 * millisecond))
    #expect(cache.hold == Self.stats(3, mean: 166_666_666, p50: 100 * millisecond, p90: 300 * millisecond, max: 300 * millisecond))
    #expect(cache.contentionRate == 0.5)
    #expect(report.anomalyCounts.isEmpty)
  }

  @Test("--strict: the first bad OTLP line is an error (exit 2)")
  func strict() throws {
    let path = fixture("otlp/edge-cases.jsonl")
    #expect(throws: InputError.self) { try Self.run([path], strict: true) }
    let result = runCLI(["--from", "otlp", "--strict", path])
    #expect(result.status == 2)
    #expect(result.err.contains("\(path):3: unexpected end of line inside an object"))
    #expect(result.err.contains("(--strict)"))
  }

  @Test("a line of 20,000 spans (several MB) is read whole")
  func hugeLine() throws {
    var spans: [String] = []
    for index in 0..<20_000 {
      let start = Int64(index) * 10
      spans.append(
        Self.span(
          index % 4 == 3 ? nil : "shard:\(index % 50)", from: start, to: start + 5, acquired: start + 1,
          attributes: [Self.string("lock.agent", "w\(index % 16)")]))
    }
    let line = Self.request(spans)
    #expect(line.utf8.count > 4 << 20)
    let (report, warnings) = try Self.run([temporaryFile(line + "\n", name: "spans.jsonl")])
    #expect(warnings.isEmpty && report.summary.skippedLines == 0)
    #expect(report.summary.otlpSpans?.locks == 15_000 && report.summary.otlpSpans?.ignored == 5_000)
    #expect(report.summary.events == 45_000 && report.summary.locks == 50 && report.summary.agents == 12)
    #expect(report.overall.acquisitions == 15_000 && report.overall.wait.max == millisecond && report.overall.hold.max == 4 * millisecond)
  }

  // MARK: Mapping (SPEC §1b)

  @Test("a span without lock.acquired is a timeout at its end, or a cancel when lock.outcome says so")
  func failedAttempts() throws {
    let timeout = try Self.events(Self.request([Self.span("l", from: 0, to: 40)]))
    #expect(timeout.events.map(\.kind) == [.request, .timeout])
    #expect(timeout.events.map(\.time) == [t0, t0 + 40 * millisecond])
    let cancel = try Self.events(Self.request([Self.span("l", from: 0, to: 40, attributes: [Self.string("lock.outcome", "cancel")])]))
    #expect(cancel.events.map(\.kind) == [.request, .cancel])
  }

  @Test("no release follows lock.expired; lock.renewed takes its own lease, else the span's")
  func renewAndExpire() throws {
    let line = Self.request([
      Self.span(
        "l", from: 0, to: 90, acquired: 0, attributes: [Self.int("lock.lease_ms", 30)],
        events: [
          #"{"timeUnixNano":\#(Self.nanos(20)),"name":"lock.renewed"}"#,
          #"{"timeUnixNano":\#(Self.nanos(40)),"name":"lock.renewed","attributes":[{"key":"lock.lease_ms","value":{"doubleValue":12.5}}]}"#,
          #"{"timeUnixNano":\#(Self.nanos(60)),"name":"lock.expired"}"#,
          #"{"timeUnixNano":\#(Self.nanos(61)),"name":"log"}"#,
        ])
    ])
    let (events, _) = try Self.events(line)
    #expect(events.map(\.kind) == [.request, .acquire, .renew, .renew, .expire])
    #expect(events.map(\.leaseNanos) == [-1, 30 * millisecond, 30 * millisecond, 12_500_000, -1])
  }

  @Test("lock.mode, lock.capacity and lock.token fill the event; the agent is lock.agent, else thread@resource id")
  func fields() throws {
    let resource = Self.string("service.name", "api") + "," + Self.string("service.instance.id", "api-7")
    let line = Self.request(
      resource: resource,
      [
        Self.span(
          "pool", from: 0, to: 10, acquired: 2,
          attributes: [Self.string("lock.mode", "shared"), Self.int("lock.capacity", 4), Self.int("lock.token", 9), Self.string("thread.name", "T1")]),
        Self.span("pool", from: 0, to: 10, attributes: [Self.string("lock.agent", "named"), Self.int("thread.id", 3)]),
        Self.span("pool", from: 0, to: 10, attributes: [Self.int("thread.id", 3)]),
        Self.span("pool", from: 0, to: 10),
      ])
    let (events, parser) = try Self.events(line)
    #expect(events[0].mode == .shared && events[0].capacity == 4)
    #expect(events[1].kind == .acquire && events[1].hasToken && events[1].token == 9)
    #expect(!events[0].hasToken)
    #expect((0..<parser.agents.count).map { parser.agents.name(Int32($0)) } == ["T1@api-7", "named", "3@api-7", "api-7"])
  }

  @Test("lock attributes on lock.acquired win, and the request asks for the mode it was granted")
  func acquiredAttributes() throws {
    let acquired = #"{"timeUnixNano":\#(Self.nanos(1)),"name":"lock.acquired","attributes":[\#(Self.string("lock.mode", "shared")),\#(Self.int("lock.capacity", 3)),{"key":"lock.expected_ms","value":{"intValue":250}}]}"#
    let (events, _) = try Self.events(Self.request([Self.span("l", from: 0, to: 5, events: [acquired])]))
    #expect(events.map(\.kind) == [.request, .acquire, .release])
    #expect(events.allSatisfy { $0.mode == .shared && $0.capacity == 3 })
    #expect(events[1].expectedNanos == 250 * millisecond && events[0].expectedNanos == -1)
  }

  @Test("escaped keys and names are decoded; a broken value of an attribute lockscope does not read is no fault")
  func keysAndValues() throws {
    let line = Self.request([
      Self.span(
        "l", from: 0, to: 5, acquired: 1,
        attributes: [#"{"key":"lock\u002eagent","value":{"stringValue":"esc\u00e9"}}"#, #"{"key":"http.status","value":{"intValue":"x"}}"#])
    ])
    let (events, parser) = try Self.events(line)
    #expect(events.count == 3 && parser.agents.name(events[0].agent.rawValue) == "escé")
    let (slashed, slashedParser) = try Self.events(Self.request([Self.span(#"queue\/billing-7"#, from: 0, to: 5)]))
    #expect(slashedParser.locks.name(slashed[0].lock.rawValue) == "queue/billing-7")
    let bad = Self.request([Self.span("l", from: 0, to: 5, attributes: [#"{"key":"lock.token","value":{"intValue":"x"}}"#])])
    #expect(throws: LineError.self) { try Self.events(bad) }
  }

  @Test("an event time outside its span is kept inside it, so a span's events stay in order")
  func clamped() throws {
    let (events, _) = try Self.events(Self.request([Self.span("l", from: 10, to: 20, acquired: 5)]))
    #expect(events.map(\.time) == [t0 + 10 * millisecond, t0 + 10 * millisecond, t0 + 20 * millisecond])
  }

  @Test("lock spans that are not right make the line bad, with the reason")
  func badSpans() {
    func reason(_ span: String) -> String? {
      do {
        _ = try Self.events(Self.request([span]))
        return nil
      } catch {
        return (error as? LineError)?.reason.description ?? "\(error)"
      }
    }
    #expect(reason(Self.span("l", from: 10, to: 5)) == "lock span ends before it starts")
    #expect(reason(Self.span("l", from: 0, to: 5, attributes: [Self.string("lock.mode", "write")])) == "\"lock.mode\" must be \"exclusive\" or \"shared\"")
    #expect(reason(Self.span("l", from: 0, to: 5, attributes: [Self.int("lock.capacity", 0)])) == "\"lock.capacity\" must be an integer >= 1")
    #expect(
      reason(Self.span("l", from: 0, to: 5, acquired: 1, events: [#"{"timeUnixNano":\#(Self.nanos(2)),"name":"lock.acquired"}"#])) == "lock span with two \"lock.acquired\" events")
    #expect(reason(Self.span("l", from: 0, to: 5, events: [#"{"timeUnixNano":"4200000000000000000","name":"lock.renewed"}"#])) == "\"timeUnixNano\" is outside the supported years 1900 to 2099")
    #expect(reason(#"{"name":"x","attributes":[{"key":"lock.name","value":{"stringValue":"l"}}]}"#) == "lock span without \"startTimeUnixNano\"")
    #expect(reason(#"{"attributes":[{"key":"lock.name","value":{"intValue":"5"}}]}"#) == "span attribute \"lock.name\" must be a string")
    // A span without lock.name is not checked for lock fields: it is only counted.
    #expect(reason(Self.span(nil, from: 10, to: 5)) == nil)
  }

  // MARK: Command line

  @Test("--from takes jsonl or otlp; watch does not take it")
  func option() {
    let wrong = runCLI(["--from", "zipkin", fixture("otlp/sdk-ledger.jsonl")])
    #expect(wrong.status == 2 && wrong.err.hasPrefix("Error: --from takes jsonl (lock event lines) or otlp (OpenTelemetry spans), not 'zipkin'."))
    #expect(runCLI(["watch", "--from", "otlp", fixture("otlp/sdk-ledger.jsonl")]).status == 2)
    let json = runCLI(["--from", "otlp", "--format", "json", fixture("otlp/sdk-ledger.jsonl")])
    #expect(json.status == 0 && json.out.contains(#""otlp_spans": 6"#) && json.out.contains(#""otlp_spans_ignored": 1"#))
    let text = runCLI(["--from", "otlp", fixture("otlp/sdk-ledger.jsonl")])
    // The hot-lock remedy's replay command reads the spans too.
    #expect(text.out.contains("(lockscope whatif --from otlp --lock 'ledger' --hold-cap"))
    #expect(text.out.contains("  otlp     6 lock spans, 1 without lock.name ignored\n"))
    // Lock event lines are not spans: every line is skipped and says why.
    let plain = runCLI(["--from", "otlp", fixture("serialized-workers.jsonl")])
    #expect(plain.err.contains("no \"resourceSpans\""))
  }
}
