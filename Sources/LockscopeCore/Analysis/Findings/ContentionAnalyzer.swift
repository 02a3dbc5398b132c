/// The classic contention failures, grouped per lock so a report stays readable and memory
/// stays bounded: long holds (over `--long-hold`, or far above the lock's usual hold), hot
/// locks (held most of the time while others queue: the workers are serialized), starvation
/// (a waiter overtaken again and again), and timeouts.
struct ContentionAnalyzer: FindingAnalyzer {
  /// One notable interval, for the "worst three" of a group.
  struct Sample {
    var agent: AgentID
    var duration: Int64
    var time: Int64
    var source: SourceLocation
    var overtaken = 0
    /// The hold's expected length (`expected_ms`, `--expect-hold`), or -1.
    var expected: Int64 = -1
    /// Where in the code the hold was taken or the wait requested (-1: no `site`).
    var site: Int32 = -1
  }

  /// What is remembered per lock: counts, a few distinct agents, the worst samples.
  struct Group {
    var count = 0
    var agents: [AgentID] = []
    var moreAgents = false
    var worst: [Sample] = []

    mutating func add(_ sample: Sample, rankBy key: (Sample) -> Int64) {
      count += 1
      if !agents.contains(sample.agent) {
        if agents.count < 32 { agents.append(sample.agent) } else { moreAgents = true }
      }
      worst.append(sample)
      worst.sort { key($0) > key($1) }
      if worst.count > 3 { worst.removeLast() }
    }
  }

  /// A lock's active span: its first event to its last (the end of the log when a hold or
  /// wait of it is still open there). A hot lock is judged over it, not the whole log.
  struct ActiveSpan {
    var first: Int64 = .max
    var last: Int64 = .min
  }

  /// Where a hot lock is shown: the longest released hold (an outlier candidate too), else
  /// the first hold of any ending. 32 bytes a lock (a million per-key locks): the hold's
  /// input and line share a word with the flags, and what rarely has a value (an expected
  /// length, an input or line past the packed widths) is kept beside it, by lock.
  struct ShownHold {
    var agent = AgentID(-1)
    var site: Int32 = -1
    /// `releasedBit`, `keptBit`, the input in the `inputBits` below them (all ones: the
    /// source is in `shownWideSources`), and the line in the low `lineBits`.
    var packed: UInt64 = 0
    var duration: Int64 = -1
    var time: Int64 = 0

    static let releasedBit: UInt64 = 1 << 63
    static let keptBit: UInt64 = 1 << 62
    static let lineBits: UInt64 = 44
    static let inputBits: UInt64 = 18
    static let lineMask: UInt64 = 1 << lineBits - 1
    static let inputMask: UInt64 = 1 << inputBits - 1

    var isKept: Bool { packed & Self.keptBit != 0 }
    /// Whether it is the longest released hold.
    var released: Bool { packed & Self.releasedBit != 0 }
    /// The longest released hold's length so far (-1: none).
    var longestReleased: Int64 { released ? duration : -1 }
  }

  /// What only a lock that others queued for has: hot-lock facts.
  struct QueuedFacts {
    var lock: LockID
    var heldWithWaiters: Int64 = 0
    var waitingAgents: [AgentID] = []
    var lastWaitingAgent = AgentID(-1)
    var moreWaitingAgents = false
  }

  private let options: FindingOptions
  private var longHolds: [Int32: Group] = [:]
  private var starvation: [Int32: Group] = [:]
  private var timeouts: [Int32: Group] = [:]
  /// Per lock, in three arrays, so a lock nobody queued for costs 52 bytes here.
  private var spans: [ActiveSpan] = []
  private var shownHolds: [ShownHold] = []
  /// The expected length of a shown hold that has one, by lock.
  private var shownExpected: [Int32: Int64] = [:]
  /// The source of a shown hold whose input or line is past `ShownHold`'s widths, by lock.
  private var shownWideSources: [Int32: SourceLocation] = [:]
  /// The lock's entry in `queued` (-1: none yet).
  private var queuedSlot: [Int32] = []
  private var queued: [QueuedFacts] = []

