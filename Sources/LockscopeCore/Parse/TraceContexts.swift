/// The `trace_id`/`span_id` of events on their way from the parser to the engine, for the
/// outputs that carry them (timeline exports). Off by default: the report never pays for it.
///
/// Two slots per input, used in turn: an input has at most one event waiting in the merge
/// while the next is parsed, and by the time a slot comes round again its event has been
/// applied. Memory is fixed by the number of inputs, not the length of the log.
final class TraceContexts {
  struct Context: Sendable, Equatable {
    var traceID: String?
    var spanID: String?
  }

  /// Set before reading when an output wants trace contexts.
  var capturing = false
  private var slots: [Context] = []
  private var nextParity: [Int32] = []

  init() {}

  /// Keeps a context for an event of `input`; returns its slot.
  func store(trace: String?, span: String?, input: Int32) -> Int32 {
    let index = Int(input)
    if index >= nextParity.count {
      nextParity.append(contentsOf: repeatElement(0, count: index + 1 - nextParity.count))
      slots.append(contentsOf: repeatElement(Context(), count: 2 * (index + 1) - slots.count))
    }
    let slot = input * 2 + nextParity[index]
    nextParity[index] ^= 1
    slots[Int(slot)] = Context(traceID: trace, spanID: span)
    return slot
  }

  /// The context of an event being applied (nil for none).
  func context(_ slot: Int32) -> Context? {
    slot >= 0 && Int(slot) < slots.count ? slots[Int(slot)] : nil
  }
}
