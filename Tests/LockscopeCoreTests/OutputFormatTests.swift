import Foundation
import Testing

@testable import LockscopeCore

/// Names a log may hold that would break a table, a label or a shell if not escaped.
let hostileNamesLog = """
  {"ts":1795341600,"event":"acquire","agent":"a|b `x` *y*","lock":"db|users\\\\n\\"quoted\\" <script>&"}
  {"ts":1795341601,"event":"request","agent":"line\\nbreak [link](http://x)","lock":"db|users\\\\n\\"quoted\\" <script>&"}
  {"ts":1795341603,"event":"release","agent":"a|b `x` *y*","lock":"db|users\\\\n\\"quoted\\" <script>&"}
  {"ts":1795341603,"event":"acquire","agent":"line\\nbreak [link](http://x)","lock":"db|users\\\\n\\"quoted\\" <script>&"}
  {"ts":1795341604,"event":"release","agent":"line\\nbreak [link](http://x)","lock":"db|users\\\\n\\"quoted\\" <script>&"}

  """

/// Checks text against the Prometheus text exposition format 0.0.4, line by line; returns
/// what is wrong (nothing when it is valid). Written from the format's rules, independent
/// of the renderer.
func prometheusProblems(_ text: String) -> [String] {
  var problems: [String] = []
  let name = try! Regex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")
  let labelName = try! Regex("^[a-zA-Z_][a-zA-Z0-9_]*$")
  var typed: [String: String] = [:]  // family → type
  var helped: Set<String> = []
  var seriesSeen: Set<String> = []
  var finishedFamilies: Set<String> = []
  var currentFamily: String?
  guard text.hasSuffix("\n") else { return ["does not end with a line feed"] }
  for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
    let where_ = "line \(number + 1): \(line)"
    if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
      let parts = line.split(separator: " ", maxSplits: 3)
      guard parts.count >= 3, (try? name.wholeMatch(in: String(parts[2]))) != nil else {
        problems.append("bad metric name in comment: \(where_)")
        continue
      }
      let family = String(parts[2])
      if line.hasPrefix("# HELP ") {
        if helped.contains(family) { problems.append("second HELP: \(where_)") }
        helped.insert(family)
      } else {
        guard parts.count == 4, ["counter", "gauge", "summary", "histogram", "untyped"].contains(String(parts[3])) else {
          problems.append("bad TYPE: \(where_)")
          continue
        }
        if typed[family] != nil { problems.append("second TYPE: \(where_)") }
        if seriesSeen.contains(where: { $0.hasPrefix(family) && ($0.dropFirst(family.count).first.map { "{ _".contains($0) } ?? true) }) {
          problems.append("TYPE after samples of its family: \(where_)")
        }
        typed[family] = String(parts[3])
      }
      continue
    }
    if line.hasPrefix("#") || line.isEmpty { continue }
    // name{labels} value
    var rest = Substring(line)
    let metric = String(rest.prefix { $0 != "{" && $0 != " " })
    rest = rest.dropFirst(metric.count)
    if (try? name.wholeMatch(in: metric)) == nil { problems.append("bad metric name: \(where_)") }
    var labels: [String] = []
    if rest.first == "{" {
      rest = rest.dropFirst()
      while rest.first != "}" {
        let label = String(rest.prefix { $0 != "=" })
        if (try? labelName.wholeMatch(in: label)) == nil { problems.append("bad label name '\(label)': \(where_)") }
        rest = rest.dropFirst(label.count)
        guard rest.hasPrefix("=\"") else {
          problems.append("label without quoted value: \(where_)")
          break
        }
        rest = rest.dropFirst(2)
        var value = ""
        while let c = rest.first, c != "\"" {
          if c == "\\" {
            rest = rest.dropFirst()
            guard let escaped = rest.first, "\\\"n".contains(escaped) else {
              problems.append("bad escape in label value: \(where_)")
              break
            }
            value.append(escaped)
          } else if c == "\n" {
            problems.append("raw line feed in label value: \(where_)")
          } else {
            value.append(c)
          }
          rest = rest.dropFirst()
        }
        guard rest.first == "\"" else {
          problems.append("unterminated label value: \(where_)")
          break
        }
        rest = rest.dropFirst()
        labels.append("\(label)=\(value)")
        if rest.first == "," { rest = rest.dropFirst() }
      }
      rest = rest.dropFirst()  // }
    }
    guard rest.first == " " else {
      problems.append("no space before the value: \(where_)")
      continue
    }
    let value = rest.dropFirst()
    if Double(value) == nil && !["+Inf", "-Inf", "NaN"].contains(String(value)) { problems.append("bad value '\(value)': \(where_)") }
    // The family: the name, or for a summary's _sum/_count (a histogram's also _bucket)
    // the name without it.
    var family = metric
    for suffix in ["_sum", "_count", "_bucket"] where metric.hasSuffix(suffix) {
      let type = typed[String(metric.dropLast(suffix.count))]
      if type == "histogram" || (type == "summary" && suffix != "_bucket") { family = String(metric.dropLast(suffix.count)) }
    }
    if typed[family] == nil { problems.append("sample before its TYPE: \(where_)") }
    if typed[family] == "counter" && !family.hasSuffix("_total") { problems.append("counter without _total: \(where_)") }
    if family != currentFamily {
      if finishedFamilies.contains(family) { problems.append("family samples not together: \(where_)") }
      if let currentFamily { finishedFamilies.insert(currentFamily) }
      currentFamily = family
    }
    let key = metric + "{" + labels.sorted().joined(separator: ",") + "}"
    if seriesSeen.contains(key) { problems.append("duplicate series: \(where_)") }
    seriesSeen.insert(key)
  }
  return problems
}

