/// Orphans: holds that never ended in a release — the holder crashed, its lease ran out,
/// the manager reclaimed the lock, or it was still held at the end of the log and either
/// for longer than `--orphan-after`, or some agent spent longer blocked by it than any
/// completed hold of that lock took (SPEC §2: a lock acquired and never released, with
/// others stuck behind it) — with how long everyone else waited because of each: the wait
/// its hold imposed while it lasted, plus, once orphaned, the wait on the abandoned lock
/// until someone acquired it again.
struct OrphanAnalyzer: FindingAnalyzer {
  struct Orphan {
    var hold: HoldInterval
    var blockedWait: Double
  }

  /// A completed hold's length stands in for "as long as a hold takes"; with none, a second.
  static let defaultHoldLength: Int64 = 1_000_000_000

  private let orphanAfter: Int64
  /// The longest released hold of each lock (-1: none), by lock id.
  private var longestReleased: [Int64] = []
  /// Holds still open at the end of the log, decided in `finished` (which knows the
  /// deadlocks still there).
  private var atEnd: [HoldInterval] = []
  /// Orphans whose lock nobody has acquired since: by lock id, the index in `orphans` (-1:
  /// none). An array like `longestReleased`: once a log has an orphan, every acquire looks
  /// here, and a dictionary hashed the lock each time.
  private var abandoned: [Int32] = []
  /// How many entries of `abandoned` are set: none is the common case, tested first.
  private var abandonedCount = 0
  private var orphans: BoundedList<Orphan>
  var droppedFindings: [(kind: FindingKind, count: Int)] { [(.orphan, orphans.dropped)] }

  init(options: FindingOptions) {
    orphanAfter = options.orphanAfter
    orphans = BoundedList(limit: options.keptPerKind)
  }

  /// Waiters on an abandoned lock (no holder) are charged to the orphan that left it.
  mutating func waitersBlocked(on lock: LockID, state: LockState, elapsed: Int64, blocked: Int) {
    guard state.holders.isEmpty, abandonedCount > 0, lock.index >= 0, lock.index < abandoned.count else { return }
    let index = Int(abandoned[lock.index])
    guard index >= 0 else { return }
    let waited = Double(elapsed) * Double(state.waiters.count)
    orphans.update(at: index) { $0.blockedWait += waited }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    let lock = event.lock.index
    if abandonedCount > 0, lock >= 0, lock < abandoned.count, abandoned[lock] >= 0 {
      abandoned[lock] = -1
      abandonedCount -= 1
    }
  }

  /// The end of the log: a hold it closed is an orphan when it was held longer than
  /// `--orphan-after`, or when some agent was blocked by it longer than a completed hold of
  /// its lock took — unless its holder is caught in a deadlock still there (`deadlocked`),
  /// which that finding reports.
  mutating func finished(at end: Int64, deadlocked: Set<AgentID>) {
    for hold in atEnd where !deadlocked.contains(hold.agent) {
      let released = hold.lock.index < longestReleased.count ? longestReleased[hold.lock.index] : -1
      let usual = released >= 0 ? released : Self.defaultHoldLength
      guard hold.end - hold.start > orphanAfter || hold.longestBlocked > usual else { continue }
      orphans.append(Orphan(hold: hold, blockedWait: hold.causedWait))
    }
    atEnd.removeAll()
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    switch hold.outcome {
    case .released:
      if hold.lock.index >= longestReleased.count {
        longestReleased.append(contentsOf: repeatElement(-1, count: hold.lock.index + 1 - longestReleased.count))
      }
      longestReleased[hold.lock.index] = max(longestReleased[hold.lock.index], hold.end - hold.start)
      return
    case .endOfLog:
      atEnd.append(hold)
      return
    default: break
    }
    if hold.outcome != .endOfLog, orphans.items.count < orphans.limit, hold.lock.index >= 0 {
      let lock = hold.lock.index
      if lock >= abandoned.count { abandoned.append(contentsOf: repeatElement(-1, count: lock + 1 - abandoned.count)) }
      if abandoned[lock] < 0 { abandonedCount += 1 }
      abandoned[lock] = Int32(orphans.items.count)
    }
    orphans.append(Orphan(hold: hold, blockedWait: hold.causedWait))
  }

  func findings(in context: FindingContext) -> [FindingDraft] {
    orphans.items.map { orphan in
      let hold = orphan.hold
      let who: FindingText = "\(quoted: hold.agent)"
      let lock: FindingText = "\(quoted: hold.lock, at: hold.site)"
      // A crashed holder held the lock while alive; its hold went on, orphaned, after.
      let aliveUntil = hold.crashedAt ?? hold.end
      let held = HumanDuration.human(aliveUntil - hold.start)
      let waited = Int64(saturating: orphan.blockedWait)
      var message: FindingText
      let remedy: FindingText
      switch hold.outcome {
      case .crashed:
        message = "\(who) crashed holding \(lock) (held \(held))"
        message += hold.end > aliveUntil ? "; it stayed held, orphaned, for \(HumanDuration.human(hold.end - aliveUntil)) more." : "."
        remedy =
          "Release locks in defer/finally and give them leases with heartbeats, so a crashed holder's lock is reclaimed automatically."
      case .leaseExpired:
        message = "The lease of \(who) on \(lock) ran out with no renew or release (held \(held))."
        remedy = "Renew the lease (a heartbeat) while the work goes on, or grant a lease longer than the longest hold."
      case .expired:
        message = "The lock manager reclaimed \(lock) from \(who) (held \(held))."
        remedy = "The holder outlived its lease: renew it while working, and release in defer/finally."
      default:
        message =
          hold.site >= 0
          ? "\(who) took \(lock) and never released it (still held at the end of the log, for \(held))."
          : "\(who) still held \(lock) at the end of the log, for \(held)."
        remedy = "Make sure every acquire has a matching release on every path (defer/finally), or give the lock a lease."
      }
      message += waited > 0 ? " Others waited \(HumanDuration.human(waited)) because of it." : " Nobody waited for it."
      var details: [(key: String, value: JSONValue)] = [
        ("cause", .string(hold.outcome.cause)), ("held_ns", .int(aliveUntil - hold.start)), ("blocked_wait_ns", .int(waited)),
        ("acquired_at", .string(context.source(hold.source))),
      ]
      if hold.crashedAt != nil { details.append(("orphaned_ns", .int(hold.end - aliveUntil))) }
      details += context.siteDetail(hold.site)
      if let end = hold.endSource { details.append(("ended_at", .string(context.source(end)))) }
      return FindingDraft(
        // Critical when it stopped others for real (a second or more); otherwise a warning.
        kind: .orphan, severity: waited >= 1_000_000_000 ? .critical : .warning, locks: [hold.lock], agents: [hold.agent],
        time: hold.outcome == .endOfLog ? hold.start : aliveUntil, source: hold.endSource ?? hold.source, message: message,
        remedy: remedy, details: details)
    }
  }
}
