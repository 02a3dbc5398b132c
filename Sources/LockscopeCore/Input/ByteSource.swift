import Foundation

/// A file descriptor read in large blocks: a named file, or standard input for `-`.
/// Subclasses change how bytes arrive (a followed file, a live pipe) behind the same `read`.
class ByteSource {
  /// As shown in messages: the path, or `<stdin>`.
  let name: String
  /// The path as given (`-` for standard input).
  let path: String
  var fd: Int32
  private let ownsDescriptor: Bool
  /// Whether the descriptor opened at init is closed by this class (subclasses that open
  /// others close those themselves).
  var ownsInitialDescriptor: Bool { ownsDescriptor }
  /// Bumped when the bytes start over from a new file (a followed file rotated or
  /// truncated): line numbers restart with it.
  var generation = 0

  /// Told the size of every block read (large files on a terminal).
  var progress: ReadProgress?

  /// What `read` returns when a live source has no bytes yet but is not at its end.
  static let noDataYet = -1

  /// Opens `path` (`-` is standard input). Fails with a one-line reason for a missing,
  /// unreadable or non-regular input such as a directory.
  init(path: String) throws(InputError) {
    self.path = path
    if path == "-" {
      name = "<stdin>"
      fd = STDIN_FILENO
      ownsDescriptor = false
      return
    }
    name = path
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw InputError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
    var info = stat()
    if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
      close(descriptor)
      throw InputError("cannot read '\(path)': Is a directory")
    }
    fd = descriptor
    ownsDescriptor = true
  }

  /// The source for `path`: inflated through zlib when its first bytes are gzip's magic
  /// number (1f 8b), whatever its name, standard input included.
  static func opening(_ path: String) throws(InputError) -> ByteSource {
    let source = try ByteSource(path: path)
    return try source.startsWithGzipMagic() ? try GzipSource(compressed: source) : source
  }

  /// Bytes read ahead to recognise the format, handed out first by `read`.
  private var peeked: [UInt8] = []

  /// Whether the input begins with 1f 8b. Reads at most two bytes, which `read` then
  /// returns as if they had not been read (a pipe cannot be rewound).
  func startsWithGzipMagic() throws(InputError) -> Bool {
    var byte: UInt8 = 0
    while peeked.count < 2 {
      let n = try readDescriptor(into: &byte, count: 1)
      guard n == 1 else { break }
      peeked.append(byte)
      if peeked[0] != 0x1F { break }
    }
    return peeked == [0x1F, 0x8B]
  }

  /// Wraps an open descriptor (tests, pipes).
  init(descriptor: Int32, name: String, ownsDescriptor: Bool) {
    self.fd = descriptor
    self.name = name
    self.path = name
    self.ownsDescriptor = ownsDescriptor
  }

  deinit {
    if ownsDescriptor { close(fd) }
  }

  /// Reads up to `count` bytes; 0 at the end of the input (`noDataYet` from live sources).
  func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputError) -> Int {
    if !peeked.isEmpty && count > 0 {
      let n = min(count, peeked.count)
      for i in 0..<n { buffer[i] = peeked[i] }
      peeked.removeFirst(n)
      return n
    }
    return try readDescriptor(into: buffer, count: count)
  }

  /// One `read(2)` of the descriptor, retried on EINTR.
  private func readDescriptor(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputError) -> Int {
    while true {
      let n = Foundation.read(fd, buffer, count)
      if n >= 0 {
        progress?.advance(by: n)
        return n
      }
      if errno == EINTR { continue }
      throw InputError("cannot read '\(name)': \(String(cString: strerror(errno)))")
    }
  }

  /// The whole of a small text file (an SLO or suppression file), with the same one-line
  /// errors as a log. Not for logs: those are streamed.
  static func readText(_ path: String) throws(InputError) -> String {
    String(decoding: try readBytes(path, from: ByteSource(path: path)), as: UTF8.self)
  }

  /// The whole of a summary file (`lockscope merge`), gzip or not, up to `limit` bytes.
  static func readBytes(_ path: String, limit: Int = 1 << 31) throws(InputError) -> [UInt8] {
    try readBytes(path, from: opening(path), limit: limit)
  }

  private static func readBytes(_ path: String, from source: ByteSource, limit: Int = 1 << 31) throws(InputError) -> [UInt8] {
    var bytes: [UInt8] = []
    var block = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = try block.withUnsafeMutableBufferPointer { buffer throws(InputError) in
        try source.read(into: buffer.baseAddress!, count: buffer.count)
      }
      if n == 0 { break }
      bytes += block[0..<n]
      guard bytes.count <= limit else { throw InputError("'\(path)' is larger than \(limit >> 20) MiB") }
    }
    return bytes
  }
}
