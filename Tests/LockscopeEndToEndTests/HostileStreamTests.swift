import Foundation
import Testing

@Suite("Hostile streams through the built binary", .serialized)
struct HostileStreamTests {
  @Test("a 100 MB single line is skipped with its length, in bounded memory, and the lines around it count")
  func hundredMegabyteLine() throws {
    let out = scratchDirectory.path + "/lockscope-e2e-longline-\(UUID().uuidString)"
    // The line streams from the generator; lockscope never sees it on disk or whole. Its
    // peak memory (VmHWM) is sampled from /proc while it runs: rusage cannot tell it apart
    // from the test runner's, which a spawned child inherits until exec.
    let script = """
      { echo '{"ts":1,"event":"acquire","agent":"a","lock":"L"}'
        head -c 100000000 /dev/zero | tr '\\0' 'x'; echo
        echo '{"ts":2,"event":"release","agent":"a","lock":"L"}'
      } | "$LOCKSCOPE" --format json - > \(out).json 2> \(out).err &
      pid=$!; peak=0
      while kill -0 $pid 2>/dev/null; do
        hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
        if [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ]; then peak=$hwm; fi
        sleep 0.005
      done
      wait $pid; echo "status=$? peak_kb=$peak"
      """
    let result = try shell(script)
    let fields = result.out.split(separator: " ").map { $0.split(separator: "=") }
    let status = fields.first { $0.first == "status" }.flatMap { Int($0.last!) }
    let peak =
      (fields.first { $0.first == "peak_kb" }.flatMap { Int($0.last!.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0) * 1024
    #expect(peak > 0, "no sample of lockscope's memory: \(result.out)")
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
