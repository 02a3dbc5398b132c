/// Deadlocks: cycles in the wait-for graph, found by the timeline the moment one closes,
/// followed here until one of their edges goes away (a timeout, cancel, crash, expire) or
/// the log ends with the cycle still there.
struct DeadlockAnalyzer: FindingAnalyzer {
  struct Tracked {
    var cycle: WaitCycle
    var key: [LockAgentKey]
    var end: Int64?
    var resolvedBy: String?
  }

  private var open: [Tracked] = []
  private var openKeys: Set<[LockAgentKey]> = []
  private var closed: BoundedList<Tracked>
  var droppedFindings: [(kind: FindingKind, count: Int)] { [(.deadlock, closed.dropped)] }

  init(options: FindingOptions) {
    closed = BoundedList(limit: options.keptPerKind)
  }

  /// The agents of the cycles still open: at the end of the log, their holds belong to
  /// those deadlocks, not to orphans.
  var agentsInOpenCycles: Set<AgentID> { Set(open.flatMap(\.cycle.agents)) }

  mutating func cycleFormed(_ cycle: WaitCycle) {
    let key = cycle.canonicalKey
    guard !openKeys.contains(key) else { return }
    openKeys.insert(key)
    open.append(Tracked(cycle: cycle, key: key))
  }

  // The two below are tested inline, where the timeline calls them: with no deadlock
  // open (nearly always) they do nothing, and the call itself was most of their cost.
  @inline(__always)
  mutating func waitEnded(_ wait: WaitInterval) {
    guard !open.isEmpty, wait.outcome != .endOfLog else { return }
    waitEndedWhileOpen(wait)
  }

  @inline(__always)
  mutating func holdEnded(_ hold: HoldInterval) {
    guard !open.isEmpty, hold.outcome != .endOfLog else { return }
    holdEndedWhileOpen(hold)
  }

  private mutating func waitEndedWhileOpen(_ wait: WaitInterval) {
    let cause: String
    switch wait.outcome {
    case .granted: cause = "acquire"
    case .timedOut: cause = "timeout"
    case .cancelled: cause = "cancel"
    case .abandoned, .endOfLog: cause = "crash"
    }
    // The edge out of the waiter is gone; so is any queue edge pointing at it.
    resolve(at: wait.end, by: cause) { cycle, i in
      (cycle.agents[i] == wait.agent || (cycle.viaQueue[i] && cycle.agents[(i + 1) % cycle.agents.count] == wait.agent))
        && cycle.locks[i] == wait.lock
    }
  }

  private mutating func holdEndedWhileOpen(_ hold: HoldInterval) {
    let cause: String
    switch hold.outcome {
    case .released: cause = "release"
    case .leaseExpired, .expired: cause = "expire"
    case .crashed, .endOfLog: cause = "crash"
    }
    resolve(at: hold.end, by: cause) { cycle, i in
      !cycle.viaQueue[i] && cycle.agents[(i + 1) % cycle.agents.count] == hold.agent && cycle.locks[i] == hold.lock
    }
  }

  mutating func finished(at end: Int64) {
    for tracked in open { closed.append(tracked) }
    open.removeAll()
    openKeys.removeAll()
  }

  private mutating func resolve(at time: Int64, by cause: String, where brokenEdge: (WaitCycle, Int) -> Bool) {
    var index = 0
    while index < open.count {
      let cycle = open[index].cycle
      if cycle.agents.indices.contains(where: { brokenEdge(cycle, $0) }) {
        var tracked = open.remove(at: index)
        openKeys.remove(tracked.key)
        tracked.end = time
        tracked.resolvedBy = cause
        closed.append(tracked)
      } else {
        index += 1
      }
    }
  }

  func findings(in context: FindingContext) -> [FindingDraft] {
    closed.items.map { finding(for: $0, context: context, logEnd: context.span) }
  }

  private func finding(for tracked: DeadlockAnalyzer.Tracked, context: FindingContext, logEnd: Int64) -> FindingDraft {
    let cycle = tracked.cycle
    let selfDeadlock = cycle.agents.count == 1
    var parts: [FindingText] = []
    for i in cycle.agents.indices {
      let next = cycle.agents[(i + 1) % cycle.agents.count]
      let relation = cycle.viaQueue[i] ? "queued behind" : "held by"
      let site = i < cycle.sites.count ? cycle.sites[i] : -1
      parts.append(
        "\(quoted: cycle.agents[i]) waits for \(quoted: cycle.locks[i], at: site) \(relation) \(quoted: next)")
    }
    var message: FindingText
    if selfDeadlock {
      message = "Self-deadlock: \(quoted: cycle.agents[0]) requested \(quoted: cycle.locks[0]), which it already holds."
    } else {
      message = "Deadlock: " + parts.joined(separator: ", ") + "."
    }
    let severity: Finding.Severity
    var details: [(key: String, value: JSONValue)] = []
    if let end = tracked.end, let cause = tracked.resolvedBy {
      let article = "aeiou".contains(cause.first ?? "x") ? "an" : "a"
      message +=
        " It lasted \(HumanDuration.human(max(0, end - cycle.time))) and ended by \(article) \(cause)\(cause == "acquire" || cause == "release" ? ", so a lock in it was not really blocking (a reentrant or reader-preferring lock, or a missing event)" : "")."
      severity = cause == "acquire" || cause == "release" ? .info : (cause == "crash" ? .critical : .warning)
      details.append(("resolved_by", .string(cause)))
      details.append(("duration_ns", .int(max(0, end - cycle.time))))
    } else {
      message += " It was still there at the end of the log."
      severity = .critical
      details.append(("resolved_by", .null))
    }
    details.insert(
      (
        "cycle",
        .array(
          cycle.agents.indices.map { i in
            .object(
              [
                ("agent", .string(context.agentName(cycle.agents[i]))),
                ("waits_for", .string(context.lockName(cycle.locks[i]))),
                (cycle.viaQueue[i] ? "queued_behind" : "held_by", .string(context.agentName(cycle.agents[(i + 1) % cycle.agents.count]))),
              ] + context.siteDetail(i < cycle.sites.count ? cycle.sites[i] : -1))
          })
      ), at: 0)
    details.append(("self_deadlock", .bool(selfDeadlock)))
    let remedy: FindingText =
      selfDeadlock
      ? "Do not take a lock the agent already holds: restructure so the inner code runs without re-acquiring it, or use a reentrant lock on purpose."
      : "Take these locks in one global order everywhere (for example sorted by name), or acquire with a timeout and back off, so a cycle cannot form or last."
    return FindingDraft(
      kind: .deadlock, severity: severity, locks: unique(cycle.locks), agents: unique(cycle.agents), time: cycle.time,
      source: cycle.source, message: message, remedy: remedy, details: details)
  }
}

/// The elements of `list` in first-seen order, without repeats. A finding's few agents or
/// locks are compared with those kept so far: a set for them cost more than the finding's
/// other lists together.
func unique<Element: Hashable>(_ list: [Element]) -> [Element] {
  guard list.count > 16 else {
    var kept: [Element] = []
    kept.reserveCapacity(list.count)
    for element in list where !kept.contains(element) { kept.append(element) }
    return kept
  }
  var seen: Set<Element> = []
  return list.filter { seen.insert($0).inserted }
}
