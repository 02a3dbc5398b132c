import Foundation
import Testing

@testable import LockscopeCore

/// Issue 13, item 8: a write error (a full disk) was taken for a closed pipe and the run
/// exited 0 with its output cut short. The sink tells them apart; `run` exits 2 on the first.
@Suite("Write errors")
struct WriteErrorTests {
  @Test("output to /dev/full: the sink records ENOSPC and run() exits 2 with one line")
  func fullDiskIsAnError() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let log = temporaryFile([line(0, "acquire", "a", "L"), line(1, "release", "a", "L")].joined(separator: "\n"))
    let io = ConsoleIO(out: TextSink(fd: fd), err: TextSink(capturingAsTerminal: false), environment: [:], stdinIsTerminal: false)
    let status = LockscopeCLI.run(["report", "--format", "json", log], io: io)
    #expect(status == 2)
    #expect(io.out.writeFailure == ENOSPC)
    #expect(io.err.captured == "lockscope: cannot write output: No space left on device\n")
  }

  @Test("a reader that closed the pipe is a quiet stop, not a write failure")
  func closedPipeIsQuiet() throws {
    var fds: [Int32] = [0, 0]
    try #require(pipe(&fds) == 0)
    close(fds[0])
    defer { close(fds[1]) }
    signal(SIGPIPE, SIG_IGN)
    let sink = TextSink(fd: fds[1])
    try? sink.write("hello\n")
    #expect(throws: TextSink.Stopped.self) { try sink.flush() }
    #expect(sink.isBroken)
    #expect(sink.writeFailure == nil)
    #expect(sink.failureMessage == nil)
  }

  @Test("a large write goes through after what is buffered, in order, and an error in it is recorded")
  func largeWritesKeepOrder() throws {
    let path = temporaryFile("")
    let fd = open(path, O_WRONLY | O_TRUNC)
    try #require(fd >= 0)
    let sink = TextSink(fd: fd)
    let large = [UInt8](repeating: UInt8(ascii: "x"), count: 200_000)
    try sink.write("head\n")
    try sink.write(bytes: large)
    try sink.write(String(repeating: "y", count: 100_000))
    try sink.write("tail\n")
    try sink.flush()
    close(fd)
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(written == "head\n" + String(repeating: "x", count: 200_000) + String(repeating: "y", count: 100_000) + "tail\n")

    let full = open("/dev/full", O_WRONLY)
    try #require(full >= 0)
    defer { close(full) }
    let failing = TextSink(fd: full)
    #expect(throws: TextSink.Stopped.self) { try failing.write(bytes: large) }
    #expect(failing.writeFailure == ENOSPC)
  }
}
