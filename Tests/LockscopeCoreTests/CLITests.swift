import Foundation
import Testing

@testable import LockscopeCore

/// Runs the CLI in-process with captured output.
func runCLI(_ arguments: [String], terminal: Bool = false, environment: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
  let io = ConsoleIO(
    out: TextSink(capturingAsTerminal: terminal), err: TextSink(capturingAsTerminal: false),
    environment: environment, stdinIsTerminal: false)
  let status = LockscopeCLI.run(arguments, io: io)
  return (status, io.out.captured, io.err.captured)
}

@Suite("Command line")
struct CLITests {

  @Test("--help for each subcommand and at the top level match their golden files")
  func help() throws {
    let report = runCLI(["report", "--help"])
    #expect(report.status == 0 && report.err.isEmpty)
    try checkGolden(report.out, "help-report.txt")
    let check = runCLI(["check", "--help"])
    #expect(check.status == 0 && check.err.isEmpty)
    try checkGolden(check.out, "help-check.txt")
    let timeline = runCLI(["timeline", "--help"])
    #expect(timeline.status == 0 && timeline.err.isEmpty)
    try checkGolden(timeline.out, "help-timeline.txt")
    let watch = runCLI(["watch", "--help"])
    #expect(watch.status == 0 && watch.err.isEmpty)
    try checkGolden(watch.out, "help-watch.txt")
    let whatif = runCLI(["whatif", "--help"])
    #expect(whatif.status == 0 && whatif.err.isEmpty)
    try checkGolden(whatif.out, "help-whatif.txt")
    let diff = runCLI(["diff", "--help"])
    #expect(diff.status == 0 && diff.err.isEmpty)
    try checkGolden(diff.out, "help-diff.txt")
    let completions = runCLI(["completions", "--help"])
    #expect(completions.status == 0 && completions.err.isEmpty)
    try checkGolden(completions.out, "help-completions.txt")
    let top = runCLI(["--help"])
    try checkGolden(top.out, "help-top.txt")
    #expect(runCLI(["-h"]).out == top.out)
    #expect(runCLI(["help", "report"]).out == report.out)
    #expect(runCLI(["help", "check"]).out == check.out)
  }

  @Test("help lines fit in 80 columns and every option of a subcommand is in its help", arguments: Command.allCases)
  func helpShape(command: Command) {
    let help = runCLI([command.rawValue, "--help"]).out
    for line in help.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
    for spec in OptionTable.all where spec.commands.contains(command) {
      #expect(help.contains("--\(spec.long)"), "--\(spec.long) missing from \(command) help")
    }
  }

  @Test("check --help lists every SLO metric")
  func checkHelpMetrics() {
    let help = runCLI(["check", "--help"]).out
    for metric in SLOMetric.all {
      let parts = metric.name.split(separator: ".")
      let listed = help.contains(metric.name) || (parts.count == 2 && help.contains("\(parts[0]).{") && help.contains(String(parts[1])))
      #expect(listed, "\(metric.name) missing from check --help")
    }
  }

  @Test("an option of another subcommand is named as such")
  func optionOfOtherCommand() {
    let result = runCLI(["report", "--slo", "x.slo"])
    #expect(result.status == 2)
    #expect(result.err.hasPrefix("Error: Option '--slo' belongs to 'lockscope check', not 'report'.\n"))
  }

