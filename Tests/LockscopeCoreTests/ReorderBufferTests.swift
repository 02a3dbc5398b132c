import Testing

@testable import LockscopeCore

/// The reorder window's ring: the events come out sorted by time, ties in the order they
/// were pushed, however the ring wraps and grows.
@Suite("Reorder buffer")
struct ReorderBufferTests {
  @Test("pops in time order, ties in push order, across wraps, growth and late inserts", arguments: [1, 2, 3, 4])
  func ringMatchesAStableSort(seed: Int) {
    var rng = SplitMix(seed: UInt64(seed))
    var buffer = ReorderBuffer()
    // The reference: a plain array kept sorted the slow way (stable insertion).
    var reference: [LockEvent] = []
    var popped: [LockEvent] = []
    var expected: [LockEvent] = []
    var clock: Int64 = 1_000
    var line: Int64 = 0
    for _ in 0..<20_000 {
      // Mostly in order, some late by a few, some ties; pops keep the ring wrapping, and
      // bursts of pushes make it grow.
      let late = rng.next() % 5 == 0 ? Int64(rng.next() % 40) : 0
      clock += Int64(rng.next() % 3)
      line += 1
      let event = LockEvent(
        kind: .acquire, time: clock - late, agent: AgentID(Int32(line % 7)), lock: LockID(0),
        source: SourceLocation(input: 0, line: line))
      buffer.push(event, context: nil)
      let position = reference.firstIndex { $0.time > event.time } ?? reference.count
      reference.insert(event, at: position)
      #expect(buffer.count == reference.count && buffer.earliestTime == reference.first?.time)
      let pops = rng.next() % 16 < 7 ? Int(rng.next() % 3) : 0
      for _ in 0..<min(pops, reference.count) {
        if let event = buffer.popEarliest() { popped.append(event) }
        expected.append(reference.removeFirst())
      }
    }
    while let event = buffer.popEarliest() { popped.append(event) }
    expected += reference
    #expect(buffer.count == 0 && buffer.earliestTime == nil)
    #expect(popped.map(\.source.line) == expected.map(\.source.line))
    #expect(popped.count == 20_000)
  }
}