@Suite("Output formats: Prometheus, Markdown, completions")
struct OutputFormatTests {
  func prometheus(_ path: String) -> String {
    let result = runCLI(["--format", "prometheus", path])
    #expect(result.status == 0, "\(result.err)")
    return result.out
  }

  @Test("Prometheus streamed in parts (1,000 locks and agents: more than a megabyte) is the rendering whole, families together")
  func prometheusStreamedInParts() throws {
    var lines: [String] = []
    for index in 0..<500 {
      let t = Double(index) * 0.001
      lines.append(line(t, "request", "agent-\(index)", "key:\(index)"))
      lines.append(line(t + 0.0002, "acquire", "agent-\(index)", "key:\(index)"))
      lines.append(line(t + 0.0005, "release", "agent-\(index)", "key:\(index)"))
    }
    let report = try analyze(lines.joined(separator: "\n") + "\n")
    for renderer in [PrometheusRenderer(), PrometheusRenderer(histograms: true)] {
      let sink = TextSink(capturingAsTerminal: false)
      try renderer.write(report, to: sink)
      let whole = renderer.render(report)
      #expect(whole.utf8.count > 1 << 20 || !renderer.histograms)
      #expect(sink.captured == whole)
      // Each family's HELP comes once, before all of its samples.
      let helps = whole.split(separator: "\n").filter { $0.hasPrefix("# HELP lockscope_lock_wait_seconds ") }
      #expect(helps.count == 1)
      #expect(prometheusProblems(whole) == [])
    }
  }

  @Test(
    "Prometheus output follows the exposition format, line by line, for every fixture and hostile names",
    arguments: [
      "serialized-workers.jsonl", "rwlock.jsonl", "semaphore.jsonl", "leases.jsonl", "timeouts.jsonl", "anomalies.jsonl",
      "timeline/postmortem.jsonl",
    ])
  func prometheusIsValid(_ name: String) {
    let text = prometheus(fixture(name))
    #expect(prometheusProblems(text) == [], "\(name)")
  }

