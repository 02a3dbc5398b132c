import Foundation

/// `--from otlp` (SPEC §1b): every input read whole, its spans turned into lock events,
/// and all of them sorted by time before the engine sees one.
///
/// Spans reach a file when they end, so their events are out of time order by as long as
/// the longest span; no bounded window can put that back. Memory therefore grows with the
/// lock spans read (one `LockEvent` per event, plus trace ids when an output wants them),
/// unlike JSON-lines input, which streams.
final class OTLPInput {
  private let spans: OTLPSpanParser
  private let skipped: SkippedLines
  private let traces: TraceContexts

  /// Lock events made from the spans.
  var events: Int64 { Int64(spans.events.count) }
  /// Spans with `lock.name`, and spans without it (ignored).
  var lockSpans: Int64 { spans.lockSpans }
  var ignoredSpans: Int64 { spans.ignoredSpans }

  init(parser: EventParser, skipped: SkippedLines) {
    spans = OTLPSpanParser(agents: parser.agents, locks: parser.locks, sites: parser.sites)
    self.skipped = skipped
    traces = parser.traces
  }

  /// Reads every line of `sources` (input `i` is `sources[i]`); bad lines are skipped and
  /// recorded, or under `--strict` end the read with an error.
  func read(_ sources: [ByteSource]) throws(InputError) {
    spans.capturingTraces = traces.capturing
    for (index, source) in sources.enumerated() {
      // No line cap: an OTLP batch of thousands of spans is one line.
      let reader = LineReader(source: source, maximumLineLength: .max)
      while let next = try reader.next() {
        guard case .text(let line) = next else { continue }  // no line is too long without a cap
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
  /// order, then the order within a span); `each` sees every event once it is applied.
  func feed<Observer: TimelineObserver>(_ engine: TimelineEngine<Observer>, each: (LockEvent) -> Void = { _ in }) {
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
      each(event)
      if engine.observer.isDone { return }
    }
  }
}
