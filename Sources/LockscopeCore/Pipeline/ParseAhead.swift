import Foundation

/// `--threads 2`: one thread reads and parses the inputs (and merges and reorders them)
/// while the calling thread runs the timeline and the analyzers on the events already parsed;
/// either counts the statistics the timeline hands over while it would wait for the other
/// (`StatisticsQueue`), and the parsing thread does so too once it has read everything.
///
/// Determinism: the parsing thread is the only one that reads, interns and orders, exactly
/// as one thread would, so events arrive in the same order with the same ids. The parser's
/// name tables are its own; the engine's side holds mirrors that receive, with each batch,
/// the names first seen in it, in id order, so every id names the same bytes on both sides
/// and nothing is shared while both threads run. Memory: at most `depth` batches of
/// `batchSize` events in flight, whatever the length of the log.
enum ParseAhead {
  static let batchSize = 4096
  static let depth = 4

  /// Parses on a second thread and applies on this one; returns after the last event (or
  /// the first error, after every event read before it, as on one thread).
  /// `statistics`: the queue of statistics changes both threads count from while they
  /// would otherwise wait (its lock is this queue's too).
  static func drive<Observer>(
    _ streams: [EventStream], parser: EventParser, agents: NameTable, locks: NameTable,
    into engine: TimelineEngine<Observer>, keeping: HotLockEvents? = nil, statistics: StatisticsQueue? = nil
  ) throws(InputError) {
    FreedMemory.useOneArena()
    let producer = BatchProducer(streams: streams, parser: parser)
    let queue = BatchQueue(depth: depth, helping: statistics)
    let work = UncheckedBox((producer, queue))
    let thread = Thread {
      let (producer, queue) = work.value
      var batch = EventBatch()
      while true {
        producer.fill(&batch, capacity: batchSize)
        let last = batch.end != nil
        guard queue.put(&batch), !last else { break }
      }
      // Everything is read: this core would idle while the engine applies the last
      // batches, which report statistics; it counts them instead.
      queue.helpUntilCancelled()
      queue.producerFinished()
    }
    // Deeply nested ignored values recurse in the scanner: a main-thread-sized stack.
    thread.stackSize = 8 << 20
    thread.start()
    defer {
      // Runs after the wait below: the parser is done, and its name tables, whose names
      // the mirrors hold too, go before the report is built (the run's peak of memory).
      parser.agents.removeAll()
      parser.locks.removeAll()
    }
    defer { queue.waitForProducer() }

    var batch = EventBatch()
    while true {
      queue.take(&batch)
      agents.intern(copied: batch.agentBytes, ends: batch.agentEnds)
      locks.intern(copied: batch.lockBytes, ends: batch.lockEnds)
      for event in batch.events {
        if LogAnalysis.apply(event, to: engine, keeping: keeping) {
          queue.cancel()
          return
        }
      }
      switch batch.end {
      case nil: continue
      case .finished?: return
      case .failed(let error)?: throw error
      }
    }
  }

  /// The same order of work on one thread, for runs whose observers read the parser's
  /// per-event state (trace contexts are kept in two slots per input, not per batch): each
  /// event applied as soon as it is parsed, the mirrors kept up to date before it.
  static func driveInline<Observer>(
    _ streams: [EventStream], parser: EventParser, agents: NameTable, locks: NameTable,
    into engine: TimelineEngine<Observer>, keeping: HotLockEvents? = nil
  ) throws(InputError) {
    let producer = BatchProducer(streams: streams, parser: parser)
    var batch = EventBatch()
    while true {
      producer.fill(&batch, capacity: 1)
      agents.intern(copied: batch.agentBytes, ends: batch.agentEnds)
      locks.intern(copied: batch.lockBytes, ends: batch.lockEnds)
      for event in batch.events {
        if LogAnalysis.apply(event, to: engine, keeping: keeping) { return }
      }
      switch batch.end {
      case nil: continue
      case .finished?: return
      case .failed(let error)?: throw error
      }
    }
  }
}

/// Parsed events on their way to the engine, with the names they brought.
struct EventBatch {
  enum End {
    case finished
    case failed(InputError)
  }

  var events: [LockEvent] = []
  /// Names first seen in this batch (`NameTable.copyNames`).
  var agentBytes: [UInt8] = []
  var agentEnds: [Int] = []
  var lockBytes: [UInt8] = []
  var lockEnds: [Int] = []
  /// Set on the last batch: the inputs ended, or reading failed after `events`.
  var end: End?

  mutating func clear() {
    events.removeAll(keepingCapacity: true)
    agentBytes.removeAll(keepingCapacity: true)
    agentEnds.removeAll(keepingCapacity: true)
    lockBytes.removeAll(keepingCapacity: true)
    lockEnds.removeAll(keepingCapacity: true)
    end = nil
  }
}

