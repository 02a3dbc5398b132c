import Heap

/// Replays the recorded uses of the chosen locks with a change, as a closed loop: each
/// agent issues its next request its measured think time after its previous release (plus
/// the time cut from the coming hold, which it now spends outside the lock), and the locks
/// grant in FIFO order. Nothing else is modelled: other locks' waits and holds are inside
/// the think times, as logged.
struct WhatIfReplay {
  struct Outcome {
    var waits = LatencyDigest()
    var totalWait: Int64 = 0
    var acquisitions = 0
    /// When the last agent finished (its last use, plus what followed it in the log).
    var end: Int64 = .min
    /// A time or sum of the replay did not fit Int64 nanoseconds (a hold scaled past 292
    /// years, or past the year 2262): the prediction cannot be made.
    var overflowed = false
  }

  /// The log as measured: its waits and its end.
  static func measured(_ recorder: LockUseRecorder) -> Outcome {
    var outcome = Outcome()
    for (agent, uses) in recorder.uses.enumerated() {
      for use in uses where !use.timedOut {
        outcome.waits.add(use.wait)
        outcome.totalWait = outcome.totalWait.addingSaturating(use.wait)
        outcome.acquisitions += 1
      }
      if recorder.lastEvent[agent] != .min { outcome.end = max(outcome.end, recorder.lastEvent[agent]) }
    }
    return outcome
  }

  /// One lock (or one shard of it) during the replay.
  private struct Slot {
    var holders = 0
    var exclusiveHeld = false
    var queue: [(agent: Int, shared: Bool)] = []
    var head = 0
    var capacity: Int32 = 0
    var honoursModes = false

    func admits(shared: Bool) -> Bool {
      if capacity > 0 { return holders < Int(capacity) }
      if holders == 0 { return true }
      return honoursModes && shared && !exclusiveHeld
    }
  }

