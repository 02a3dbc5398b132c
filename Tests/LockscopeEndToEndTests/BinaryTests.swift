import Foundation
import Testing

/// The built `lockscope` binary, next to this test bundle.
let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
  .appendingPathComponent("lockscope").path

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// This test process's temporary files, under one directory that goes when the process
/// exits: every run used to leave a directory or file per test behind in the system's.
let scratchDirectory: URL = {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockscope-e2e-\(getpid())")
  try? FileManager.default.removeItem(at: directory)  // a reused pid's, from a run that was killed
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  atexit { removeScratchDirectory() }
  return directory
}()

private func removeScratchDirectory() { try? FileManager.default.removeItem(at: scratchDirectory) }

/// Runs a shell pipeline with `$LOCKSCOPE` set to the binary; returns status, stdout, stderr.
func shell(_ script: String, input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/bash")
  process.arguments = ["-o", "pipefail", "-c", script]
  process.environment = ["LOCKSCOPE": binary, "PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
  process.currentDirectoryURL = root
  let out = Pipe()
  let err = Pipe()
  let stdin = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = stdin
  try process.run()
  if let input { stdin.fileHandleForWriting.write(input) }
  try stdin.fileHandleForWriting.close()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

let sampleLog = """
  {"ts":"2026-11-22T10:00:00Z","event":"acquire","agent":"a","lock":"L"}
  {"ts":"2026-11-22T10:00:01Z","event":"request","agent":"b","lock":"L"}
  {"ts":"2026-11-22T10:00:02Z","event":"release","agent":"a","lock":"L"}
  {"ts":"2026-11-22T10:00:02Z","event":"acquire","agent":"b","lock":"L"}
  {"ts":"2026-11-22T10:00:03Z","event":"release","agent":"b","lock":"L"}

  """

@Suite("The built binary", .serialized)
struct BinaryTests {
  @Test("the binary exists next to the test bundle")
  func exists() {
    #expect(FileManager.default.isExecutableFile(atPath: binary), "\(binary)")
  }

  /// 3000 agents each taking their own lock: outputs far longer than a pipe buffer.
  func manyAgentsLog() throws -> String {
    var log = ""
    for i in 0..<3000 {
      log += #"{"ts":\#(1_795_341_600 + i),"event":"acquire","agent":"agent-\#(i)","lock":"lock-\#(i)"}"# + "\n"
    }
    let path = scratchDirectory.path + "/lockscope-e2e-\(UUID().uuidString).jsonl"
    try log.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("a closed pipe ends it quietly: `lockscope … | head -1` prints no crash text")
  func brokenPipe() throws {
    // A report far longer than a pipe buffer, so lockscope is still writing when head exits.
    let path = try manyAgentsLog()
    let result = try shell(#""$LOCKSCOPE" --format json --top 0 "\#(path)" | head -1; echo "status=${PIPESTATUS[0]}""#)
    #expect(result.out.hasPrefix("{\n"))
    #expect(result.out.contains("status=0"))
    #expect(result.err.isEmpty, "\(result.err)")
  }

  @Test("a closed pipe stops a streaming timeline quietly, and leaves check's verdict (exit 1) standing")
  func brokenPipeTimelineAndCheck() throws {
    let path = try manyAgentsLog()
    let timeline = try shell(#""$LOCKSCOPE" timeline --format chrome "\#(path)" | head -1; echo "status=${PIPESTATUS[0]}""#)
    #expect(timeline.out.hasPrefix("{\"displayTimeUnit\""))
    #expect(timeline.out.contains("status=0"))
    #expect(timeline.err.isEmpty, "\(timeline.err)")
    // 3000 failing agents: a JUnit report far longer than a pipe buffer.
    let check = try shell(
      #""$LOCKSCOPE" check --format junit --top 0 --rule 'agent:* attempts > 5' "\#(path)" | head -1; echo "status=${PIPESTATUS[0]}""#)
    #expect(check.out.contains("status=1"))
    #expect(check.err.isEmpty, "\(check.err)")
  }

  @Test("standard input is read with no file or with '-'")
  func standardInput() throws {
    let implicit = try shell(#""$LOCKSCOPE" --format json"#, input: Data(sampleLog.utf8))
    #expect(implicit.status == 0)
    #expect(implicit.out.contains("\"events\": 5"))
    let dash = try shell(#""$LOCKSCOPE" report --format json -"#, input: Data(sampleLog.utf8))
    #expect(dash.out == implicit.out.replacingOccurrences(of: "<stdin>", with: "<stdin>"))
    #expect(dash.out.contains("\"<stdin>\""))
  }

  @Test("the hot-lock remedy's predicted gain comes from one reading: standard input gets the file's")
  func hotLockRemedyOnStandardInput() throws {
    let file = try shell(#""$LOCKSCOPE" report --format json fixtures/serialized-workers.jsonl"#)
    let piped = try shell(#"cat fixtures/serialized-workers.jsonl | "$LOCKSCOPE" report --format json -"#)
    #expect(file.status == 0 && piped.status == 0, "\(piped.err)")
    let remedy = { (json: String) in json.split(separator: "\n").filter { $0.contains("\"remedy\"") || $0.contains("\"predicted_") } }
    #expect(remedy(piped.out).contains { $0.contains("Capping the holds of 'llm:global' at 200ms") }, "\(piped.out)")
    #expect(remedy(piped.out) == remedy(file.out))
  }

  @Test("binary garbage is skipped line by line, never a crash")
  func garbage() throws {
    var bytes = [UInt8]()
    var state: UInt64 = 42
    for _ in 0..<200_000 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      bytes.append(UInt8(truncatingIfNeeded: state >> 56))
    }
    var input = Data(sampleLog.utf8)
    input.append(contentsOf: bytes)
    input.append(contentsOf: Array("\n".utf8))
    input.append(contentsOf: Array(sampleLog.utf8))
    let reportPath = scratchDirectory.path + "/garbage.json"
    let result = try shell(#""$LOCKSCOPE" --format json > "\#(reportPath)"; echo "status=$?""#, input: input)
    #expect(result.out.contains("status=0"))
    let report = try String(contentsOfFile: reportPath, encoding: .utf8)
    #expect(report.contains("\"events\": 10"))
    #expect(!result.err.contains("Fatal") && !result.err.contains("crashed"))
  }

  @Test("exit status 2 and one line for a missing file")
  func missingFile() throws {
    let result = try shell(#""$LOCKSCOPE" /nonexistent.jsonl"#)
    #expect(result.status == 2)
    #expect(result.err == "lockscope: cannot read '/nonexistent.jsonl': No such file or directory\n")
  }

  @Test("the README's quick-start command works on the bundled fixture")
  func quickStart() throws {
    let result = try shell(#""$LOCKSCOPE" report fixtures/serialized-workers.jsonl"#)
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out.contains("llm:global"))
  }

  @Test("diff as a CI gate: exit 1 when wait.p95 got worse by more than 10%, 0 when it got better; standard input on one side")
  func diffGate() throws {
    let worse = try shell(#""$LOCKSCOPE" diff --fail-on-regression 10 fixtures/fine-grained.jsonl fixtures/serialized-workers.jsonl"#)
    #expect(worse.status == 1, "\(worse.err)")
    #expect(worse.out.contains("REGRESSION: wait.p95"))
    let better = try shell(
      #"cat fixtures/fine-grained.jsonl | "$LOCKSCOPE" diff --fail-on-regression 10 fixtures/serialized-workers.jsonl -"#)
    #expect(better.status == 0, "\(better.err)")
    #expect(better.out.contains("ok: wait.p95 -99.5% overall"))
  }
}