/// The reading side: the inputs' events in the order `LogAnalysis.stream` hands them out
/// (one input straight through, several merged by time).
final class BatchProducer {
  private let single: EventStream?
  private let merged: MergedEventStream?
  private let parser: EventParser
  private var started = false
  private var mirroredAgents = 0
  private var mirroredLocks = 0

  init(streams: [EventStream], parser: EventParser) {
    single = streams.count == 1 ? streams[0] : nil
    merged = streams.count == 1 ? nil : MergedEventStream(inputs: streams)
    self.parser = parser
  }

  /// Appends events from `next` until `events` holds `capacity`; false when `next` ran out.
  /// The stream comes in as an argument, held by the caller for the whole batch: read
  /// from the stored property in the loop, it was retained and released on every event.
  @inline(__always)
  private static func take(
    from next: () throws(InputError) -> LockEvent?, into events: inout [LockEvent], capacity: Int
  ) throws(InputError) -> Bool {
    while events.count < capacity {
      guard let event = try next() else { return false }
      events.append(event)
    }
    return true
  }

  /// Refills `batch` with up to `capacity` events, and the names they introduced.
  func fill(_ batch: inout EventBatch, capacity: Int) {
    batch.clear()
    do throws(InputError) {
      if !started {
        started = true
        try merged?.start()
      }
      let more: Bool
      if let single {
        more = try BatchProducer.take(from: single.next, into: &batch.events, capacity: capacity)
      } else if let merged {
        more = try BatchProducer.take(from: merged.next, into: &batch.events, capacity: capacity)
      } else {
        more = false
      }
      if !more { batch.end = .finished }
    } catch {
      batch.end = .failed(error)
    }
    // Between lines: a bad line's names were already forgotten, so only valid events' go.
    parser.agents.copyNames(from: mirroredAgents, bytes: &batch.agentBytes, ends: &batch.agentEnds)
    mirroredAgents = parser.agents.count
    parser.locks.copyNames(from: mirroredLocks, bytes: &batch.lockBytes, ends: &batch.lockEnds)
    mirroredLocks = parser.locks.count
  }
}

/// A bounded first-in first-out hand-off of batches between the two threads; the batches'
/// buffers go back and forth (swapped, not copied), so a long run allocates nothing new.
final class BatchQueue: @unchecked Sendable {
  private let condition: NSCondition
  private var full: [EventBatch] = []
  private var spare: [EventBatch] = []
  private let depth: Int
  private var cancelled = false
  private var producerDone = false
  /// Statistics changes to count instead of waiting, under the same lock.
  private let statistics: StatisticsQueue?

  init(depth: Int, helping statistics: StatisticsQueue? = nil) {
    self.depth = depth
    self.statistics = statistics
    condition = statistics?.condition ?? NSCondition()
  }

  /// Hands `batch` over (it comes back holding an empty one); false once the engine stopped.
  /// While the queue is full, counts statistics if there are some to count.
  func put(_ batch: inout EventBatch) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    waitCounting { full.count >= depth && !cancelled }
    if cancelled { return false }
    var empty = spare.popLast() ?? EventBatch()
    swap(&empty, &batch)
    full.append(empty)
    condition.broadcast()
    return true
  }

  /// The next batch, waiting for it (the previous one in `batch` goes back as a spare),
  /// counting statistics meanwhile if there are some to count.
  func take(_ batch: inout EventBatch) {
    condition.lock()
    defer { condition.unlock() }
    waitCounting { full.isEmpty }
    var next = full.removeFirst()
    swap(&next, &batch)
    spare.append(next)
    condition.broadcast()
  }

  /// The producer, once it has handed everything over: counts statistics while the engine
  /// works through the last batches, until it is done with them (`waitForProducer`).
  func helpUntilCancelled() {
    guard statistics != nil else { return }
    condition.lock()
    defer { condition.unlock() }
    waitCounting { !cancelled }
  }

  /// With `condition` locked: waits while `blocked()`, counting statistics meanwhile if
  /// there are some to count (`StatisticsQueue.countOrWait`, the same lock).
  private func waitCounting(while blocked: () -> Bool) {
    guard let statistics else {
      while blocked() { condition.wait() }
      return
    }
    statistics.countOrWait(while: blocked)
  }

  /// The engine needs no more events: the producer stops at its next hand-off.
  func cancel() {
    condition.lock()
    cancelled = true
    condition.broadcast()
    condition.unlock()
  }

  func producerFinished() {
    condition.lock()
    producerDone = true
    condition.broadcast()
    condition.unlock()
  }

  /// Returns once the producing thread stopped touching the inputs and the parser, so
  /// their counts can be read and the files closed.
  func waitForProducer() {
    condition.lock()
    cancelled = true  // an early return or a throw: nothing more is taken
    condition.broadcast()
    while !producerDone { condition.wait() }
    condition.unlock()
  }
}

/// Hands values that one thread gives up to another (the producer's objects are only used
/// by the parsing thread until it finishes).
struct UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
