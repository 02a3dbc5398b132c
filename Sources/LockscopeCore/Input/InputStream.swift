/// One input's events in file order: lines read, parsed, bad ones recorded and skipped.
public final class InputStream {
  public let index: Int32
  public let reader: LineReader
  private let parser: EventParser
  private let skipped: SkippedLines
  /// Valid event lines read.
  public private(set) var events: Int64 = 0

  public init(index: Int32, reader: LineReader, parser: EventParser, skipped: SkippedLines) {
    self.index = index
    self.reader = reader
    self.parser = parser
    self.skipped = skipped
  }

  public var name: String { reader.source.name }

  /// The next good event, or nil at the end of the input.
  @inline(__always)
  public func next() throws(InputError) -> LockEvent? {
    while let line = try reader.next() {
      switch line {
      case .text(let bytes):
        do {
          if let event = try parser.parse(bytes, source: SourceLocation(input: index, line: reader.lineNumber)) {
            events += 1
            return event
          }
        } catch {
          parser.discardNamesOfFailedLine()
          try skipped.record(input: name, line: reader.lineNumber, reason: error.description)
        }
      case .overlong(let length):
        try skipped.record(
          input: name, line: reader.lineNumber,
          reason: "line of \(length) bytes is longer than the limit of \(reader.maximumLineLength) bytes")
      }
    }
    return nil
  }
}
