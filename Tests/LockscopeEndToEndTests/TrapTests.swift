import Foundation
import Testing

/// Issue 13, item 6, through the binary: a trap is a signal (status > 128), never an answer.
@Suite("Traps on option values, end to end", .serialized)
struct TrapTests {
  let centuries = """
    {"ts":"1900-01-01T00:00:00Z","event":"acquire","agent":"a","lock":"L"}
    {"ts":"1900-01-01T00:00:01Z","event":"request","agent":"b","lock":"L"}
    {"ts":"2099-12-31T00:00:00Z","event":"release","agent":"a","lock":"L"}
    {"ts":"2099-12-31T00:00:00Z","event":"acquire","agent":"b","lock":"L"}
    {"ts":"2099-12-31T00:00:01Z","event":"release","agent":"b","lock":"L"}

    """

  @Test("whatif --hold-scale 1e9 / 5e9 / 2 on centuries, --reorder-window and --around --window near 1,949,000h: no trap")
  func noTrapOnOptionValues() throws {
    let path = scratchDirectory.path + "/lockscope-e2e-\(UUID().uuidString).jsonl"
    try centuries.write(toFile: path, atomically: true, encoding: .utf8)
    let sample = scratchDirectory.path + "/lockscope-e2e-\(UUID().uuidString).jsonl"
    try sampleLog.write(toFile: sample, atomically: true, encoding: .utf8)
    for (command, expected) in [
      ("whatif --lock L --hold-scale 1e9 '\(sample)'", Int32(0)), ("whatif --lock L --hold-scale 5e9 '\(sample)'", 2),
      ("whatif --lock L --hold-scale 2 '\(path)'", 2), ("report --reorder-window 1949000h '\(path)'", 0),
      ("timeline --around 1900-01-01T00:00:00Z --window 1949000h '\(path)'", 0),
      ("report --long-hold 99999999999999h '\(path)'", 2),
    ] {
      let result = try shell(#""$LOCKSCOPE" \#(command) > /dev/null"#)
      #expect(result.status == expected, "\(command): \(result.err)")
      #expect(!result.err.contains("Fatal error") && !result.err.contains("Backtrace"), "\(command)")
    }
  }
}
