import Foundation
import Testing

@testable import LockscopeCore

/// Repository root, for fixtures and the man page.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

func fixture(_ name: String) -> String { repositoryRoot.appendingPathComponent("fixtures/\(name)").path }

/// This test process's temporary files, under one directory that goes when the process
/// exits: every run used to leave a directory or file per test behind in the system's.
let scratchDirectory: URL = {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockscope-tests-\(getpid())")
  try? FileManager.default.removeItem(at: directory)  // a reused pid's, from a run that was killed
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  atexit { removeScratchDirectory() }
  return directory
}()

private func removeScratchDirectory() { try? FileManager.default.removeItem(at: scratchDirectory) }

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "log.jsonl") -> String {
  temporaryFile(bytes: Array(text.utf8), name: name)
}

func temporaryFile(bytes: [UInt8], name: String = "log.jsonl") -> String {
  let directory = scratchDirectory.appendingPathComponent(UUID().uuidString)
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  let url = directory.appendingPathComponent(name)
  _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
  return url.path
}

/// Runs the whole pipeline on an inline log.
func analyze(_ log: String, _ configure: (inout AnalysisOptions) -> Void = { _ in }) throws -> Report {
  var options = AnalysisOptions()
  configure(&options)
  return try LogAnalysis.run(paths: [temporaryFile(log)], options: options) { _ in }
}

/// Parses one line with a fresh parser.
func parseLine(_ line: String, fieldMap: FieldMap = FieldMap(), parser: EventParser? = nil) -> Result<LockEvent?, LineError> {
  let parser = parser ?? EventParser(fieldMap: fieldMap)
  var bytes = Array(line.utf8)
  let count = bytes.count
  bytes.append(0)
  return bytes.withUnsafeBufferPointer { buffer in
    Result { () throws(LineError) -> LockEvent? in
      try parser.parse(UnsafeBufferPointer(rebasing: buffer[0..<count]), source: SourceLocation(input: 0, line: 1))
    }
  }
}

func parseError(_ line: String) -> String? {
  if case .failure(let error) = parseLine(line) { return error.reason.description }
  return nil
}

extension Report {
  func lock(_ name: String) -> MetricsRow? { locks.first { $0.name == name } }
  func agent(_ name: String) -> MetricsRow? { agents.first { $0.name == name } }
}

let second: Int64 = 1_000_000_000
let millisecond: Int64 = 1_000_000

/// `2026-11-22T10:00:SS.fffZ` for seconds after 10:00:00, so inline logs stay readable.
func at(_ seconds: Double) -> String {
  let whole = Int(seconds)
  let millis = Int(((seconds - Double(whole)) * 1000).rounded())
  let minute = whole / 60
  let sec = whole % 60
  return String(format: "2026-11-22T10:%02d:%02d.%03dZ", minute, sec, millis)
}

/// One log line.
func line(_ seconds: Double, _ event: String, _ agent: String, _ lock: String? = nil, extra: String = "") -> String {
  var text = "{\"ts\":\"\(at(seconds))\",\"event\":\"\(event)\",\"agent\":\"\(agent)\""
  if let lock { text += ",\"lock\":\"\(lock)\"" }
  return text + extra + "}"
}

/// Nanoseconds of `at(0)`.
let t0: Int64 = Timestamp.parse("2026-11-22T10:00:00Z", unit: nil)!

/// Compares `text` with a golden file in Tests/LockscopeCoreTests/Golden;
/// `LOCKSCOPE_RECORD_GOLDEN=1 swift test` re-records on purpose (then read the diff).
func checkGolden(_ text: String, _ name: String) throws {
  let url = repositoryRoot.appendingPathComponent("Tests/LockscopeCoreTests/Golden/\(name)")
  if ProcessInfo.processInfo.environment["LOCKSCOPE_RECORD_GOLDEN"] == "1" {
    try text.write(to: url, atomically: true, encoding: .utf8)
    return
  }
  let expected = try String(contentsOf: url, encoding: .utf8)
  #expect(text == expected, "differs from Golden/\(name); re-record with LOCKSCOPE_RECORD_GOLDEN=1 if intended")
}

/// A small deterministic generator for tests (SplitMix64), so random tests repeat exactly.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension SplitMix {
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A JSON string as RFC 8259 writes it, one byte at a time: quotes, backslash, C0 and DEL
/// escaped; everything else, UTF-8 beyond ASCII included, as it is. The slow reference
/// the writers' fast paths are checked against.
func jsonQuotedByHand(_ bytes: some Sequence<UInt8>) -> [UInt8] {
  var out: [UInt8] = [0x22]
  for byte in bytes {
    switch byte {
    case 0x22: out += [0x5C, 0x22]
    case 0x5C: out += [0x5C, 0x5C]
    case 0x0A: out += [0x5C, UInt8(ascii: "n")]
    case 0x0D: out += [0x5C, UInt8(ascii: "r")]
    case 0x09: out += [0x5C, UInt8(ascii: "t")]
    case 0..<0x20, 0x7F: out += Array(("\\u" + hex(UInt16(byte), width: 4)).utf8)
    default: out.append(byte)
    }
  }
  return out + [0x22]
}
