/// One input's events: lines read, parsed, bad ones recorded and skipped; in file order, or
/// put back in time order within `--reorder-window`.
public final class InputStream {
  public let index: Int32
  public let reader: LineReader
  private let parser: EventParser
  private let skipped: SkippedLines
  /// Valid event lines read.
  public private(set) var events: Int64 = 0
  /// Events earlier than one before them in this file, and the most any was behind.
  public private(set) var outOfOrder: Int64 = 0
  public private(set) var worstSkew: Int64 = 0
  private var latest: Int64 = .min
  /// `--reorder-window`: how far back in time a late event is still put in its place.
  private let reorderWindow: Int64
  private var pending = ReorderBuffer()
  private var exhausted = false

  public init(index: Int32, reader: LineReader, parser: EventParser, skipped: SkippedLines, reorderWindow: Int64 = 0) {
    self.index = index
    self.reader = reader
    self.parser = parser
    self.skipped = skipped
    self.reorderWindow = reorderWindow
  }

  public var name: String { reader.source.name }

  /// The input ended and every event was handed out (a live input may return nil before).
  public var isFinished: Bool { reader.isFinished && pending.earliestTime == nil }

  /// The next good event, or nil at the end of the input.
  @inline(__always)
  public func next() throws(InputError) -> LockEvent? {
    reorderWindow == 0 ? try nextInFileOrder() : try nextReordered()
  }

  /// Events wait in a buffer until the file has gone `reorderWindow` past them: a late one
  /// within that distance takes its place in time order. Memory: the events of one window.
  private func nextReordered() throws(InputError) -> LockEvent? {
    while !exhausted {
      if let earliest = pending.earliestTime, latest != .min, earliest <= latest - reorderWindow { break }
      guard let event = try nextInFileOrder() else {
        if reader.isWaiting { return nil }  // a live input: later lines may still come before these
        exhausted = true
        break
      }
      pending.push(event, context: parser.traces.context(event.traceSlot))
    }
    guard let (earliest, context) = pending.popEarliest() else { return nil }
    var event = earliest
    // Its trace context goes back into the parser's slots, as if it had just been read.
    if let context { event.traceSlot = parser.traces.store(trace: context.traceID, span: context.spanID, input: index) }
    return event
  }

  @inline(__always)
  private func nextInFileOrder() throws(InputError) -> LockEvent? {
    while let line = try reader.next() {
      switch line {
      case .text(let bytes):
        do {
          if let event = try parser.parse(bytes, source: SourceLocation(input: index, line: reader.lineNumber)) {
            events += 1
            if event.time < latest {
              outOfOrder += 1
              worstSkew = max(worstSkew, latest - event.time)
            } else {
              latest = event.time
            }
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
