import CZlib
import Foundation

/// A gzip log (a `.gz` file, or any input that begins with gzip's magic number), inflated
/// as it is read through the system zlib: compressed blocks in,
/// plain bytes out, so a compressed log streams in the same bounded memory as a plain one.
/// Concatenated gzip members (`cat a.gz b.gz`) are read one after another. A corrupt or
/// cut-off archive is an unreadable input: one line, exit status 2, as for a plain file.
final class GzipSource: ByteSource {
  /// zlib's state points back at its z_stream, so the stream lives at a fixed address.
  private let z: UnsafeMutablePointer<z_stream>
  private let compressed: UnsafeMutablePointer<UInt8>
  private static let blockSize = 1 << 18
  private var finished = false
  /// Whether the current member ended (zlib said so) and no byte of a next one came yet.
  private var betweenMembers = false

  /// Where the compressed bytes come from: the file itself, or the source whose first
  /// bytes showed it is gzip.
  private var inner: ByteSource?

  override init(path: String) throws(InputError) {
    compressed = .allocate(capacity: Self.blockSize)
    z = .allocate(capacity: 1)
    z.initialize(to: z_stream())
    try super.init(path: path)
    try start()
  }

  /// Inflates what `source` reads (its peeked bytes first).
  init(compressed source: ByteSource) throws(InputError) {
    compressed = .allocate(capacity: Self.blockSize)
    z = .allocate(capacity: 1)
    z.initialize(to: z_stream())
    inner = source
    super.init(descriptor: source.fd, name: source.name, ownsDescriptor: false)
    try start()
  }

  private func start() throws(InputError) {
    // 15 + 16: a gzip wrapper (not raw deflate or zlib), 32 KiB window.
    guard inflateInit2_(z, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw InputError("cannot read '\(name)': zlib could not start")
    }
  }

  /// Compressed bytes: from the wrapped source (told to progress here), or the file.
  private func readCompressed() throws(InputError) -> Int {
    guard let inner else { return try super.read(into: compressed, count: Self.blockSize) }
    let n = try inner.read(into: compressed, count: Self.blockSize)
    if n > 0 { progress?.advance(by: n) }
    return n
  }

  deinit {
    inflateEnd(z)
    z.deallocate()
    compressed.deallocate()
  }

  override func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputError) -> Int {
    guard !finished else { return 0 }
    z.pointee.next_out = buffer
    z.pointee.avail_out = UInt32(min(count, Int(UInt32.max)))
    while z.pointee.avail_out > 0 {
      if z.pointee.avail_in == 0 {
        let n = try readCompressed()
        if n == 0 {
          finished = true
          guard betweenMembers || z.pointee.total_in == 0 else {
            throw InputError("cannot read '\(name)': the compressed data ends early (a cut-off gzip archive)")
          }
          break
        }
        z.pointee.next_in = compressed
        z.pointee.avail_in = UInt32(n)
      }
      if betweenMembers {
        // Another gzip member follows the one that ended.
        inflateReset(z)
        betweenMembers = false
      }
      let status = inflate(z, Z_NO_FLUSH)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        betweenMembers = true
      default:
        let reason = z.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
        throw InputError("cannot read '\(name)': not a valid gzip archive (\(reason))")
      }
    }
    return count - Int(z.pointee.avail_out)
  }
}
