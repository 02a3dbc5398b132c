import Foundation
import Testing

/// Issue 13, item 8: output to a full disk exited 0 with truncated JSON. Any write error is
/// exit status 2 with one line on stderr; a closed pipe stays a quiet stop (BinaryTests).
@Suite("Write errors", .serialized)
struct WriteErrorTests {
  let full = "lockscope: cannot write output: No space left on device\n"

  func log() throws -> String {
    let path = scratchDirectory.path + "/lockscope-e2e-\(UUID().uuidString).jsonl"
    try sampleLog.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("report to /dev/full exits 2 with one line, in every format")
  func reportToFullDisk() throws {
    let path = try log()
    for format in ["text", "json", "markdown", "prometheus"] {
      let result = try shell(#""$LOCKSCOPE" report --format \#(format) "\#(path)" > /dev/full"#)
      #expect(result.status == 2, "\(format)")
      #expect(result.err == full, "\(format): \(result.err)")
    }
  }

  @Test("check to /dev/full exits 2, not its verdict")
  func checkToFullDisk() throws {
    let path = try log()
    for rule in ["deadlocks == 0", "attempts > 5"] {
      let result = try shell(#""$LOCKSCOPE" check --format junit --rule '\#(rule)' "\#(path)" > /dev/full"#)
      #expect(result.status == 2, "\(rule)")
      #expect(result.err == full, "\(rule): \(result.err)")
    }
  }

  @Test("streaming timeline, Gantt chart, whatif, watch, help and completions to /dev/full exit 2")
  func otherCommandsToFullDisk() throws {
    let path = try log()
    for command in [
      "timeline --format chrome", "timeline --format json", "timeline", "timeline --gantt", "whatif --lock L --hold-scale 0.5",
      "watch", "watch --format json",
    ] {
      let result = try shell(#""$LOCKSCOPE" \#(command) "\#(path)" > /dev/full"#)
      #expect(result.status == 2, "\(command)")
      #expect(result.err == full, "\(command): \(result.err)")
    }
    for command in ["--help", "--version", "completions bash"] {
      let result = try shell(#""$LOCKSCOPE" \#(command) > /dev/full"#)
      #expect(result.status == 2, "\(command)")
      #expect(result.err == full, "\(command): \(result.err)")
    }
  }

  @Test("a closed standard output (EBADF) is a write error too")
  func closedStandardOutput() throws {
    let path = try log()
    let result = try shell(#""$LOCKSCOPE" report "\#(path)" >&-"#)
    #expect(result.status == 2)
    #expect(result.err.hasPrefix("lockscope: cannot write output: "), "\(result.err)")
  }
}
