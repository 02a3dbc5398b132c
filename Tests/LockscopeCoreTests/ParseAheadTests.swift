import Foundation
import Testing

@testable import LockscopeCore

/// `--threads 2` parses on a second thread, `--threads 3` also counts the statistics on a
/// third: whatever the input, every byte of output, every warning and the exit status must
/// be those of `--threads 1`.
@Suite("Two and three threads")
struct ParseAheadTests {
  /// Runs `arguments` once per thread count and expects the same status, output and errors.
  func expectSameOnEveryThreadCount(_ arguments: [String], _ comment: String) {
    let one = runCLI(arguments + ["--threads", "1"])
    for threads in ["2", "3"] {
      let more = runCLI(arguments + ["--threads", threads])
      #expect(one.status == more.status, "status differs on \(threads) threads: \(comment)")
      #expect(one.out == more.out, "output differs on \(threads) threads: \(comment)")
      #expect(one.err == more.err, "errors differ on \(threads) threads: \(comment)")
    }
  }

  /// Every log under fixtures/ (lock event lines, compressed ones, and the OTLP files read as
  /// lines, which makes them bad lines).
  static let fixtureLogs: [String] = {
    let root = repositoryRoot.appendingPathComponent("fixtures")
    let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
    return files.filter { ["jsonl", "gz", "log", "compressed"].contains($0.pathExtension) }.map(\.path).sorted()
  }()

  @Test("every fixture gives the same JSON report, text report and warnings on one, two and three threads")
  func fixtures() {
    #expect(Self.fixtureLogs.count > 50)
    for path in Self.fixtureLogs {
      expectSameOnEveryThreadCount(["report", "--format", "json", path], path)
      expectSameOnEveryThreadCount(["report", path], path)
    }
  }

  @Test("--strict stops at the same bad line, and the timeline (trace ids in flight) is the same")
  func strictAndTimeline() {
    expectSameOnEveryThreadCount(["report", "--strict", fixture("malformed.jsonl")], "strict")
    for path in Self.fixtureLogs.prefix(30) {
      expectSameOnEveryThreadCount(["timeline", "--format", "json", path], "timeline json \(path)")
      expectSameOnEveryThreadCount(["timeline", path], "timeline text \(path)")
    }
  }

  @Test("several inputs merged by time give the same report")
  func mergedInputs() {
    let merge = Self.fixtureLogs.filter { $0.contains("/merge/") }
    #expect(merge.count >= 2)
    expectSameOnEveryThreadCount(["report", "--format", "json"] + merge, "merge")
    expectSameOnEveryThreadCount(["report", "--format", "json", fixture("leases.jsonl"), fixture("rwlock.jsonl")], "two files")
  }

  /// Logs long enough to span many batches, with names first seen late, bad lines (whose
  /// names must be forgotten on both sides), escaped names, and events out of order.
  @Test("generated logs across many batches give byte-identical reports", arguments: [1, 2, 3])
  func generated(seed: UInt64) {
    var random = SplitMix(seed: seed)
    var lines: [String] = []
    var time = 1.0
    for index in 0..<12_000 {
      time += Double(random.below(1000)) / 1e5
      let agent = "w\(random.below(40 + index / 100))"
      let lock = random.below(7) == 0 ? "q\\/jobs-\(random.below(30))" : "L\(random.below(50 + index / 50))"
      let jitter = random.below(20) == 0 ? -Double(random.below(50)) / 1000 : 0
      switch random.below(40) {
      case 0: lines.append("{\"ts\":\"bad\",\"event\":\"acquire\",\"agent\":\"ghost\(index)\",\"lock\":\"gone\(index)\"}")
      case 1: lines.append("{\"agent\":\"nameless\(index)\",\"lock\":\"x\(index)\",\"event\":\"release\"")
      case 2: lines.append(line(time + jitter, "crash", agent))
      default:
        lines.append(line(time + jitter, "acquire", agent, lock))
        lines.append(line(time + jitter + 0.0005, "release", agent, lock))
      }
    }
    let path = temporaryFile(lines.joined(separator: "\n") + "\n")
    expectSameOnEveryThreadCount(["report", "--format", "json", path], "seed \(seed)")
    expectSameOnEveryThreadCount(["report", "--format", "json", "--reorder-window", "0", "--lock", "L1*", path], "seed \(seed), filters")
    expectSameOnEveryThreadCount(["check", path], "check, seed \(seed)")
    // The statistics thread is handed whether each agent is selected and each hold's
    // expected length, both decided beside the timeline.
    expectSameOnEveryThreadCount(
      ["report", "--format", "json", "--agent", "w1*", "--expect-hold", "L*=400us", "--since", "2026-11-22T10:00:20Z", path],
      "seed \(seed), agents")
  }

  /// One thread parses `AnalysisOptions.parsedAtATime` events before it applies them: the
  /// report, the warnings and a `--strict` failure must be those of event by event (1), for
  /// batch sizes that end mid-log, on every line, and past its end.
  @Test("one thread parsing a batch ahead gives the report, warnings and failures of event by event")
  func batchedOnOneThread() throws {
    var random = SplitMix(seed: 7)
    var lines: [String] = []
    var time = 1.0
    for index in 0..<3_000 {
      time += Double(random.below(1000)) / 1e5
      let agent = "w\(random.below(30))"
      let lock = "L\(random.below(40 + index / 100))"
      if random.below(50) == 0 { lines.append("{\"ts\":\"bad\",\"event\":\"acquire\",\"agent\":\"a\",\"lock\":\"b\(index)\"}") }
      lines.append(line(time, "acquire", agent, lock))
      lines.append(line(time + 0.0005, "release", agent, lock))
    }
    let generated = temporaryFile(lines.joined(separator: "\n") + "\n")
    func run(_ path: String, size: Int, strict: Bool = false) -> (json: String?, warnings: [String], failure: String?) {
      var options = AnalysisOptions()
      options.threads = 1
      options.parsedAtATime = size
      options.strict = strict
      var warnings: [String] = []
      do {
        let report = try LogAnalysis.run(paths: [path], options: options) { warnings.append($0) }
        return (JSONReportRenderer().render(report), warnings, nil)
      } catch {
        return (nil, warnings, error.message)
      }
    }
    let paths = [generated] + Self.fixtureLogs.filter { !$0.contains("/merge/") }
    for path in paths {
      let one = run(path, size: 1)
      #expect(one.json != nil || one.failure != nil, "\(path)")
      for size in [7, 1024, 100_000] {
        let batched = run(path, size: size)
        #expect(batched.json == one.json, "report differs, \(size) at a time: \(path)")
        #expect(batched.warnings == one.warnings, "warnings differ, \(size) at a time: \(path)")
        #expect(batched.failure == one.failure, "failure differs, \(size) at a time: \(path)")
      }
    }
    // --strict fails at the first bad line: the same message, whatever was parsed ahead.
    let strictOne = run(generated, size: 1, strict: true)
    #expect(strictOne.failure != nil)
    for size in [7, 1024] { #expect(run(generated, size: size, strict: true).failure == strictOne.failure, "strict, \(size)") }
  }

  @Test("--threads with a bad value exits 2 with one line")
  func badValue() {
    for value in ["0", "-1", "two", "1.5", "٢"] {
      let result = runCLI(["report", "--threads", value, fixture("leases.jsonl")])
      #expect(result.status == 2, "--threads \(value)")
      #expect(result.err.contains("--threads takes a whole number"), "--threads \(value)")
    }
  }
}