  static func run(_ recorder: LockUseRecorder, change: WhatIfChange, agentName: (Int) -> String) -> Outcome {
    let uses = recorder.uses
    var outcome = Outcome()
    var next = [Int](repeating: 0, count: uses.count)  // index of each agent's current use
    var requestedAt = [Int64](repeating: 0, count: uses.count)
    var slots: [Int64: Slot] = [:]
    var heap = MinHeap<ScheduledStep>()
    var scheduled = 0
    func schedule(_ step: WhatIfReplayStep, at time: Int64) {
      heap.push(ScheduledStep(time: time, step: step, sequence: scheduled))
      scheduled += 1
    }

    func slotKey(_ use: LockUse, agent: Int) -> Int64 {
      guard case .shard(let n) = change else { return Int64(use.lock.rawValue) }
      let shard = Int64(WhatIfChange.stableHash(agentName(agent).utf8) % UInt64(n))
      return Int64(use.lock.rawValue) * Int64(n) + shard
    }
    // Checked arithmetic: a scaled hold can run past Int64 nanoseconds; the sum saturates,
    // and the outcome says so (the caller refuses to predict rather than trap or mislead).
    func sum(_ a: Int64, _ b: Int64) -> Int64 {
      let (value, overflow) = a.addingReportingOverflow(b)
      guard overflow else { return value }
      outcome.overflowed = true
      return b > 0 ? .max : .min
    }
    func difference(_ a: Int64, _ b: Int64) -> Int64 {
      let (value, overflow) = a.subtractingReportingOverflow(b)
      guard overflow else { return value }
      outcome.overflowed = true
      return b < 0 ? .max : .min
    }
    func newHold(_ use: LockUse) -> Int64 {
      guard let hold = change.hold(use.hold) else {
        outcome.overflowed = true
        return .max
      }
      return hold
    }
    /// When the agent's use `index` is requested, given when its previous use ended.
    func requestTime(agent: Int, index: Int, previousEnd: Int64?) -> Int64 {
      let use = uses[agent][index]
      let cut = use.timedOut ? 0 : difference(use.hold, newHold(use))
      guard let previousEnd, index > 0 else { return sum(use.request, cut) }
      let think = max(0, difference(use.request, uses[agent][index - 1].release))
      return sum(sum(previousEnd, think), cut)
    }
    for agent in uses.indices where !uses[agent].isEmpty {
      let time = requestTime(agent: agent, index: 0, previousEnd: nil)
      schedule(.request(agent: agent), at: time)
    }
    func finish(agent: Int, at time: Int64) {
      let index = next[agent]
      next[agent] += 1
      if next[agent] < uses[agent].count {
        schedule(.request(agent: agent), at: requestTime(agent: agent, index: next[agent], previousEnd: time))
      } else {
        // What followed its last use in the log follows it here too.
        let tail = max(0, difference(recorder.lastEvent[agent], uses[agent][index].release))
        outcome.end = max(outcome.end, sum(time, tail))
      }
    }
    func grant(_ agent: Int, at time: Int64, in slot: inout Slot) {
      let use = uses[agent][next[agent]]
      slot.holders += 1
      if !(use.shared && slot.honoursModes) { slot.exclusiveHeld = true }
      let wait = difference(time, requestedAt[agent])
      outcome.waits.add(wait)
      outcome.totalWait = sum(outcome.totalWait, wait)
      outcome.acquisitions += 1
      schedule(.release(agent: agent), at: sum(time, newHold(use)))
    }
    let honours = { (lock: LockID) in change == .sharedReads || recorder.sharedInLog.contains(lock) }

    while let due = heap.pop() {
      let time = due.time
      switch due.step {
      case .request(let agent):
        let use = uses[agent][next[agent]]
        if use.timedOut {
          // Replayed as logged: it waits as long as it did, then gives up (it never held).
          finish(agent: agent, at: sum(time, use.wait))
          continue
        }
        requestedAt[agent] = time
        let key = slotKey(use, agent: agent)
        var slot = slots[key] ?? Slot(capacity: use.capacity, honoursModes: honours(use.lock))
        if slot.head == slot.queue.count && slot.admits(shared: use.shared) {
          grant(agent, at: time, in: &slot)
        } else {
          slot.queue.append((agent, use.shared))
        }
        slots[key] = slot
      case .release(let agent):
        let use = uses[agent][next[agent]]
        let key = slotKey(use, agent: agent)
        var slot = slots[key]!  // created by its request
        slot.holders -= 1
        if slot.holders == 0 { slot.exclusiveHeld = false }
        finish(agent: agent, at: time)
        // FIFO: the front of the queue goes first; readers behind it join while they can.
        while slot.head < slot.queue.count, slot.admits(shared: slot.queue[slot.head].shared) {
          let waiter = slot.queue[slot.head].agent
          slot.head += 1
          grant(waiter, at: time, in: &slot)
        }
        if slot.head == slot.queue.count {
          slot.queue.removeAll(keepingCapacity: true)
          slot.head = 0
        }
        slots[key] = slot
      }
    }
    return outcome
  }
}

/// What happens to an agent at a moment of the replay.
enum WhatIfReplayStep {
  case release(agent: Int)
  case request(agent: Int)

  /// At equal times a release comes first (rank 0): a lock freed at t serves a request made at t.
  var rank: Int {
    switch self {
    case .release: 0
    case .request: 1
    }
  }
}

/// A step due at `time`, ordered by time, then releases before requests, then the order
/// in which steps were scheduled.
private struct ScheduledStep: Comparable {
  var time: Int64
  var step: WhatIfReplayStep
  var sequence: Int

  static func < (a: ScheduledStep, b: ScheduledStep) -> Bool {
    (a.time, a.step.rank, a.sequence) < (b.time, b.step.rank, b.sequence)
  }

  static func == (a: ScheduledStep, b: ScheduledStep) -> Bool {
    (a.time, a.step.rank, a.sequence) == (b.time, b.step.rank, b.sequence)
  }
}
