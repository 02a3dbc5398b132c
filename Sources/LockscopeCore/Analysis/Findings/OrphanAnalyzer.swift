/// Orphans: holds that never ended in a release — the holder crashed, its lease ran out,
/// the manager reclaimed the lock, or it was still held at the end of the log for longer
/// than `--orphan-after` — with how long everyone else waited because of each: the wait
/// its hold imposed while it lasted, plus, once orphaned, the wait on the abandoned lock
/// until someone acquired it again.
public struct OrphanAnalyzer: FindingAnalyzer {
  struct Orphan {
    var hold: HoldInterval
    var blockedWait: Double
  }

  private let orphanAfter: Int64
  /// Orphans whose lock nobody has acquired since: lock → index in `orphans`.
  private var abandoned: [Int32: Int] = [:]
  private var orphans: BoundedList<Orphan>
  public var droppedFindings: [(kind: String, count: Int)] { [("orphan", orphans.dropped)] }

  public init(options: FindingOptions) {
    orphanAfter = options.orphanAfter
    orphans = BoundedList(limit: options.keptPerKind)
  }

  /// Waiters on an abandoned lock (no holder) are charged to the orphan that left it.
  public mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64) {
    guard state.holders.isEmpty, !abandoned.isEmpty, let index = abandoned[lock.rawValue] else { return }
    let waited = Double(elapsed) * Double(state.waiters.count)
    orphans.update(at: index) { $0.blockedWait += waited }
  }

  public mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    if !abandoned.isEmpty { abandoned[event.lock.rawValue] = nil }
  }

  public mutating func holdEnded(_ hold: HoldInterval) {
    switch hold.outcome {
    case .released: return
    case .endOfLog where hold.end - hold.start <= orphanAfter: return
    default: break
    }
    if hold.outcome != .endOfLog, orphans.items.count < orphans.limit {
      abandoned[hold.lock.rawValue] = orphans.items.count
    }
    orphans.append(Orphan(hold: hold, blockedWait: hold.blockedWait))
  }

  public func findings(in context: FindingContext) -> [Finding] {
    orphans.items.map { orphan in
      let hold = orphan.hold
      let who = context.quoted(hold.agent)
      let lock = context.quoted(hold.lock)
      let held = Duration.human(hold.end - hold.start)
      let waited = Int64(saturating: orphan.blockedWait)
      var message: String
      let remedy: String
      switch hold.outcome {
      case .crashed:
        message = "\(who) crashed holding \(lock) (held \(held))."
        remedy = "Release locks in defer/finally and give them leases with heartbeats, so a crashed holder's lock is reclaimed automatically."
      case .leaseExpired:
        message = "The lease of \(who) on \(lock) ran out with no renew or release (held \(held))."
        remedy = "Renew the lease (a heartbeat) while the work goes on, or grant a lease longer than the longest hold."
      case .expired:
        message = "The lock manager reclaimed \(lock) from \(who) (held \(held))."
        remedy = "The holder outlived its lease: renew it while working, and release in defer/finally."
      default:
        message = "\(who) still held \(lock) at the end of the log, for \(held)."
        remedy = "Make sure every acquire has a matching release on every path (defer/finally), or give the lock a lease."
      }
      message += waited > 0 ? " Others waited \(Duration.human(waited)) because of it." : " Nobody waited for it."
      var details: [(key: String, value: JSONValue)] = [
        ("cause", .string(hold.outcome.cause)), ("held_ns", .int(hold.end - hold.start)), ("blocked_wait_ns", .int(waited)),
        ("acquired_at", .string(context.source(hold.source))),
      ]
      if let end = hold.endSource { details.append(("ended_at", .string(context.source(end)))) }
      return Finding(
        // Critical when it stopped others for real (a second or more); otherwise a warning.
        kind: "orphan", severity: waited >= 1_000_000_000 ? .critical : .warning,
        locks: [context.lockName(hold.lock)], agents: [context.agentName(hold.agent)],
        time: hold.outcome == .endOfLog ? hold.start : hold.end,
        source: context.source(hold.endSource ?? hold.source), message: message, remedy: remedy, details: details)
    }
  }
}

