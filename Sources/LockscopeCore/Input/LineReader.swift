import Foundation

/// Splits a byte source into lines using one reusable buffer, never rescanning a byte.
///
/// Lines are handed out as pointers into the buffer, valid until the next call. A line
/// longer than `maximumLineLength` is not kept: the reader skips to its end and reports it,
/// so memory stays bounded whatever the input holds.
final class LineReader {
  enum Line {
    case text(UnsafeBufferPointer<UInt8>)
    /// A line too long to keep, with its length in bytes.
    case overlong(Int)
  }

  let source: ByteSource
  let maximumLineLength: Int
  /// 1-based number of the line last returned.
  private(set) var lineNumber: Int64 = 0
  /// Bytes read from the source so far.
  private(set) var bytesRead: Int64 = 0

  /// Starts small and grows (up to `fullCapacity`) when lines or reads need more room, so
  /// thousands of small inputs read at once do not each hold two megabytes.
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private let fullCapacity: Int
  /// Whether the last read filled all the room it was given (a large input: grow).
  private var lastReadFilled = false
  private var start = 0
  private var end = 0
  /// Where the newline search resumes inside `start..<end` (bytes before it hold none).
  private var scanned = 0
  private var atEndOfInput = false
  private var atStartOfInput = true
  /// The source's `generation` its buffered bytes belong to.
  private var generation = 0
  /// A live source had no complete line yet: `next` returned nil without the input ending.
  private(set) var isWaiting = false

  /// Whether the input has ended and every line was handed out.
  var isFinished: Bool { atEndOfInput && start >= end }

  init(source: ByteSource, maximumLineLength: Int = 1 << 20, blockSize: Int = 1 << 20) {
    self.source = source
    self.maximumLineLength = maximumLineLength
    // `.max` is no cap (the buffer grows to the longest line).
    fullCapacity = maximumLineLength.addingReportingOverflow(blockSize).overflow ? .max : maximumLineLength + blockSize
    capacity = min(fullCapacity, 1 << 16)
    buffer = .allocate(capacity: capacity)
  }

  deinit { buffer.deallocate() }

  /// The next line without its newline (a trailing `\r` is left for the JSON whitespace
  /// rule), or nil at the end of the input — or, from a live source, when no complete line
  /// has arrived yet (`isWaiting`).
  func next() throws(InputError) -> Line? {
    isWaiting = false
    while true {
      if let newline = memchr(buffer + scanned, 0x0A, end - scanned) {
        let newlineIndex = UnsafeMutablePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - buffer
        let line = UnsafeBufferPointer(start: UnsafePointer(buffer + start), count: newlineIndex - start)
        start = newlineIndex + 1
        scanned = start
        lineNumber += 1
        // One cap whatever the source: a line that came whole in one read is held to it too.
        return line.count > maximumLineLength ? .overlong(line.count) : .text(line)
      }
      scanned = end
      if atEndOfInput {
        guard start < end else { return nil }
        let line = UnsafeBufferPointer(start: UnsafePointer(buffer + start), count: end - start)
        start = end
        lineNumber += 1
        return line.count > maximumLineLength ? .overlong(line.count) : .text(line)
      }
      if end - start > maximumLineLength {
        return .overlong(try skipRestOfLine())
      }
      guard try refill() else {
        isWaiting = true
        return nil
      }
    }
  }

  /// Moves the partial line to the front and reads the next block after it; false when a
  /// live source has nothing yet.
  private func refill() throws(InputError) -> Bool {
    if start > 0 {
      let pending = end - start
      if pending > 0 { memmove(buffer, buffer + start, pending) }
      end = pending
      scanned -= start
      start = 0
    }
    if capacity < fullCapacity && (lastReadFilled || end > capacity / 2) { grow() }
    let request = capacity - end
    let count = try source.read(into: buffer + end, count: request)
    if count == ByteSource.noDataYet { return false }
    lastReadFilled = count == request
    if source.generation != generation {
      // A followed file was replaced or truncated: its lines count from 1 again, and a
      // partial last line of the old one is dropped (its writer never finished it here).
      generation = source.generation
      lineNumber = 0
      if count > 0 && end > 0 { memmove(buffer, buffer + end, count) }
      end = 0
      start = 0
      scanned = 0
    }
    bytesRead += Int64(count)
    if count == 0 {
      atEndOfInput = true
      return true
    }
    if atStartOfInput {
      atStartOfInput = false
      // A UTF-8 byte order mark is not part of the first line.
      if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
        start = 3
        scanned = 3
      }
    }
    end += count
    return true
  }

  /// At the end of the input: the buffer shrinks back to its first size (a reader keeps
  /// working if asked again; it only reads the end once more).
  func releaseBuffer() {
    guard isFinished, capacity > 1 << 16 else { return }
    buffer.deallocate()
    capacity = 1 << 16
    buffer = .allocate(capacity: capacity)
    (start, end, scanned) = (0, 0, 0)
  }

  private func grow() {
    let larger = min(fullCapacity, capacity * 4)
    let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
    if end > 0 { moved.update(from: buffer, count: end) }
    buffer.deallocate()
    buffer = moved
    capacity = larger
  }

  /// Discards bytes up to and including the next newline; returns the line's length.
  private func skipRestOfLine() throws(InputError) -> Int {
    var length = end - start
    start = 0
    end = 0
    scanned = 0
    lineNumber += 1
    while true {
      let count = try source.read(into: buffer, count: capacity)
      // A live source mid-way through a huge line: the rest is coming; wait for it here.
      if count == ByteSource.noDataYet {
        usleep(10_000)
        continue
      }
      bytesRead += Int64(count)
      if count == 0 {
        atEndOfInput = true
        return length
      }
      if let newline = memchr(buffer, 0x0A, count) {
        let index = UnsafeMutablePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - buffer
        length += index
        start = index + 1
        scanned = start
        end = count
        return length
      }
      length += count
    }
  }
}