  @Test("the man page documents every option of the option table")
  func manPage() throws {
    let man = try String(contentsOf: repositoryRoot.appendingPathComponent("man/lockscope.1"), encoding: .utf8)
    for spec in OptionTable.all {
      // Every hyphen escaped, so it renders as a hyphen-minus: \-\-long\-hold.
      let escaped = "\\-\\-" + spec.long.replacingOccurrences(of: "-", with: "\\-")
      #expect(man.contains(escaped), "man/lockscope.1 does not mention \(escaped)")
    }
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "INPUT FORMAT", "EXIT STATUS", "EXAMPLES"] {
      #expect(man.contains(".SH \(section)") || man.contains(".SH \"\(section)\""), "no \(section) section")
    }
  }

  @Test("--version prints the version")
  func version() {
    #expect(runCLI(["--version"]) == (0, "lockscope \(LockscopeCLI.version)\n", ""))
  }

  @Test(
    "usage errors exit 2 with Error, Usage and a pointer to --help",
    arguments: [
      (["--frmat", "json"], "Error: Unknown option '--frmat'. Did you mean '--format'?"),
      (["--format"], "Error: Missing value for '--format <format>'."),
      (["--format", "xml"], "Error: Unknown format 'xml'; expected one of: text, json, markdown, prometheus, summary."),
      (["--top", "-1"], "Error: --top takes a whole number >= 0, not '-1'."),
      (["--since", "noon"], "Error: --since takes an RFC 3339 time or an epoch number, not 'noon'."),
      (["--field", "ts"], "Error: --field takes NAME=OTHER, not 'ts'."),
      (["--field", "when=t"], "Error: Unknown field 'when' in --field"),
      (["--event", "grab=x"], "Error: Unknown event kind 'grab' in --event"),
      (["--time-unit", "min"], "Error: Unknown time unit 'min'"),
      (["--strict=yes"], "Error: Option '--strict' takes no value."),
      (["-x"], "Error: Unknown option '-x'."),
    ])
  func usageErrors(arguments: [String], message: String) {
    let result = runCLI(arguments)
    #expect(result.status == 2)
    #expect(result.out.isEmpty)
    #expect(result.err.hasPrefix(message), "\(result.err)")
    #expect(result.err.contains("Usage: lockscope report [<options>] [<file> ...]\n  See 'lockscope report --help' for more information.\n"))
  }

  @Test("an unreadable input exits 2 with one line, before any output")
  func unreadable() {
    let good = temporaryFile(line(0, "acquire", "a", "L"))
    let result = runCLI([good, "/nonexistent/log.jsonl"])
    #expect(result == (2, "", "lockscope: cannot read '/nonexistent/log.jsonl': No such file or directory\n"))
    #expect(runCLI(["/tmp"]) == (2, "", "lockscope: cannot read '/tmp': Is a directory\n"))
  }

  @Test("bad lines are reported on stderr as FILE:LINE: reason, the first 10 only, and all counted")
  func skippedLines() throws {
    let log = ([line(0, "acquire", "a", "L")] + Array(repeating: "oops", count: 12)).joined(separator: "\n")
    let path = temporaryFile(log)
    let result = runCLI(["--format", "json", path])
    #expect(result.status == 0)
    let lines = result.err.split(separator: "\n")
    #expect(lines.count == 10)
    #expect(lines.first == "\(path):2: not a JSON object (column 1)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let summary = try #require(json["summary"] as? [String: Any])
    #expect(summary["skipped_lines"] as? Int == 12 && summary["events"] as? Int == 1)
  }

  @Test("--strict makes the first bad line an error, exit 2")
  func strict() {
    let path = temporaryFile([line(0, "acquire", "a", "L"), "{\"ts\":1}", "oops"].joined(separator: "\n"))
    let result = runCLI(["--strict", path])
    #expect(result.status == 2 && result.out.isEmpty)
    #expect(result.err == "lockscope: \(path):2: missing field \"event\" (--strict)\n")
  }

  @Test("the JSON report has every key of SPEC §5")
  func jsonShape() throws {
    let result = runCLI(["--format", "json", temporaryFile(TimelineTests.handoff)])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let summary = try #require(json["summary"] as? [String: Any])
    for key in ["events", "skipped_lines", "first_ts", "last_ts", "locks", "agents"] { #expect(summary[key] != nil, "summary.\(key)") }
    #expect(summary["first_ts"] as? String == "2026-11-22T10:00:00.000000000Z")
    let metricKeys = [
      "attempts", "acquisitions", "timeouts", "wait", "hold", "contention_rate", "timeout_rate", "queue_max",
      "queue_mean", "utilization", "wait_share", "caused_wait_ns",
    ]
    let statKeys = ["count", "mean_ns", "p50_ns", "p90_ns", "p95_ns", "p99_ns", "max_ns"]
    let overall = try #require(json["overall"] as? [String: Any])
    let locks = try #require(json["locks"] as? [[String: Any]])
    let agents = try #require(json["agents"] as? [[String: Any]])
    for row in [overall] + locks + agents {
      for key in metricKeys { #expect(row[key] != nil, "missing \(key)") }
      for stats in ["wait", "hold"] {
        let object = try #require(row[stats] as? [String: Any])
        for key in statKeys { #expect(object[key] is Int, "\(stats).\(key)") }
      }
    }
    #expect(locks.map { $0["lock"] as? String } == ["L", "M"])
    #expect(agents.map { $0["agent"] as? String } == ["c", "b", "a"])
    #expect(json["findings"] is [Any])
  }

  @Test("anomalies appear as findings with kind, severity, locks, agents, ts, source and message")
  func anomalyFinding() throws {
    let path = temporaryFile(line(3, "release", "ghost", "L"))
    let result = runCLI(["--format", "json", path])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    let finding = try #require((json["findings"] as? [[String: Any]])?.first)
    #expect(finding["kind"] as? String == "anomaly")
    #expect(finding["severity"] as? String == "warning")
    #expect(finding["anomaly"] as? String == "release-by-non-holder")
    #expect(finding["locks"] as? [String] == ["L"] && finding["agents"] as? [String] == ["ghost"])
    #expect(finding["ts"] as? String == "2026-11-22T10:00:03.000000000Z")
    #expect(finding["source"] as? String == "\(path):1")
    #expect(finding["message"] as? String == "'ghost' released 'L', which it did not hold.")
  }

  @Test("colour only on a terminal, never with NO_COLOR, and as --color says")
  func colour() {
    let path = temporaryFile(TimelineTests.handoff)
    let escape = "\u{1B}["
    #expect(!runCLI([path]).out.contains(escape))
    #expect(runCLI([path], terminal: true).out.contains(escape))
    #expect(!runCLI([path], terminal: true, environment: ["NO_COLOR": "1"]).out.contains(escape))
    #expect(runCLI(["--color", "always", path]).out.contains(escape))
    #expect(!runCLI(["--color", "never", path], terminal: true).out.contains(escape))
  }

  @Test("the text report: header, overall line, tables by total wait, --top")
  func textReport() throws {
    let result = runCLI(["--top", "1", temporaryFile(TimelineTests.handoff)])
    #expect(result.status == 0)
    let text = result.out
    #expect(text.contains("  events   10\n"))
    #expect(text.contains("  span     2026-11-22T10:00:00Z … 2026-11-22T10:00:10Z  (10.0s)\n"))
    #expect(text.contains("LOCKS by total wait (top 1 of 2)"))
    #expect(text.contains("AGENTS by total wait (top 1 of 3)"))
    let lockRow = try #require(text.split(separator: "\n").first { $0.hasPrefix("L ") })
    #expect(lockRow.contains("66.7%") && lockRow.contains("3.00s") && lockRow.contains("7.00s") && lockRow.contains("70.0%"))
  }

  @Test("an empty log reports no events instead of failing")
  func emptyLog() {
    let result = runCLI([temporaryFile("")])
    #expect(result.status == 0)
    #expect(result.out.contains("No events to analyse."))
  }
}
