import Foundation

/// `--from otlp` (SPEC §1b): every input read whole, its spans turned into lock events,
/// and all of them sorted by time before the engine sees one.
///
/// Spans reach a file when they end, so their events are out of time order by as long as
/// the longest span; no bounded window can put that back. Memory therefore grows with the
/// lock spans read (one `LockEvent` per event, plus trace ids when an output wants them),
/// unlike JSON-lines input, which streams.
public final class OTLPInput {
  private let spans: OTLPSpanParser
  private let skipped: SkippedLines
  private let traces: TraceContexts

  /// Lock events made from the spans.
  public var events: Int64 { Int64(spans.events.count) }
  /// Spans with `lock.name`, and spans without it (ignored).
  public var lockSpans: Int64 { spans.lockSpans }
  public var ignoredSpans: Int64 { spans.ignoredSpans }

  public init(parser: EventParser, skipped: SkippedLines) {
    spans = OTLPSpanParser(agents: parser.agents, locks: parser.locks, sites: parser.sites)
    self.skipped = skipped
    traces = parser.traces
  }

  /// Reads every line of `sources` (input `i` is `sources[i]`); bad lines are skipped and
  /// recorded, or under `--strict` end the read with an error.
  public func read(_ sources: [ByteSource]) throws(InputError) {
    spans.capturingTraces = traces.capturing
    for (index, source) in sources.enumerated() {
      var reader = WholeLineReader(source: source)
      defer { reader.deallocate() }
      while let line = try reader.next() {
        let mark = spans.mark()
        do {
          _ = try spans.parse(line, source: SourceLocation(input: Int32(index), line: reader.lineNumber))
        } catch {
          // The whole line goes, as a bad JSON-lines line does: none of its spans is kept.
          spans.rollBack(to: mark)
          try skipped.record(input: source.name, line: reader.lineNumber, reason: error.description)
        }
      }
    }
  }

  /// Hands the events to `engine` in time order (equal times: input order, then line
  /// order, then the order within a span).
  public func feed<Observer: TimelineObserver>(_ engine: TimelineEngine<Observer>) {
    let events = spans.events
    let order = events.indices.sorted { a, b in
      events[a].time != events[b].time ? events[a].time < events[b].time : a < b
    }
    for index in order {
      var event = events[index]
      if event.traceSlot >= 0 {
        let context = spans.contexts[Int(event.traceSlot)]
        event.traceSlot = traces.store(trace: context.traceID, span: context.spanID, input: event.source.input)
      }
      engine.apply(event)
      if engine.observer.isDone { return }
    }
  }
}

/// Lines of any length from a byte source: the buffer grows to the longest line, as an
/// OTLP batch of thousands of spans is one line. Lines are pointers into the buffer, valid
/// until the next call.
struct WholeLineReader {
  let source: ByteSource
  private(set) var lineNumber: Int64 = 0
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var start = 0
  private var end = 0
  /// Bytes before this (from `start`) hold no newline.
  private var scanned = 0
  private var atEndOfInput = false
  private var atStartOfInput = true

  init(source: ByteSource, blockSize: Int = 1 << 20) {
    self.source = source
    capacity = blockSize
    buffer = .allocate(capacity: blockSize)
  }

  func deallocate() { buffer.deallocate() }

  mutating func next() throws(InputError) -> UnsafeBufferPointer<UInt8>? {
    while true {
      if let newline = memchr(buffer + scanned, 0x0A, end - scanned) {
        let index = UnsafeMutablePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - buffer
        let line = UnsafeBufferPointer(start: UnsafePointer(buffer + start), count: index - start)
        start = index + 1
        scanned = start
        lineNumber += 1
        return line
      }
      scanned = end
      if atEndOfInput {
        guard start < end else { return nil }
        let line = UnsafeBufferPointer(start: UnsafePointer(buffer + start), count: end - start)
        start = end
        lineNumber += 1
        return line
      }
      try refill()
    }
  }

  /// Moves the partial line to the front, grows the buffer when the line fills it, and
  /// reads more after it.
  private mutating func refill() throws(InputError) {
    if start > 0 {
      let pending = end - start
      if pending > 0 { memmove(buffer, buffer + start, pending) }
      end = pending
      scanned -= start
      start = 0
    }
    if capacity - end < capacity / 4 {
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      bigger.update(from: buffer, count: end)
      buffer.deallocate()
      buffer = bigger
      capacity *= 2
    }
    var count = try source.read(into: buffer + end, count: capacity - end)
    // A live source with nothing yet: these inputs are read to their end, so wait.
    while count == ByteSource.noDataYet {
      usleep(10_000)
      count = try source.read(into: buffer + end, count: capacity - end)
    }
    if count == 0 {
      atEndOfInput = true
      return
    }
    if atStartOfInput {
      atStartOfInput = false
      // A UTF-8 byte order mark is not part of the first line.
      if end == 0 && count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
        start = 3
        scanned = 3
      }
    }
    end += count
  }
}
