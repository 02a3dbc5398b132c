/// One input's events: lines read, parsed, bad ones recorded and skipped; in file order, or
/// put back in time order within `--reorder-window`.
final class EventStream {
  let index: Int32
  let reader: LineReader
  private let parser: EventParser
  private let skipped: SkippedLines
  /// Valid event lines read.
  private(set) var events: Int64 = 0
  /// Events earlier than one before them in this file that the reorder window did not put
  /// back (all of them with no window), and the most any was behind.
  private(set) var outOfOrder: Int64 = 0
  private(set) var worstSkew: Int64 = 0
  /// The latest time read from this file, and the latest handed out.
  private var latest: Int64 = .min
  private var latestOut: Int64 = .min
  /// `--reorder-window`: how far back in time a late event is still put in its place.
  private let reorderWindow: Int64
  /// At most this many events wait in the window; past it the earliest goes out early.
  private let reorderLimit: Int
  private var pending = ReorderBuffer()
  /// Outputs say whether they want trace contexts after the inputs are opened: the buffer
  /// learns it at the first read. (Not a lazy property: each access would copy the buffer.)
  private var started = false
  /// An event later than the window: it goes out after everything read before it, so it
  /// stays the back-in-time anomaly it is.
  private var late: LockEvent?
  private var lateContext: TraceContexts.Context?
  private var exhausted = false

  init(
    index: Int32, reader: LineReader, parser: EventParser, skipped: SkippedLines, reorderWindow: Int64 = 0,
    reorderLimit: Int = AnalysisOptions.defaultReorderLimit
  ) {
    self.index = index
    self.reader = reader
    self.parser = parser
    self.skipped = skipped
    self.reorderWindow = max(0, reorderWindow)
    self.reorderLimit = max(1, reorderLimit)
  }

  var name: String { reader.source.name }

  /// Whether the parser keeps each event's trace context for the event in flight (an output
  /// asked for them): then events are applied as each is parsed (`LogAnalysis.appliesEachAsParsed`).
  var capturesTraceContexts: Bool { parser.traces.capturing }

  /// The input ended and every event was handed out (a live input may return nil before).
  var isFinished: Bool { reader.isFinished && pending.earliestTime == nil && late == nil }

  /// Once every event is out, the line buffer is not needed (megabytes, when lines were read).
  func releaseBuffer() {
    if isFinished { reader.releaseBuffer() }
  }

  /// The next good event, or nil at the end of the input.
  @inline(__always)
  func next() throws(InputError) -> LockEvent? {
    reorderWindow == 0 ? try nextInFileOrder() : try nextReordered()
  }

  /// Events wait in a buffer until the file has gone `reorderWindow` past them: a late one
  /// within that distance takes its place in time order. One later than that (or earlier
  /// than an event already handed out) is not moved: everything read before it goes out
  /// first, and the timeline sees it go back in time. Memory: the events of one window, at
  /// most `reorderLimit`.
  private func nextReordered() throws(InputError) -> LockEvent? {
    if !started {
      started = true
      pending.keepsContexts = parser.traces.capturing
    }
    while !exhausted && late == nil {
      if let earliest = pending.earliestTime,
        earliest <= Self.saturatingSubtract(latest, reorderWindow) || pending.count >= reorderLimit
      {
        break
      }
      let before = latest
      guard let event = try nextInFileOrder() else {
        if reader.isWaiting { return nil }  // a live input: later lines may still come before these
        exhausted = true
        break
      }
      let context = parser.traces.capturing ? parser.traces.context(event.traceSlot) : nil
      if before != .min && (event.time < Self.saturatingSubtract(before, reorderWindow) || event.time < latestOut) {
        countOutOfOrder(event.time, behind: before)
        late = event
        lateContext = context
        break
      }
      pending.push(event, context: context)
    }
    var event: LockEvent
    var context: TraceContexts.Context?
    if let earliest = pending.popEarliest() {
      event = earliest
      if pending.keepsContexts { context = pending.poppedContext }
    } else if let held = late {
      event = held
      context = lateContext
      late = nil
      lateContext = nil
    } else {
      return nil
    }
    if event.time > latestOut { latestOut = event.time }
    // Its trace context goes back into the parser's slots, as if it had just been read.
    if let context { event.traceSlot = parser.traces.store(trace: context.traceID, span: context.spanID, input: index) }
    return event
  }

  private func countOutOfOrder(_ time: Int64, behind latest: Int64) {
    outOfOrder += 1
    worstSkew = max(worstSkew, latest &- time)
  }

  /// `a - b`, held at Int64.min instead of trapping (a window wider than the log's times).
  @inline(__always)
  static func saturatingSubtract(_ a: Int64, _ b: Int64) -> Int64 {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    return overflow ? .min : difference
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
              if reorderWindow == 0 { countOutOfOrder(event.time, behind: latest) }
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
