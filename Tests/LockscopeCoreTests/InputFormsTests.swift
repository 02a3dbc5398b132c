import Foundation
import Testing

@testable import LockscopeCore

/// The logs people already have (issue 16, SPEC §1): each form read from its fixture in
/// fixtures/input/ (expected values worked out by hand in fixtures/input/README.md), and
/// the mistakes users make with them.
@Suite("Input forms")
struct InputFormsTests {
  let epoch: Int64 = 1_795_946_400 * 1_000_000_000  // 2026-11-29T10:00:00Z

  // MARK: quoted epochs

  @Test("an epoch number in a string (ClickHouse, BigQuery) reads like the number, by magnitude")
  func quotedEpoch() throws {
    let report = try LogAnalysis.run(paths: [fixture("input/quoted-epoch.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.summary.events == 5 && report.summary.skippedLines == 0)
    #expect(report.summary.firstTime == epoch)
    #expect(report.summary.lastTime == epoch + 500 * millisecond)  // "1795946400.5": seconds
    #expect(report.agent("b")?.wait.max == 200 * millisecond)
    #expect(report.lock("db")?.hold.max == 300 * millisecond)
  }

  @Test("a quoted epoch follows --time-unit; a quoted non-number is still an unreadable timestamp")
  func quotedEpochUnitAndMistakes() throws {
    var map = FieldMap()
    map.timeUnit = .seconds
    guard case .success(let event?) = parseLine(#"{"ts":"1795946400","event":"acquire","agent":"a","lock":"L"}"#, fieldMap: map)
    else { Issue.record("not read"); return }
    #expect(event.time == epoch)
    #expect(parseError(#"{"ts":"17959464OO","event":"acquire","agent":"a","lock":"L"}"#)?.hasPrefix("unreadable timestamp") == true)
    #expect(parseError(#"{"ts":"1795946400 ","event":"acquire","agent":"a","lock":"L"}"#)?.hasPrefix("unreadable timestamp") == true)
    #expect(parseError(#"{"ts":"","event":"acquire","agent":"a","lock":"L"}"#)?.hasPrefix("unreadable timestamp") == true)
  }

  // MARK: timestamps without an offset

  @Test("timestamps without offset (isoformat, logging's comma) are read in --timezone; the report says so")
  func noOffsetInZone() throws {
    let report = try LogAnalysis.run(paths: [fixture("input/no-offset.jsonl")], options: {
      var options = AnalysisOptions()
      options.fieldMap.timeZone = try #require(AssumedZone.named("Europe/Paris"))
      return options
    }()) { _ in }
    #expect(report.summary.events == 5 && report.summary.skippedLines == 0)
    #expect(report.summary.firstTime == epoch)  // 11:00 in Paris (UTC+1 in November)
    #expect(report.agent("b")?.wait.max == 750 * millisecond)
    #expect(report.lock("db")?.hold.max == 1000 * millisecond)
    #expect(report.anomalyCounts.isEmpty)
    #expect(report.summary.assumedTimeZone == "Europe/Paris")
    let json = JSONReportRenderer().render(report)
    #expect(json.contains(#""assumed_timezone": "Europe/Paris""#))
    let text = TextReportRenderer(style: .plain, top: 10).render(report)
    #expect(text.contains("timezone timestamps without an offset read in Europe/Paris (--timezone)"))
  }

  @Test("with no timezone given, offset-less times are UTC; a log with offsets has no assumed_timezone key")
  func defaultUTCAndNoKeyWhenUnused() throws {
    let report = try analyze(#"{"ts":"2026-11-29T10:00:00","event":"acquire","agent":"a","lock":"L"}"#)
    #expect(report.summary.firstTime == epoch && report.summary.assumedTimeZone == "UTC")
    let plain = try analyze(line(0, "acquire", "a", "L"))
    #expect(plain.summary.assumedTimeZone == nil)
    #expect(!JSONReportRenderer().render(plain).contains("assumed_timezone"))
  }

  @Test("an IANA zone follows daylight saving: summer, winter, and both sides of the spring change")
  func daylightSaving() throws {
    var paris = try #require(AssumedZone.named("Europe/Paris"))
    func wall(_ text: String) throws -> Int64 {
      var bytes = Array(text.utf8)
      bytes.append(0)
      return try #require(bytes.withUnsafeBufferPointer { Timestamp.dateTime(UnsafeBufferPointer(rebasing: $0.dropLast())) }).nanos
    }
    func utc(_ text: String) -> Int64 { Timestamp.parse(text, unit: nil) ?? 0 }
    #expect(paris.utc(fromWall: try wall("2026-07-01T12:00:00")) == utc("2026-07-01T10:00:00Z"))
    #expect(paris.utc(fromWall: try wall("2026-11-29T12:00:00")) == utc("2026-11-29T11:00:00Z"))
    #expect(paris.utc(fromWall: try wall("2026-03-29T01:30:00")) == utc("2026-03-29T00:30:00Z"))
    #expect(paris.utc(fromWall: try wall("2026-03-29T03:30:00")) == utc("2026-03-29T01:30:00Z"))
    var fixed = try #require(AssumedZone.named("-05:30"))
    #expect(fixed.utc(fromWall: try wall("2026-11-29T04:30:00")) == epoch)
  }

  @Test("a bad --timezone is a usage error (exit 2) with a did-you-mean")
  func badTimezone() {
    let result = runCLI(["report", "--timezone", "Europe/Pariss", fixture("input/no-offset.jsonl")])
    #expect(result.status == 2 && result.out.isEmpty)
    #expect(result.err.hasPrefix("Error: Unknown time zone 'Europe/Pariss' for --timezone"), "\(result.err)")
    #expect(result.err.contains("Did you mean 'Europe/Paris'?"))
    #expect(runCLI(["report", "--timezone", "+25:00", fixture("input/no-offset.jsonl")]).status == 2)
    #expect(runCLI(["report", "--timezone", "EST", fixture("input/no-offset.jsonl")]).status == 2)
  }

  // MARK: --strip-prefix

  @Test("--strip-prefix reads each line from its first '{'; a line with no '{' is skipped with its reason")
  func stripPrefix() throws {
    var warnings: [String] = []
    var options = AnalysisOptions()
    options.fieldMap.stripPrefix = true
    let path = fixture("input/logging-prefix.log")
    let report = try LogAnalysis.run(paths: [path], options: options) { warnings.append($0) }
    #expect(report.summary.events == 5 && report.summary.skippedLines == 1)
    #expect(warnings == ["\(path):3: no '{' on the line: nothing to read after the prefix (--strip-prefix)"])
    #expect(report.agent("b")?.wait.max == 300 * millisecond)
  }

  @Test("without --strip-prefix a prefixed log has no event: report says why and exits 2")
  func prefixWithoutOption() {
    let result = runCLI(["report", fixture("input/logging-prefix.log")])
    #expect(result.status == 2 && result.out.isEmpty)
    #expect(result.err.contains("lockscope: no events read: all 6 lines were skipped (the first: "), "\(result.err)")
    #expect(result.err.contains("not a JSON object (column 1)"))
  }

  // MARK: gzip by magic bytes

  @Test("gzip is recognised by its magic bytes whatever the file's name")
  func gzipByMagic() throws {
    let packed = try LogAnalysis.run(paths: [fixture("input/quoted-epoch.compressed")], options: AnalysisOptions()) { _ in }
    let plain = try LogAnalysis.run(paths: [fixture("input/quoted-epoch.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(packed.summary.events == 5)
    #expect(packed.agent("b")?.wait == plain.agent("b")?.wait)
  }

  @Test("a plain-text file named .gz is read as the text it is")
  func plainTextNamedGz() throws {
    let report = try LogAnalysis.run(paths: [temporaryFile(line(0, "acquire", "a", "L") + "\n", name: "plain.jsonl.gz")], options: AnalysisOptions()) { _ in }
    #expect(report.summary.events == 1)
  }

  // MARK: the remap hint

  @Test("when most lines lack required fields the error names their keys and the --field remaps to try")
  func remapHint() {
    let result = runCLI(["report", fixture("input/remap-keys.jsonl")])
    #expect(result.status == 2)
    #expect(result.err.contains("5 lines lack \"ts\"/\"event\"/\"agent\"/\"lock\"; their keys are: timestamp, action, worker, resource."), "\(result.err)")
    #expect(result.err.contains("Did you mean --field ts=timestamp --field event=action --field agent=worker --field lock=resource?"))
    let fixed = runCLI([
      "report", "--field", "ts=timestamp", "--field", "event=action", "--field", "agent=worker", "--field", "lock=resource",
      fixture("input/remap-keys.jsonl"),
    ])
    #expect(fixed.status == 0 && fixed.out.contains("events   5"))
  }

  @Test("check with no events fails and says why; most lines skipped is said loudly in the summary")
  func mostLinesSkipped() throws {
    let check = runCLI(["check", fixture("input/remap-keys.jsonl")])
    #expect(check.status != 0)
    #expect(check.err.contains("no events read") && check.err.contains("--field ts=timestamp"))
    let log = [line(0, "acquire", "a", "L"), #"{"time":"x","type":"acquire"}"#, #"{"time":"y","type":"release"}"#].joined(separator: "\n")
    let mixed = runCLI(["report", "--color", "never", temporaryFile(log)])
    #expect(mixed.status == 0)
    #expect(mixed.out.contains("WARNING  most lines were skipped: 2 of 3 lines could not be read as events"), "\(mixed.out)")
    #expect(mixed.out.contains("--field ts=time --field event=type"))
  }

  // MARK: the default reorder window

  @Test("the default 100 ms window puts interleaved writers' lines back in order silently")
  func defaultWindow() throws {
    let report = try LogAnalysis.run(paths: [fixture("input/interleaved.jsonl")], options: AnalysisOptions()) { _ in }
    #expect(report.anomalyCounts.isEmpty)
    #expect(report.summary.outOfOrder.isEmpty)
    #expect(report.agent("b")?.wait.max == 190 * millisecond)
    var off = AnalysisOptions()
    off.reorderWindow = 0
    let unordered = try LogAnalysis.run(paths: [fixture("input/interleaved.jsonl")], options: off) { _ in }
    #expect(unordered.anomalyCounts.map(\.kind.rawValue) == ["clock-backwards"])
    #expect(unordered.summary.outOfOrder.first?.events == 1 && unordered.summary.outOfOrder.first?.worstSkew == 20 * millisecond)
  }

  @Test("reorder window: an event later than the window stays a back-in-time anomaly (issue 13 item 9)")
  func reorderWindowReordersEventsLaterThanTheWindow() throws {
    let log = [line(0, "acquire", "a", "L"), line(2, "release", "a", "L"), line(1, "request", "b", "L"), line(3, "acquire", "b", "L")]
    let report = try analyze(log.joined(separator: "\n")) { $0.reorderWindow = millisecond }
    #expect(report.anomalyCounts.map(\.kind.rawValue) == ["clock-backwards"])
    #expect(report.summary.outOfOrder.first?.events == 1 && report.summary.outOfOrder.first?.worstSkew == second)
    let wide = try analyze(log.joined(separator: "\n")) { $0.reorderWindow = 2 * second }
    #expect(wide.anomalyCounts.isEmpty && wide.agent("b")?.wait.max == 2 * second)
  }

  @Test("the window holds at most its limit of events; past it the earliest go out, and a later straggler is an anomaly")
  func reorderLimit() throws {
    var lines = (0..<10).map { line(Double($0) * 0.001, "acquire", "a\($0)", "L\($0)") }
    lines.append(line(0.0005, "acquire", "z", "Z"))
    let report = try analyze(lines.joined(separator: "\n")) { $0.reorderLimit = 4 }
    #expect(report.anomalyCounts.map(\.kind.rawValue) == ["clock-backwards"])
    let roomy = try analyze(lines.joined(separator: "\n"))
    #expect(roomy.anomalyCounts.isEmpty)
  }

  // MARK: line length cap

  @Test("--max-line: one cap whatever the source; a 1.5 MB line that came in one read is skipped too")
  func oneLineCap() throws {
    let long = #"{"ts":"2026-11-29T10:00:00Z","event":"acquire","agent":"a","lock":"L","pad":""# + String(repeating: "x", count: 1_500_000) + "\"}"
    let log = long + "\n" + line(1, "acquire", "b", "M") + "\n"
    var warnings: [String] = []
    let report = try LogAnalysis.run(paths: [temporaryFile(log)], options: AnalysisOptions()) { warnings.append($0) }
    #expect(report.summary.events == 1 && report.summary.skippedLines == 1)
    #expect(warnings.first?.hasSuffix(":1: line of \(long.utf8.count) bytes is longer than the limit of 1048576 bytes") == true, "\(warnings)")
    let bigger = try analyze(log) { $0.maximumLineLength = 4 << 20 }
    #expect(bigger.summary.events == 2)
    #expect(ByteSize.parse("4M") == 4 << 20 && ByteSize.parse("512K") == 512 << 10 && ByteSize.parse("100000") == 100_000)
    #expect(ByteSize.parse("4X") == nil && ByteSize.parse("") == nil && ByteSize.parse("-1") == nil)
    #expect(runCLI(["report", "--max-line", "lots", fixture("input/quoted-epoch.jsonl")]).status == 2)
  }

  // MARK: commands

  @Test("an unknown command is an error with a did-you-mean; a bare file name is still a log to read")
  func unknownCommand() {
    let typo = runCLI(["repot", "x.jsonl"])
    #expect(typo.status == 2)
    #expect(typo.err.hasPrefix("Error: unknown command 'repot'. Did you mean 'report'?\n"), "\(typo.err)")
    let word = runCLI(["frobnicate"])
    #expect(word.status == 2 && word.err.hasPrefix("Error: unknown command 'frobnicate'."))
    let missingFile = runCLI(["nosuch.jsonl"])
    #expect(missingFile.status == 2 && missingFile.err.contains("cannot read 'nosuch.jsonl'"))
    let file = runCLI([fixture("input/quoted-epoch.jsonl")])
    #expect(file.status == 0)
    let help = runCLI(["help", "nosuch"])
    #expect(help.status == 2 && help.err.hasPrefix("Error: unknown command 'nosuch'."))
    #expect(runCLI(["help", "watch"]).status == 0)
  }
}
