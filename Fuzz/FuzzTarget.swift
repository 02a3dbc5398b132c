// libFuzzer entry point: the parser and the state machine on arbitrary bytes.
// Built by Scripts/fuzz.sh together with the LockscopeCore sources (not a package target:
// SwiftPM cannot pass -sanitize=fuzzer to one target only).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // The first byte picks options, so the fuzzer also explores remapping and the filters.
  var options = AnalysisOptions()
  options.shownSkippedLines = 0
  if let first = bytes.first {
    if first & 1 != 0 { options.fieldMap.timeUnit = .milliseconds }
    if first & 2 != 0 { options.lockGlobs = [Glob("*a*")] }
    if first & 4 != 0 { options.agentGlobs = [Glob("[a-m]*")] }
    if first & 8 != 0 { options.since = 1_000_000_000_000_000_000 }
    if first & 16 != 0 { options.findings.enabled = false }
    // Spans (--from otlp) for the OTLP seeds, or when the top bit says so ('{' lacks it).
    if first & 128 != 0 || Data(bytes).range(of: Data("resourceSpans".utf8)) != nil { options.inputFormat = .otlp }
  }
  // Through a file, as a log arrives: the reader's block boundaries are part of what is tested.
  let path = "/dev/shm/lockscope-fuzz-\(getpid()).jsonl"
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { return 0 }
  _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, size) }
  close(fd)
  // A first byte of 0x01 (never the start of a log line; Scripts/fuzz.sh seeds it): the
  // whole command line instead, one of `commandLines` picked by the second byte, so every
  // command and the option values that once trapped (issue 13) meet arbitrary logs.
  if bytes.count > 1, bytes[0] == 0x01 {
    let io = ConsoleIO(out: TextSink(capturingAsTerminal: false), err: TextSink(), environment: [:], stdinIsTerminal: false)
    _ = LockscopeCLI.run(commandLines[Int(bytes[1]) % commandLines.count] + [path], io: io)
    return 0
  }
  // A first byte of 0x02: the rest is a fleet summary (SPEC §7), read, merged with itself
  // and rendered in every format: summaries come from other machines.
  if bytes.count > 1, bytes[0] == 0x02 {
    if let summary = try? SummaryReader.read(Array(bytes.dropFirst()), name: "fuzz") {
      let report = SummaryMerge.merge([summary, summary], names: ["a", "b"]).report
      for format in ReportFormat.allCases { _ = format.renderer(style: .plain, top: 0).render(report) }
      _ = PrometheusRenderer(histograms: true).render(report)
    }
    return 0
  }
  do {
    let report = try LogAnalysis.run(paths: [path], options: options) { _ in }
    _ = JSONReportRenderer().render(report)
    _ = TextReportRenderer(style: .plain, top: 0).render(report)
  } catch {
    // Input errors are expected; crashes are what the fuzzer looks for.
  }
  return 0
}

/// Command lines for the fuzzer: each command, and option values at the edges of what can be
/// represented (whatif scales, windows of centuries, durations past Int64, empty windows).
let commandLines: [[String]] = [
  ["report"], ["report", "--format", "json"], ["report", "--format", "markdown"], ["report", "--format", "prometheus"],
  ["check"], ["check", "--format", "junit", "--rule", "agent:* wait.p99 < 1e3ms"], ["check", "--format", "github", "--rule", "lock:* hold.p99 < 1ms"],
  ["timeline"], ["timeline", "--gantt"], ["timeline", "--format", "chrome"], ["timeline", "--format", "json"],
  ["whatif", "--lock", "*", "--hold-scale", "0.5"], ["whatif", "--lock", "*", "--hold-scale", "1e9"],
  ["whatif", "--lock", "*", "--hold-scale", "5e9"], ["whatif", "--lock", "*", "--hold-scale", "2"],
  ["whatif", "--lock", "*", "--hold-cap", "1ns"], ["whatif", "--lock", "*", "--shard", "3"], ["whatif", "--lock", "*", "--shared-reads"],
  ["report", "--reorder-window", "1949000h"], ["report", "--reorder-window", "1s"], ["report", "--reorder-window", "2562047h"],
  ["timeline", "--around", "1900-01-01T00:00:00Z", "--window", "1949000h"], ["timeline", "--gantt", "--around", "2099-12-31T00:00:00Z", "--window", "2562047h"],
  ["report", "--since", "-9223372036854775808", "--until", "9223372036854775807"], ["report", "--long-hold", "1ns", "--orphan-after", "2562047h"],
  ["report", "--time-unit", "ns", "--event", "acquire=release", "--event", "release=acquire"],
]