  init(options: FindingOptions) {
    self.options = options
  }

  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {
    guard !state.holders.isEmpty else { return }
    ensure(lock)
    queued[queuedFacts(lock)].heldWithWaiters += elapsed
  }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    seen(event.lock, at: time)
    guard contended else { return }
    let (agent, lock) = (event.agent, event.lock)
    let slot = queuedFacts(lock)
    // The same agent queueing again is the common case; the list is short and capped.
    if queued[slot].lastWaitingAgent == agent { return }
    queued[slot].lastWaitingAgent = agent
    guard !queued[slot].waitingAgents.contains(agent) else { return }
    if queued[slot].waitingAgents.count < 64 {
      queued[slot].waitingAgents.append(agent)
    } else {
      queued[slot].moreWaitingAgents = true
    }
  }

  /// The index in `queued` of `lock`'s facts, made on first use (the lock is ensured).
  private mutating func queuedFacts(_ lock: LockID) -> Int {
    let slot = Int(queuedSlot[lock.index])
    if slot >= 0 { return slot }
    queued.append(QueuedFacts(lock: lock))
    queuedSlot[lock.index] = Int32(queued.count - 1)
    return queued.count - 1
  }

  mutating func holdEnded(_ hold: HoldInterval) { holdEnded(hold, expected: -1) }

  /// A hold ended; `expected` is its expected length, or -1.
  mutating func holdEnded(_ hold: HoldInterval, expected: Int64) {
    seen(hold.lock, at: hold.end)
    if hold.outcome != .released {
      if !shownHolds[hold.lock.index].isKept {
        let sample = Sample(agent: hold.agent, duration: hold.end - hold.start, time: hold.start, source: hold.source, site: hold.site)
        show(sample, released: false, lock: hold.lock.index)
      }
      return
    }
    let duration = hold.end - hold.start
    // Most holds are neither the lock's longest yet nor long: no sample is made for them.
    let longest = duration > shownHolds[hold.lock.index].longestReleased
    guard longest || duration > options.longHold else { return }
    let sample = Sample(agent: hold.agent, duration: duration, time: hold.start, source: hold.source, expected: expected, site: hold.site)
    if longest {
      show(sample, released: true, lock: hold.lock.index)
    }
    if duration > options.longHold {
      longHolds[hold.lock.rawValue, default: Group()].add(sample) { $0.duration }
    }
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    seen(wait.lock, at: wait.end)
    let starved = wait.overtaken >= options.starvationOvertakes
    guard starved || wait.outcome == .timedOut else { return }
    let sample = Sample(
      agent: wait.agent, duration: wait.end - wait.start, time: wait.start, source: wait.source, overtaken: wait.overtaken, site: wait.site)
    if starved {
      starvation[wait.lock.rawValue, default: Group()].add(sample) { Int64($0.overtaken) }
    }
    if wait.outcome == .timedOut {
      timeouts[wait.lock.rawValue, default: Group()].add(sample) { $0.duration }
    }
  }

  /// Makes `sample` lock `index`'s shown hold (the lock is ensured).
  mutating func show(_ sample: Sample, released: Bool, lock index: Int) {
    let key = Int32(index)
    var packed = ShownHold.keptBit | (released ? ShownHold.releasedBit : 0)
    let source = sample.source
    if source.input >= 0 && UInt64(source.input) < ShownHold.inputMask && source.line >= 0
      && UInt64(source.line) <= ShownHold.lineMask
    {
      packed |= UInt64(source.input) << ShownHold.lineBits | UInt64(source.line)
      if !shownWideSources.isEmpty { shownWideSources[key] = nil }
    } else {
      packed |= ShownHold.inputMask << ShownHold.lineBits
      shownWideSources[key] = source
    }
    if sample.expected >= 0 {
      shownExpected[key] = sample.expected
    } else if !shownExpected.isEmpty {
      shownExpected[key] = nil
    }
    shownHolds[index] = ShownHold(agent: sample.agent, site: sample.site, packed: packed, duration: sample.duration, time: sample.time)
  }

  /// Lock `index`'s shown hold as it was given to `show`, or nil (none, or not ensured).
  func shownSample(_ index: Int) -> Sample? {
    guard index < shownHolds.count else { return nil }
    let shown = shownHolds[index]
    guard shown.isKept else { return nil }
    let key = Int32(index)
    let input = shown.packed >> ShownHold.lineBits & ShownHold.inputMask
    let source =
      input == ShownHold.inputMask
      ? shownWideSources[key] ?? SourceLocation(input: 0, line: 0)
      : SourceLocation(input: Int32(input), line: Int64(shown.packed & ShownHold.lineMask))
    return Sample(
      agent: shown.agent, duration: shown.duration, time: shown.time, source: source, expected: shownExpected[key] ?? -1, site: shown.site)
  }

  /// Inline, with the growing apart: called on every attempt, wait and hold, and the call
  /// cost as much as the two compares.
  @inline(__always)
  private mutating func seen(_ lock: LockID, at time: Int64) {
    if lock.index >= spans.count { grow(toInclude: lock) }
    spans[lock.index].first = min(spans[lock.index].first, time)
    spans[lock.index].last = max(spans[lock.index].last, time)
  }

  mutating func ensure(_ lock: LockID) {
    if lock.index >= spans.count { grow(toInclude: lock) }
  }

  @inline(never)
  private mutating func grow(toInclude lock: LockID) {
    let missing = lock.index + 1 - spans.count
    spans.append(contentsOf: repeatElement(ActiveSpan(), count: missing))
    shownHolds.append(contentsOf: repeatElement(ShownHold(), count: missing))
    queuedSlot.append(contentsOf: repeatElement(-1, count: missing))
  }

  // MARK: Findings

  func findings(in context: FindingContext) -> [FindingDraft] {
    var findings: [FindingDraft] = []
    for (lock, group) in longHolds.sorted(by: { $0.key < $1.key }) {
      findings.append(longHoldFinding(LockID(lock), group, context))
    }
    findings += outliers(context)
    findings += hotLocks(context)
    for (lock, group) in starvation.sorted(by: { $0.key < $1.key }) {
      let id = LockID(lock)
      let worst = group.worst[0]
      let message: FindingText =
        "\(agentsPhrase(group)) waited on \(quoted: id) while others who came later took it first, up to \(worst.overtaken) times in one wait (\(quoted: worst.agent), \(HumanDuration.human(worst.duration)))."
      findings.append(
        finding(
          .starvation, .warning, on: id, group, message: message,
          remedy:
            "Use a fair (FIFO) lock or stop barging (try-lock loops that jump the queue); bound waits with a timeout and retry with back-off.",
          details: groupDetails(group, context, value: { .int(Int64($0.overtaken)) }, key: "overtaken")))
    }
    for (lock, group) in timeouts.sorted(by: { $0.key < $1.key }) {
      let id = LockID(lock)
      let worst = group.worst[0]
      let attempts = id.index < context.statistics.locks.count ? context.statistics.locks[id.index].attempts : 0
      let rate = attempts > 0 ? Double(group.count) / Double(attempts) : 0
      let message: FindingText =
        "\(group.count) \(group.count == 1 ? "wait" : "waits") on \(quoted: id) by \(agentsPhrase(group)) timed out (\(formatFixed(rate * 100, decimals: 1))% of attempts); the longest gave up after \(HumanDuration.human(worst.duration))."
      findings.append(
        finding(
          .timeout, rate >= 0.01 ? .warning : .info, on: id, group, message: message,
          remedy:
            "Shorten the holds on \(quoted: id) (see who blocked the waiters in the blocking table) or raise the timeout if the wait is expected.",
          details: groupDetails(group, context, value: { .int($0.duration) }, key: "wait_ns") + [("timeout_rate", .double(rate))]))
    }
    return findings
  }

  private func longHoldFinding(_ lock: LockID, _ group: Group, _ context: FindingContext) -> FindingDraft {
    let worst = group.worst[0]
    let what = group.count == 1 ? "1 hold" : "\(group.count) holds"
    // With an expectation, the longest is set against it: "held 5.2s, expected 200ms".
    let longest =
      worst.expected >= 0
      ? "the longest held \(HumanDuration.human(worst.duration)), expected \(HumanDuration.human(worst.expected))"
      : "the longest \(HumanDuration.human(worst.duration))"
    let message: FindingText =
      "\(what) of \(quoted: lock) lasted longer than \(HumanDuration.human(options.longHold)), by \(agentsPhrase(group)); \(longest) (\(quoted: worst.agent)\(at: worst.site))."
    let expectedDetail: [(key: String, value: JSONValue)] = worst.expected >= 0 ? [("expected_ns", .int(worst.expected))] : []
    return finding(
      .longHold, .warning, on: lock, group, message: message,
      remedy: "Narrow the critical section: do the slow work (an LLM call, I/O) outside the lock and hold it only for the state update.",
      details: groupDetails(group, context, value: { .int($0.duration) }, key: "hold_ns") + expectedDetail + context.siteDetail(worst.site))
  }

  /// A lock's longest hold, when it is below `--long-hold` but still far (100×, and 10 ms
  /// or more) above the lock's median hold.
  private func outliers(_ context: FindingContext) -> [FindingDraft] {
    var findings: [FindingDraft] = []
    for (index, shown) in shownHolds.enumerated() where index < context.statistics.locks.count && shown.released {
      guard let worst = shownSample(index), worst.duration <= options.longHold else { continue }
      let digest = context.statistics.locks[index].hold
      guard digest.count >= 20 else { continue }
      let median = digest.percentile(50)
      guard worst.duration >= 10_000_000 && worst.duration >= 100 * max(median, 1) else { continue }
      let lock = LockID(Int32(index))
      var group = Group()
      group.add(worst) { $0.duration }
      let message: FindingText =
        "A hold of \(quoted: lock) by \(quoted: worst.agent) lasted \(HumanDuration.human(worst.duration)), far longer than its usual \(HumanDuration.human(median))."
      findings.append(
        finding(
          .longHold, .info, on: lock, group, message: message,
          remedy: "Look at what this holder did while holding the lock (slow I/O or a call inside the critical section).",
          details: groupDetails(group, context, value: { .int($0.duration) }, key: "hold_ns") + [
            ("outlier", .bool(true)), ("median_hold_ns", .int(median)),
          ]))
    }
    return findings
  }

  /// Locks held most of the observed time while others queued: the agents run one at a time.
  private func hotLocks(_ context: FindingContext) -> [FindingDraft] {
    var findings: [FindingDraft] = []
    guard context.span > 0 else { return [] }
    // In lock order, as the findings have always come.
    for fact in queued.sorted(by: { $0.lock < $1.lock }) where fact.waitingAgents.count >= 2 {
      let lock = fact.lock
      let index = lock.index
      let span = spans[index]
      let shownHold = shownSample(index)
      guard context.locks.seen(lock), index < context.statistics.locks.count else { continue }
      let heldNanos = context.locks.heldNanos(lock)
      // Over the lock's own active span: a lock busy all its life in a longer log is hot.
      let activeSpan = max(1, min(context.span, span.last - max(span.first, context.spanStart)))
      let utilization = min(1, Double(heldNanos) / Double(activeSpan))
      let contended = heldNanos > 0 ? Double(fact.heldWithWaiters) / Double(heldNanos) : 0
      guard utilization >= options.hotUtilization && contended >= options.hotContendedShare else { continue }
      let row = context.statistics.locks[index]
      // Serialization is agents taking turns: one hold that others waited for all its short
      // life is an orphan's or a long hold's story, not a hot lock.
      guard row.acquisitions >= 2 else { continue }
      // How many agents made progress under the lock at once, on average: total hold time
      // over the span. For a mutex it cannot pass 1, however many agents queue for it.
      let parallelism = row.holdNanos.doubleValue / Double(activeSpan)
      let holdP50 = row.hold.percentile(50)
      var message: FindingText =
        "\(quoted: lock) was held \(formatFixed(utilization * 100, decimals: 1))% of its active span (\(HumanDuration.human(activeSpan)), its first event to its last) with others queued for \(formatFixed(contended * 100, decimals: 1))% of it: \(fact.waitingAgents.count)\(fact.moreWaitingAgents ? "+" : "") agents queued for it, yet on average only \(formatFixed(parallelism, decimals: 1)) held it at once."
      let remedy: FindingText
      if holdP50 >= 100_000_000 {
        remedy =
          "Holds are long (median \(HumanDuration.human(holdP50))): move the slow call out of the critical section and hold \(quoted: lock) only for the state update, or use per-key locks so agents working on different keys do not queue."
      } else {
        remedy =
          "Holds are short but constant: split \(quoted: lock) into per-key locks (sharding), use a read-write lock if most holders only read, or hand the work to a queue with one owner."
      }
      // Where in the code: the acquire site of its longest hold, the line to narrow.
      let site = shownHold?.site ?? -1
      if context.siteName(site) != nil { message += " Its longest hold was taken\(at: site)." }
      findings.append(
        FindingDraft(
          kind: .hotLock, severity: .warning, locks: [lock], agents: fact.waitingAgents,
          time: shownHold?.time ?? context.locks.integratedUntil(lock), source: shownHold?.source,
          message: message, remedy: remedy,
          details: [
            ("utilization", .double(utilization)), ("active_span_ns", .int(activeSpan)), ("contended_share", .double(contended)),
            ("queued_agents", .int(Int64(fact.waitingAgents.count))), ("effective_parallelism", .double(parallelism)),
            ("hold_p50_ns", .int(holdP50)),
          ] + context.siteDetail(site)))
    }
    return findings
  }

  /// A finding about a group of one lock: its agents, shown at its worst sample, standing
  /// for every one of it.
  private func finding(
    _ kind: FindingKind, _ severity: Finding.Severity, on lock: LockID, _ group: Group, message: FindingText,
    remedy: FindingText, details: [(key: String, value: JSONValue)]
  ) -> FindingDraft {
    let worst = group.worst[0]
    return FindingDraft(
      kind: kind, severity: severity, locks: [lock], agents: group.agents, time: worst.time, source: worst.source, message: message,
      remedy: remedy, details: details, count: group.count)
  }

  private func agentsPhrase(_ group: Group) -> FindingText {
    if group.agents.count == 1 { return "\(quoted: group.agents[0])" }
    return "\(group.agents.count)\(group.moreAgents ? "+" : "") agents"
  }

  private func groupDetails(_ group: Group, _ context: FindingContext, value: (Sample) -> JSONValue, key: String) -> [(
    key: String, value: JSONValue
  )] {
    [
      ("count", .int(Int64(group.count))),
      (
        "worst",
        .array(
          group.worst.map { sample in
            .object(
              [
                ("agent", .string(context.agentName(sample.agent))), (key, value(sample)),
                ("ts", .string(Timestamp.rfc3339(sample.time))), ("source", .string(context.source(sample.source))),
              ] + context.siteDetail(sample.site))
          })
      ),
    ]
  }
}
