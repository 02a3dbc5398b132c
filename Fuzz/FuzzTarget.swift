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
  do {
    let report = try LogAnalysis.run(paths: [path], options: options) { _ in }
    _ = JSONReportRenderer().render(report)
    _ = TextReportRenderer(style: .plain, top: 0).render(report)
  } catch {
    // Input errors are expected; crashes are what the fuzzer looks for.
  }
  return 0
}
