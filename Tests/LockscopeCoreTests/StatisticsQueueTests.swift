import Foundation
import Testing

@testable import LockscopeCore

/// The statistics counted off the timeline's thread (`StatisticsQueue`): whoever counts a
/// batch, and however the threads interleave, the statistics must be those of counting
/// every change in order on one thread.
@Suite("Statistics queue")
struct StatisticsQueueTests {
  /// Changes enough for dozens of batches (so the queue fills and the timeline's thread
  /// counts too): attempts, acquisitions, ended waits (granted, timed out) and holds.
  func changes(seed: UInt64, count: Int) -> [StatisticsChange] {
    var random = SplitMix(seed: seed)
    var changes: [StatisticsChange] = []
    var now: Int64 = 0
    for _ in 0..<count {
      now += Int64(random.below(1_000_000))
      let agent = AgentID(Int32(random.below(30)))
      let lock = LockID(Int32(random.below(200)))
      let wait = Int64(random.below(5_000_000))
      switch random.below(5) {
      case 0:
        changes.append(
          .attempted(
            agent: agent, lock: lock, time: now, contended: random.below(2) == 0, queueLength: random.below(4), bare: false, selected: true)
        )
      case 1: changes.append(.acquired(agent: agent, lock: lock, time: now, wait: wait, selected: random.below(9) != 0))
      case 2:
        var interval = WaitInterval(
          agent: agent, lock: lock, mode: .exclusive, start: now - wait, end: now, outcome: random.below(7) == 0 ? .timedOut : .granted,
          queueIntegral: 0, source: SourceLocation(input: 0, line: 1), overtaken: 0)
        // Fractions, so a sum taken in another order would differ in its last bits.
        interval.causedWait = Double(random.below(1000)) / 7
        changes.append(.waitEnded(EndedWait(interval, selected: true)))
      case 3:
        var hold = HoldInterval(
          agent: agent, lock: lock, mode: .exclusive, start: now - wait, end: now, outcome: .released,
          source: SourceLocation(input: 0, line: 1))
        hold.causedWait = Double(random.below(1000)) / 3
        changes.append(.holdEnded(EndedHold(hold, expected: random.below(3) == 0 ? 1_000_000 : nil, selected: true)))
      default: changes.append(.waitersBlocked(lock: lock, elapsed: wait, blocked: random.below(3)))
      }
    }
    return changes
  }

  /// What a report shows of the statistics, row by row.
  func shown(_ statistics: StatisticsAnalyzer) -> [String] {
    func row(_ accumulator: MetricAccumulator) -> String {
      "\(accumulator.attempts) \(accumulator.acquisitions) \(accumulator.contendedAttempts) \(accumulator.queueMax) "
        + "\(accumulator.wait.summary) \(accumulator.hold.summary) \(accumulator.blocked.summary) \(accumulator.waitNanos) "
        + "\(accumulator.holdNanos) \(accumulator.causedWait) \(accumulator.timeouts) \(accumulator.expectedHolds) \(accumulator.overExpected)"
    }
    let pairs = statistics.blockedPairs.map { "\($0.key.lock.rawValue)/\($0.key.agent.rawValue): \($0.value.total) \($0.value.count)" }
    return statistics.locks.map(row) + statistics.agents.map(row) + [row(statistics.overall)] + pairs
  }

  func selection() -> Selection { Selection(lockNames: NameTable(), agentNames: NameTable()) }

  @Test(
    "counted by a helping thread, by a thread of its own, or by the timeline's when full: the same as in order on one",
    arguments: [false, true])
  func sameWhoeverCounts(ownThread: Bool) {
    let changes = changes(seed: ownThread ? 7 : 11, count: 60 * StatisticsQueue.batchSize + 123)
    var direct = StatisticsAnalyzer(selection: selection())
    for change in changes { direct.apply(change) }

    let queue = StatisticsQueue(StatisticsAnalyzer(selection: selection()), ownThread: ownThread)
    // A parser that helps now and then, as `BatchQueue` does while it waits.
    let stop = UncheckedBox(NSCondition())
    nonisolated(unsafe) var stopped = false
    let helper = Thread {
      while true {
        queue.condition.lock()
        _ = queue.helpLocked()
        queue.condition.unlock()
        stop.value.lock()
        let done = stopped
        stop.value.unlock()
        if done { break }
        usleep(50)
      }
    }
    helper.start()
    // As `Analyzers` hands them over: full batches, then the rest.
    var batch: [StatisticsChange] = []
    for change in changes {
      batch.append(change)
      if batch.count == StatisticsQueue.batchSize { queue.handOver(&batch) }
    }
    queue.handOver(&batch)
    #expect(batch.isEmpty)
    let counted = queue.finish()
    stop.value.lock()
    stopped = true
    stop.value.unlock()
    #expect(shown(counted) == shown(direct))
  }
}