  @Test("the checker itself rejects what the format forbids")
  func checkerCatchesMistakes() {
    #expect(prometheusProblems("# TYPE a_total counter\na_total 1\n") == [])
    #expect(!prometheusProblems("# TYPE a counter\na 1\n").isEmpty)  // counter without _total
    #expect(!prometheusProblems("a_total 1\n").isEmpty)  // no TYPE
    #expect(!prometheusProblems("# TYPE g gauge\ng{l=\"x\ny\"} 1\n").isEmpty)  // raw line feed
    #expect(!prometheusProblems("# TYPE g gauge\ng{l=\"x\"} 1\ng{l=\"x\"} 2\n").isEmpty)  // duplicate
    #expect(!prometheusProblems("# TYPE g gauge\n# TYPE h gauge\ng 1\nh 1\ng{a=\"b\"} 2\n").isEmpty)  // not together
    #expect(!prometheusProblems("# TYPE g gauge\ng one\n").isEmpty)
  }

  @Test("hostile lock and agent names become escaped label values, and the output stays valid")
  func prometheusHostileNames() {
    let text = prometheus(temporaryFile(hostileNamesLog))
    #expect(prometheusProblems(text) == [])
    #expect(text.contains(#"lockscope_lock_acquisitions_total{lock="db|users\\n\"quoted\" <script>&"} 2"#), "\(text)")
    #expect(text.contains(#"lockscope_agent_acquisitions_total{agent="line\nbreak [link](http://x)"} 1"#))
  }

  @Test("Prometheus values in base units match the hand-worked serialized-workers numbers")
  func prometheusValues() {
    let lines = Set(prometheus(fixture("serialized-workers.jsonl")).split(separator: "\n").map(String.init))
    // fixtures/README.md: waits 0,0,2,…,18,18 s: p50 8 s, p90 16 s, p95 18 s, sum 180 s, 20 samples.
    for expected in [
      #"lockscope_lock_wait_seconds{lock="llm:global",quantile="0.5"} 8"#,
      #"lockscope_lock_wait_seconds{lock="llm:global",quantile="0.9"} 16"#,
      #"lockscope_lock_wait_seconds{lock="llm:global",quantile="0.95"} 18"#, #"lockscope_lock_wait_seconds_sum{lock="llm:global"} 180"#,
      #"lockscope_lock_wait_seconds_count{lock="llm:global"} 20"#, #"lockscope_lock_hold_seconds_sum{lock="llm:global"} 40"#,
      #"lockscope_lock_contention_ratio{lock="llm:global"} 0.9"#, #"lockscope_lock_queue_length_mean{lock="llm:global"} 4.5"#,
      #"lockscope_lock_queue_length_max{lock="llm:global"} 9"#, #"lockscope_lock_utilization_ratio{lock="llm:global"} 1"#,
      #"lockscope_agent_caused_wait_seconds_total{agent="worker-00"} 36"#, #"lockscope_agent_wait_seconds_sum{agent="worker-09"} 36"#,
      "lockscope_events_total 60", "lockscope_span_seconds 40", #"lockscope_findings{kind="deadlock"} 0"#,
    ] {
      #expect(lines.contains(expected), "missing: \(expected)")
    }
  }

  @Test("markdown report and check read as a pull-request comment (golden files)")
  func markdownGolden() throws {
    try checkGolden(runCLI(["--format", "markdown", "--top", "3", "fixtures/timeline/postmortem.jsonl"]).out, "report-postmortem.md")
    let check = runCLI(["check", "--format", "markdown", "--slo", "fixtures/slo/ci-gate.slo", "fixtures/serialized-workers.jsonl"])
    #expect(check.status == 1)
    try checkGolden(check.out, "check-serialized.md")
  }

