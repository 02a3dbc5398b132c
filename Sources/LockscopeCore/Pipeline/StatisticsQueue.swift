import Foundation

/// The statistics (every lock's and agent's digests and totals, about a third of the
/// timeline's work on a log of many locks and agents), counted off the timeline's thread:
/// the timeline hands its reports over in batches, and whichever thread has nothing better
/// to do counts the oldest batch. Under `--threads 2` that is the parsing thread when it is
/// ahead (its batch queue full) or has read everything, and the timeline's own thread when
/// it waits for events or the queue here is full; `--threads 3` adds a thread that does
/// nothing else. So two cores share three kinds of work without a third thread taking
/// turns with them.
///
/// Determinism: one batch is counted at a time, oldest first, so the statistics see every
/// change in the order the timeline made them, whoever counts it, as on one thread; the
/// timeline's side reads them only after `finish`. Memory: at most `depth` batches of
/// `batchSize` changes wait.
final class StatisticsQueue: @unchecked Sendable {
  static let batchSize = 2048
  static let depth = 4

  /// The lock of everything below, shared with the parse-ahead queue (`BatchQueue`), so a
  /// thread waiting there wakes when a batch of changes arrives here.
  let condition = NSCondition()
  private var full: [[StatisticsChange]] = []
  private var spare: [[StatisticsChange]] = []
  /// A batch is being counted (by one thread at a time).
  private var counting = false
  private var closed = false
  private var workerRunning = false
  /// Changed only by the thread counting a batch, until `finish` returns them.
  private var statistics: StatisticsAnalyzer

  /// `ownThread`: a thread that only counts (`--threads 3`).
  init(_ statistics: StatisticsAnalyzer, ownThread: Bool) {
    self.statistics = statistics
    guard ownThread else { return }
    workerRunning = true
    // Not a strong reference: the queue's owner going is what stops the thread (`deinit`
    // waits for it). The lock is held strongly: the thread lets go of it last.
    let thread = Thread { [unowned(unsafe) self, condition] in
      condition.lock()
      self.work()
      condition.unlock()
    }
    thread.start()
  }

  /// The timeline's thread: a batch of changes, in order. `batch` comes back empty, with
  /// room for the next one. When `depth` batches wait, this thread counts the oldest first.
  ///
  /// The timeline gathers its batch in an array of its own (`Analyzers`) and comes here
  /// once a batch: a change recorded straight into this object retained and released
  /// it, an atomic write to a cache line the counting thread was writing too.
  func handOver(_ batch: inout [StatisticsChange]) {
    condition.lock()
    countOrWait { full.count >= StatisticsQueue.depth }
    var empty = spare.popLast() ?? []
    swap(&empty, &batch)
    full.append(empty)
    condition.broadcast()
    condition.unlock()
    batch.reserveCapacity(StatisticsQueue.batchSize)
  }

  /// With `condition` locked: while `blocked()`, counts the oldest batch when there is one
  /// to count, and waits for a change otherwise (every thread that would wait does this).
  func countOrWait(while blocked: () -> Bool) {
    while blocked() {
      if !helpLocked() { condition.wait() }
    }
  }

  /// With `condition` locked: counts the oldest batch if there is one and nobody else is
  /// counting (the lock is let go meanwhile); false when there was nothing to do.
  func helpLocked() -> Bool {
    guard !counting, !full.isEmpty else { return false }
    var batch = full.removeFirst()
    counting = true
    condition.unlock()
    for change in batch { statistics.apply(change) }
    batch.removeAll(keepingCapacity: true)
    condition.lock()
    spare.append(batch)
    counting = false
    condition.broadcast()
    return true
  }

  /// Counts everything handed over (helping whoever is counting), stops the thread that
  /// only counts, and gives the statistics back. The caller hands its last batch over first.
  func finish() -> StatisticsAnalyzer {
    condition.lock()
    countOrWait { counting || !full.isEmpty }
    stopLocked()
    condition.unlock()
    return statistics
  }

  /// With `condition` locked: no more batches; returns once the counting thread stopped.
  private func stopLocked() {
    closed = true
    condition.broadcast()
    while workerRunning { condition.wait() }
  }

  /// A run that ended early (a read error) leaves batches uncounted: the thread stops.
  deinit {
    condition.lock()
    stopLocked()
    condition.unlock()
  }

  /// `--threads 3`: the thread that only counts, with `condition` locked.
  private func work() {
    while true {
      if helpLocked() { continue }
      if closed { break }
      condition.wait()
    }
    workerRunning = false
    condition.broadcast()
  }
}
