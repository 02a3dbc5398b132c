import Foundation

/// `--threads 2`: the statistics (every lock's and agent's digests and totals, a third of
/// the timeline's work on a log of many locks and agents) run on a thread of their own,
/// fed the timeline's reports in batches, while the timeline and the finding analyzers go
/// on with the next events. The thread that parses ahead (`ParseAhead`) is the other one.
///
/// Determinism: the statistics are only touched by their thread, which applies every change
/// in the order the timeline made them, exactly as one thread would; the timeline's side
/// reads them only after `finish` has waited for the last batch. Memory: at most `depth`
/// batches of `batchSize` changes in flight.
final class StatisticsThread {
  static let batchSize = 4096
  static let depth = 4

  private let channel: Channel
  private var pending: [StatisticsChange] = []

  /// Starts the thread, which owns `statistics` until `finish`.
  init(_ statistics: StatisticsAnalyzer) {
    channel = Channel(statistics)
    pending.reserveCapacity(StatisticsThread.batchSize)
    let channel = channel
    let thread = Thread { channel.run() }
    thread.start()
  }

  /// The thread stops when its owner goes without finishing (a read error ended the run).
  deinit { channel.close() }

  @inline(__always)
  func record(_ change: StatisticsChange) {
    pending.append(change)
    if pending.count >= StatisticsThread.batchSize { channel.put(&pending) }
  }

  /// Hands over the last changes, waits until all are counted, and gives the statistics
  /// back. The thread has stopped when this returns.
  func finish() -> StatisticsAnalyzer {
    if !pending.isEmpty { channel.put(&pending) }
    return channel.close()
  }

  /// The batches between the two threads and the statistics they go to; a batch's buffer
  /// goes back and forth (swapped, not copied), so a long run allocates nothing new.
  private final class Channel: @unchecked Sendable {
    private let condition = NSCondition()
    private var full: [[StatisticsChange]] = []
    private var spare: [[StatisticsChange]] = []
    private var closed = false
    private var stopped = false
    /// Changed by the statistics thread only, until `stopped`.
    private var statistics: StatisticsAnalyzer

    init(_ statistics: StatisticsAnalyzer) { self.statistics = statistics }

    /// Queues `batch` (waiting while `depth` are queued); it comes back empty.
    func put(_ batch: inout [StatisticsChange]) {
      condition.lock()
      while full.count >= StatisticsThread.depth { condition.wait() }
      var empty = spare.popLast() ?? []
      swap(&empty, &batch)
      full.append(empty)
      condition.broadcast()
      condition.unlock()
      batch.reserveCapacity(StatisticsThread.batchSize)
    }

    /// No more batches: waits for the thread to count the queued ones and stop.
    @discardableResult
    func close() -> StatisticsAnalyzer {
      condition.lock()
      closed = true
      condition.broadcast()
      while !stopped { condition.wait() }
      condition.unlock()
      return statistics
    }

    /// The statistics thread: counts batches in order until the channel is closed and empty.
    func run() {
      var batch: [StatisticsChange] = []
      while true {
        condition.lock()
        if !batch.isEmpty || batch.capacity > 0 {
          batch.removeAll(keepingCapacity: true)
          spare.append(batch)
          batch = []
          condition.broadcast()
        }
        while full.isEmpty && !closed { condition.wait() }
        if full.isEmpty {
          stopped = true
          condition.broadcast()
          condition.unlock()
          return
        }
        batch = full.removeFirst()
        condition.broadcast()
        condition.unlock()
        for change in batch { statistics.apply(change) }
      }
    }
  }
}