  @Test("markdown: a hostile name can neither break the table nor open a tag, a link or a code span")
  func markdownHostileNames() {
    let text = runCLI(["--format", "markdown", temporaryFile(hostileNamesLog)]).out
    for line in text.split(separator: "\n") where line.hasPrefix("| db") || line.hasPrefix("| a") || line.hasPrefix("| line") {
      // Unescaped pipes split cells: the row has as many as its header.
      let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
      #expect(cells == (line.hasPrefix("| db") ? 18 : 14), "\(line)")
    }
    #expect(
      text.contains(#"db\|users\\n"quoted" &lt;script&gt;&amp;"#) || text.contains(#"db\|users\\n"quoted" &lt;script\>&amp;"#), "\(text)")
    #expect(!text.contains("<script>") && !text.contains("[link](http"))
    #expect(text.contains("line break \\[link\\](http://x)"))
  }

  @Test("completion scripts for bash, zsh and fish (golden files), naming every option of each command")
  func completionsGolden() throws {
    for shell in ["bash", "zsh", "fish"] {
      let result = runCLI(["completions", shell])
      #expect(result.status == 0)
      try checkGolden(result.out, "completions.\(shell)")
      for spec in OptionTable.all { #expect(result.out.contains(spec.long), "\(shell) lacks --\(spec.long)") }
    }
    let wrong = runCLI(["completions", "tcsh"])
    #expect(wrong.status == 2 && wrong.err.hasPrefix("Error: completions takes one shell: bash, zsh, fish; not 'tcsh'."))
  }

  @Test("each completion script is valid for its shell (bash -n, zsh -n, fish -n; a shell not installed is skipped)")
  func completionsParse() throws {
    for shell in ["bash", "zsh", "fish"] {
      let path = "/usr/bin/\(shell)"
      guard FileManager.default.isExecutableFile(atPath: path) else { continue }
      let script = temporaryFile(runCLI(["completions", shell]).out, name: "completion.\(shell)")
      let process = Process()
      process.executableURL = URL(fileURLWithPath: path)
      process.arguments = ["-n", script]
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "\(shell) -n rejects the script")
    }
  }

  @Test("-f is watch's --follow only; elsewhere it is an unknown option")
  func shortFollow() {
    #expect(runCLI(["report", "-f", "x"]).err.hasPrefix("Error: Unknown option '-f'."))
  }

  @Test("a report with megabytes of findings goes out in parts that make one whole JSON report")
  func jsonFindingsInParts() throws {
    // Each pair of locks taken in both orders: a lock-order inversion of about 1.5 KB each.
    var lines: [String] = []
    var clock = 0.0
    for pair in 0..<900 {
      for (agent, first, second) in [("x", "a\(pair)", "b\(pair)"), ("y", "b\(pair)", "a\(pair)")] {
        for (event, lock) in [("acquire", first), ("acquire", second), ("release", second), ("release", first)] {
          clock += 0.0001
          lines.append(line(clock, event, agent, lock))
        }
      }
    }
    let report = try analyze(lines.joined(separator: "\n") + "\n")
    var parts: [[UInt8]] = []
    JSONReportRenderer().stream(report) { parts.append(Array($0)) }
    let whole = Data(parts.joined())
    #expect(whole.count > 2 * JSONReportRenderer.rowChunkBytes)
    #expect(parts.count >= 3)
    let json = try #require(try JSONSerialization.jsonObject(with: whole) as? [String: Any])
    let findings = try #require(json["findings"] as? [[String: Any]])
    #expect(findings.count == report.findings.count)
    #expect(findings.filter { $0["kind"] as? String == "lock-order-inversion" }.count == 900)
    #expect((json["locks"] as? [Any])?.count == 1800)
  }

  @Test("a JSON report goes out in parts of at most a megabyte, each ending on a whole character")
  func jsonPartsWholeCharacters() {
    var json = JSONWriter()
    json.beginArray()
    // Two- and four-byte characters, so part ends fall inside them at some offsets.
    for index in 0..<40_000 { json.string("é🔒 finding \(index) ") }
    json.endArray()
    var parts: [[UInt8]] = []
    JSONReportRenderer.emitParts(of: json, 0..<json.byteCount) { parts.append(Array($0)) }
    #expect(parts.count > 1)
    #expect(parts.allSatisfy { $0.count <= JSONReportRenderer.rowChunkBytes })
    #expect(parts.allSatisfy { String(validating: $0, as: UTF8.self) != nil })
    #expect(Array(parts.joined()) == json.bytes)
    var empty: [[UInt8]] = []
    JSONReportRenderer.emitParts(of: json, 5..<5) { empty.append(Array($0)) }
    #expect(empty == [[]])
  }
}
