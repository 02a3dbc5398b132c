/// The live summary `watch` prints every `--interval`: the locks with the most wait in the
/// interval just ended, with who holds them and how many queue now. Its counters cover one
/// interval and are dropped when it is printed, so a watch that runs for weeks keeps only
/// the locks active in the current interval.
struct IntervalSummary: TimelineObserver {
  struct Counts {
    var acquisitions = 0
    var waitTotal: Int64 = 0
    var waitMax: Int64 = 0
  }

  let scope: TimelineScope
  private var counts: [LockID: Counts] = [:]
  private var events = 0
  private var timeouts = 0

  init(_ context: LogAnalysis.Context) {
    scope = context
  }

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { true }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    events += 1
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    guard scope.selection.includes(event.agent) else { return }
    counts[event.lock, default: Counts()].acquisitions += 1
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    guard scope.selection.includes(wait.agent) else { return }
    let length = wait.end - wait.start
    counts[wait.lock, default: Counts()].waitTotal &+= length
    counts[wait.lock, default: Counts()].waitMax = max(counts[wait.lock, default: Counts()].waitMax, length)
    if wait.outcome == .timedOut { timeouts += 1 }
  }

  /// The summary of the interval that ends at `now` (log time), `top` locks at most, and a
  /// fresh start for the next. `locks` is the engine's state, for holders and queues now.
  mutating func take(now: Int64, interval: Int64, top: Int, locks: LockTable, style: TerminalStyle) -> [String] {
    defer {
      counts.removeAll(keepingCapacity: false)
      events = 0
      timeouts = 0
    }
    var lines = [
      style.bold("── \(TextTimelineWriter.timeOfDay(now))") + "  last \(HumanDuration.human(interval)): \(events) events, "
        + "\(counts.values.reduce(0) { $0 + $1.acquisitions }) acquisitions, \(timeouts) timeouts"
    ]
    // Locks with a queue now belong in the summary even when nothing moved.
    for (index, state) in locks.enumerated() where !state.waiters.isEmpty && counts[LockID(Int32(index))] == nil {
      counts[LockID(Int32(index))] = Counts()
    }
    let hottest = counts.sorted { a, b in
      let (qa, qb) = (queue(a.key, locks), queue(b.key, locks))
      if a.value.waitTotal != b.value.waitTotal { return a.value.waitTotal > b.value.waitTotal }
      if qa != qb { return qa > qb }
      return scope.lockName(a.key) < scope.lockName(b.key)
    }.prefix(top)
    for (lock, count) in hottest {
      var line =
        "   \(TerminalText.escaped(scope.lockName(lock)))  \(count.acquisitions) acq · wait \(HumanDuration.human(count.waitTotal))"
      if count.waitMax > 0 { line += " (max \(HumanDuration.human(count.waitMax)))" }
      let waiting = queue(lock, locks)
      if waiting > 0 { line += " · " + style.yellow("\(waiting) queued") }
      if lock.index < locks.count, let holder = locks[lock.index].holders.min(by: { $0.since < $1.since }) {
        line += " · held by \(TerminalText.escaped(scope.agentName(holder.agent))) for \(HumanDuration.human(max(0, now - holder.since)))"
        if locks[lock.index].holders.count > 1 { line += " (+\(locks[lock.index].holders.count - 1))" }
      }
      lines.append(line)
    }
    return lines
  }

  private func queue(_ lock: LockID, _ locks: LockTable) -> Int {
    lock.index < locks.count ? locks[lock.index].waiters.count : 0
  }
}
