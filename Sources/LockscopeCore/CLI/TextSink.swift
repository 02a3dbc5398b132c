import Foundation

/// Where the CLI writes: a file descriptor (buffered, with a closed pipe noticed), or
/// memory for tests.
public final class TextSink {
  /// The reader went away (`lockscope … | head`): stop quietly.
  public struct BrokenPipe: Error {}

  private let fd: Int32?
  private var buffer: [UInt8] = []
  /// Everything written, for a memory sink.
  public private(set) var captured = ""
  public let isTerminal: Bool
  public private(set) var isBroken = false

  public init(fd: Int32) {
    self.fd = fd
    isTerminal = isatty(fd) == 1
  }

  /// A sink that keeps what is written (tests), pretending to be a terminal or not.
  public init(capturingAsTerminal isTerminal: Bool = false) {
    fd = nil
    self.isTerminal = isTerminal
  }

  public func write(_ text: String) throws(BrokenPipe) {
    guard fd != nil else {
      captured += text
      return
    }
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { try flush() }
  }

  public func flush() throws(BrokenPipe) {
    guard let fd, !buffer.isEmpty else { return }
    if isBroken { throw BrokenPipe() }
    var offset = 0
    let total = buffer.count
    let failed: Bool = buffer.withUnsafeBytes { bytes in
      while offset < total {
        let n = Foundation.write(fd, bytes.baseAddress! + offset, total - offset)  // non-empty: checked
        if n < 0 {
          if errno == EINTR { continue }
          return true
        }
        offset += n
      }
      return false
    }
    buffer.removeAll(keepingCapacity: true)
    if failed {
      isBroken = true
      throw BrokenPipe()
    }
  }
}

/// The CLI's view of the process: its output streams, environment and terminal.
public struct ConsoleIO {
  public var out: TextSink
  public var err: TextSink
  public var environment: [String: String]
  public var stdinIsTerminal: Bool

  public init(out: TextSink, err: TextSink, environment: [String: String], stdinIsTerminal: Bool) {
    self.out = out
    self.err = err
    self.environment = environment
    self.stdinIsTerminal = stdinIsTerminal
  }

  /// The same process with its messages silenced (a second pass must not repeat them).
  static func quiet(_ io: ConsoleIO) -> ConsoleIO {
    ConsoleIO(out: io.out, err: TextSink(capturingAsTerminal: false), environment: io.environment, stdinIsTerminal: false)
  }

  /// The real process: fds 1 and 2, with SIGPIPE ignored so a closed pipe is an error
  /// code to handle quietly rather than a signal.
  public static func standard() -> ConsoleIO {
    signal(SIGPIPE, SIG_IGN)
    return ConsoleIO(
      out: TextSink(fd: STDOUT_FILENO), err: TextSink(fd: STDERR_FILENO),
      environment: ProcessInfo.processInfo.environment, stdinIsTerminal: isatty(STDIN_FILENO) == 1)
  }
}
