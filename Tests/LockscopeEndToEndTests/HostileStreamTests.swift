import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs `script` under bash and returns its exit status and the peak resident memory of the
/// process tree in bytes (wait4 reports the largest of the child and what it waited for).
func peakMemory(of script: String) throws -> (status: Int32, peakBytes: Int) {
  var pid: pid_t = 0
  let arguments = ["/bin/bash", "-o", "pipefail", "-c", script]
  let variables = ["LOCKSCOPE=\(binary)", "PATH=/usr/bin:/bin", "NO_COLOR=1"]
  var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
  defer { for pointer in environment { free(pointer) } }
  let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, &environment)
  guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
  var status: Int32 = 0
  var usage = rusage()
  while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
  return ((status >> 8) & 0xFF, usage.ru_maxrss * 1024)  // ru_maxrss is in KiB on Linux
}

@Suite("Hostile streams through the built binary", .serialized)
struct HostileStreamTests {
  @Test("a 100 MB single line is skipped with its length, in bounded memory, and the lines around it count")
  func hundredMegabyteLine() throws {
    let out = NSTemporaryDirectory() + "lockscope-e2e-longline-\(UUID().uuidString)"
    // The line streams from the generator; lockscope never sees it on disk or whole.
    let script = """
      { echo '{"ts":1,"event":"acquire","agent":"a","lock":"L"}'
        head -c 100000000 /dev/zero | tr '\\0' 'x'; echo
        echo '{"ts":2,"event":"release","agent":"a","lock":"L"}'
      } | "$LOCKSCOPE" --format json - > \(out).json 2> \(out).err
      """
    let (status, peak) = try peakMemory(of: script)
    #expect(status == 0)
    let report = try String(contentsOfFile: out + ".json", encoding: .utf8)
    let errors = try String(contentsOfFile: out + ".err", encoding: .utf8)
    #expect(report.contains("\"events\": 2"))
    #expect(report.contains("\"skipped_lines\": 1"))
    #expect(errors.contains("<stdin>:2: line of 100000000 bytes is longer than the limit of 1048576 bytes"), "\(errors)")
    // Reading the line whole would need more than 100 MB; the reader keeps at most its
    // line limit (1 MiB) and its blocks.
    #expect(peak < 64 << 20, "peak RSS \(peak >> 20) MB")
  }

  @Test("standard input closed before lockscope starts: exit 2 and one line")
  func standardInputClosed() throws {
    let result = try shell(#""$LOCKSCOPE" - <&-"#)
    #expect(result.status == 2)
    #expect(result.err == "lockscope: cannot read '<stdin>': Bad file descriptor\n")
    #expect(result.out.isEmpty)
  }

  @Test("a writer that dies mid-line: what it wrote is analysed, its cut-off line counted")
  func writerDiesMidLine() throws {
    // The subshell writes one good line and half of another, then kills itself.
    let result = try shell(
      #"""
      ( echo '{"ts":1,"event":"acquire","agent":"a","lock":"L"}'; printf '{"ts":2,"event":"rel'; kill -9 $BASHPID ) \
        | "$LOCKSCOPE" --format json -; echo "status=${PIPESTATUS[1]}"
      """#)
    #expect(result.out.contains("status=0"))
    #expect(result.out.contains("\"events\": 1"))
    #expect(result.out.contains("\"skipped_lines\": 1"))
    #expect(result.err.contains("<stdin>:2: "), "\(result.err)")
  }
}
