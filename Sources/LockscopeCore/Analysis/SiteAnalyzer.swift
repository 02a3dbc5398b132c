/// Where in the code (SPEC §2 sites): per `site`, the attempts requested there — their
/// `wait` and `blocked` (WAITED AT, perf's view) — and the holds acquired there — their
/// `hold` and the wait they caused others (BLOCKED OTHERS FROM, Go's view). Memory: one
/// accumulator per distinct site; nothing at all when no event has one.
struct SiteAnalyzer: TimelineObserver {
  let selection: Selection
  /// Indexed by site id.
  private(set) var sites: [MetricAccumulator] = []

  init(selection: Selection) { self.selection = selection }

  @inline(__always)
  private mutating func update(_ site: Int32, _ body: (inout MetricAccumulator) -> Void) {
    let index = Int(site)
    if index >= sites.count { sites.append(contentsOf: repeatElement(MetricAccumulator(), count: index + 1 - sites.count)) }
    body(&sites[index])
  }

  // The three below test for a site inline, where the timeline calls them: most logs have
  // none, and the call was all these cost.
  @inline(__always)
  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    guard event.site >= 0 else { return }
    attemptedAtSite(event, at: time, contended: contended, bare: bare)
  }

  @inline(__always)
  mutating func waitEnded(_ wait: WaitInterval) {
    guard wait.site >= 0 else { return }
    waitEndedAtSite(wait)
  }

  @inline(__always)
  mutating func holdEnded(_ hold: HoldInterval) {
    guard hold.site >= 0 else { return }
    holdEndedAtSite(hold)
  }

  private mutating func attemptedAtSite(_ event: LockEvent, at time: Int64, contended: Bool, bare: Bool) {
    guard time >= selection.since, selection.includes(event.agent) else { return }
    update(event.site) { row in
      row.attempts += 1
      row.contendedAttempts += contended ? 1 : 0
      // A bare acquire is its own request, granted at once (SPEC §2).
      if bare {
        row.acquisitions += 1
        row.wait.add(0)
        row.blocked.add(0)
      }
    }
  }

  private mutating func waitEndedAtSite(_ wait: WaitInterval) {
    guard selection.includes(wait.agent) else { return }
    let clipped = max(0, wait.end - max(wait.start, selection.since))
    let inWindow = wait.end >= selection.since
    update(wait.site) { row in
      row.waitNanos += Int128(clipped)
      guard inWindow else { return }
      switch wait.outcome {
      case .granted:
        row.acquisitions += 1
        row.wait.add(wait.end - wait.start)
        row.blocked.add(wait.end - wait.start)
      case .timedOut, .cancelled:
        if wait.outcome == .timedOut { row.timeouts += 1 }
        row.blocked.add(wait.end - wait.start)
      case .abandoned, .endOfLog: break
      }
    }
  }

  private mutating func holdEndedAtSite(_ hold: HoldInterval) {
    // What a hold imposed counts whoever held it, as the engine charged it.
    update(hold.site) { $0.causedWait += hold.causedWait }
    guard selection.includes(hold.agent) else { return }
    let clipped = max(0, hold.end - max(hold.start, selection.since))
    let inWindow = hold.end >= selection.since
    update(hold.site) { row in
      row.holdNanos += Int128(clipped)
      guard inWindow else { return }
      if hold.outcome == .released {
        row.hold.add(hold.end - hold.start)
      } else {
        row.unfinishedHolds += 1
        row.unfinishedMax = max(row.unfinishedMax, hold.end - hold.start)
      }
    }
  }
}
