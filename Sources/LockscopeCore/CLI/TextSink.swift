import Foundation

/// Where the CLI writes: a file descriptor (buffered, its write errors recorded), or memory
/// for tests. Every output of every command goes through one of these, so one check at the
/// end (`writeFailure`) covers them all.
final class TextSink {
  /// Writing stopped: the reader went away (`lockscope … | head`, stop quietly) or the
  /// output failed (`writeFailure` says why; the CLI exits 2).
  struct Stopped: Error {}

  private let fd: Int32?
  private var buffer: [UInt8] = []
  /// Everything written, for a memory sink.
  private(set) var captured = ""
  let isTerminal: Bool
  /// Nothing more can be written: the pipe closed or a write failed.
  private(set) var isBroken = false
  /// The `errno` of a write that failed for a reason other than a closed pipe (`ENOSPC`,
  /// `EIO`, `EBADF`, …): the output is incomplete and the exit status must say so.
  private(set) var writeFailure: Int32?

  init(fd: Int32) {
    self.fd = fd
    isTerminal = isatty(fd) == 1
  }

  /// A sink that keeps what is written (tests), pretending to be a terminal or not.
  init(capturingAsTerminal isTerminal: Bool = false) {
    fd = nil
    self.isTerminal = isTerminal
  }

  func write(_ text: String) throws(Stopped) {
    guard fd != nil else {
      captured += text
      return
    }
    if isBroken { throw Stopped() }
    var text = text
    try stop(on: text.withUTF8 { put(UnsafeRawBufferPointer($0)) })
  }

  /// UTF-8 text already as bytes (the JSON report): a large one goes straight to the file
  /// descriptor, not through a copy in the buffer.
  func write(bytes: [UInt8]) throws(Stopped) {
    try bytes.withUnsafeBufferPointer { (buffer) throws(Stopped) in try write(bytes: buffer) }
  }

  /// Bytes lent from a writer's buffer (the JSON report's parts), written without a copy.
  func write(bytes: UnsafeBufferPointer<UInt8>) throws(Stopped) {
    guard fd != nil else {
      captured += String(decoding: bytes, as: UTF8.self)
      return
    }
    if isBroken { throw Stopped() }
    try stop(on: put(UnsafeRawBufferPointer(bytes)))
  }

  func flush() throws(Stopped) {
    if isBroken { throw Stopped() }
    guard fd != nil else { return }
    try stop(on: drain())
  }

  private static let bufferSize = 1 << 16

  /// Small writes gather in the buffer; a large one is written through. The `errno` of a
  /// failed write, or nil.
  private func put(_ bytes: UnsafeRawBufferPointer) -> Int32? {
    if bytes.count < TextSink.bufferSize {
      buffer.append(contentsOf: bytes)
      return buffer.count >= TextSink.bufferSize ? drain() : nil
    }
    return drain() ?? writeThrough(bytes)
  }

  private func drain() -> Int32? {
    guard !buffer.isEmpty else { return nil }
    defer { buffer.removeAll(keepingCapacity: true) }
    return buffer.withUnsafeBytes { writeThrough($0) }
  }

  /// All of `bytes` to the file descriptor, retrying interrupted writes; the `errno` of a
  /// failed write, or nil.
  private func writeThrough(_ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard let fd, let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
      let n = Foundation.write(fd, base + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        return errno
      }
      offset += n
    }
    return nil
  }

  /// A failed write stops all output: quietly for a closed pipe, recorded otherwise.
  private func stop(on error: Int32?) throws(Stopped) {
    guard let error else { return }
    isBroken = true
    if error != EPIPE { writeFailure = error }
    throw Stopped()
  }

  /// `cannot write output: No space left on device`, when a write failed (not for a
  /// closed pipe, which is a quiet stop).
  var failureMessage: String? {
    writeFailure.map { "cannot write output: \(String(cString: strerror($0)))" }
  }
}

/// The CLI's view of the process: its output streams, environment and terminal.
public struct ConsoleIO {
  var out: TextSink
  var err: TextSink
  var environment: [String: String]
  var stdinIsTerminal: Bool
  /// The process exits when the command returns (the real one, not a test's): what a
  /// command built can be left to the exit instead of freed (`ProcessLifetime`).
  var endsWithProcess = false

  init(out: TextSink, err: TextSink, environment: [String: String], stdinIsTerminal: Bool) {
    self.out = out
    self.err = err
    self.environment = environment
    self.stdinIsTerminal = stdinIsTerminal
  }

  /// The same process with its messages silenced (options prepared a second time, for the
  /// hot-lock replay, must not repeat their warnings).
  static func quiet(_ io: ConsoleIO) -> ConsoleIO {
    var quiet = ConsoleIO(out: io.out, err: TextSink(capturingAsTerminal: false), environment: io.environment, stdinIsTerminal: false)
    quiet.endsWithProcess = io.endsWithProcess
    return quiet
  }

  /// The real process: fds 1 and 2, with SIGPIPE ignored so a closed pipe is an error
  /// code to handle quietly rather than a signal.
  public static func standard() -> ConsoleIO {
    signal(SIGPIPE, SIG_IGN)
    var io = ConsoleIO(
      out: TextSink(fd: STDOUT_FILENO), err: TextSink(fd: STDERR_FILENO),
      environment: ProcessInfo.processInfo.environment, stdinIsTerminal: isatty(STDIN_FILENO) == 1)
    io.endsWithProcess = true
    return io
  }
}
