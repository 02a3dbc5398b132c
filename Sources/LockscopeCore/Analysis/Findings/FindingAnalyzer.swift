/// Thresholds and switches of the finding analyzers (the command line's `--long-hold`,
/// `--orphan-after`, `--suppress`).
struct FindingOptions: Sendable {
  /// `--no-findings`: statistics only (the finding analyzers and the cycle search are skipped).
  var enabled = true
  /// A hold longer than this is a long hold.
  var longHold: Int64 = 1_000_000_000
  /// A hold still open at the end of the log for longer than this is an orphan.
  var orphanAfter: Int64 = 30_000_000_000
  /// A wait overtaken this many times is starvation.
  var starvationOvertakes = 5
  /// A lock held at least this share of the span, with others queued most of that time, is hot.
  var hotUtilization = 0.8
  var hotContendedShare = 0.5
  /// Lock-order cycles the user knows about: each a list of lock globs.
  var suppressedCycles: [[Glob]] = []
  /// At most this many findings of one kind are kept in full; the rest are counted.
  var keptPerKind = 1000
  /// Keep every step of every lock-order edge for a fleet summary (SPEC §7).
  var recordsEdgeHistory = false

  init() {}
}

/// What a finding analyzer needs to turn ids into a report: names, source lines and the
/// statistics of the run.
struct FindingContext {
  let agentName: (AgentID) -> String
  let lockName: (LockID) -> String
  let source: (SourceLocation) -> String
  let statistics: StatisticsAnalyzer
  /// The engine's per-lock totals findings may read (not its state machines).
  let locks: LockActivity
  let span: Int64
  /// Where the observed span starts (`--since` clips it), for spans of single locks.
  var spanStart: Int64 = .min
  let options: FindingOptions
  /// The name of a `site` id (nil for -1: the event had none).
  var siteName: (Int32) -> String? = { _ in nil }

  var names: FindingNames { FindingNames(agentName: agentName, lockName: lockName, source: source, siteName: siteName) }

  /// The one step where an analyzer's finding gets its names.
  func named(_ draft: FindingDraft) -> Finding { draft.named(names) }

  /// `'ledger' at worker.py:41 process_item`, or `'ledger'` with no site.
  func quoted(_ lock: LockID, at site: Int32) -> String {
    quoted(lock) + (siteName(site).map { " at \($0)" } ?? "")
  }

  /// A finding's `site` key (SPEC §5), when it has one.
  func siteDetail(_ site: Int32) -> [(key: String, value: JSONValue)] {
    siteName(site).map { [("site", .string($0))] } ?? []
  }

  func quoted(_ lock: LockID) -> String { "'\(lockName(lock))'" }
  func quoted(_ agent: AgentID) -> String { "'\(agentName(agent))'" }
}

/// An analyzer that watches the timeline and reports findings at the end (its
/// `findings(in:)`: `FindingDraft`s, or lock-order's named `Finding`s). One per file, each for
/// one family of failure.
protocol FindingAnalyzer: TimelineObserver {
  /// Findings found but not kept (past `keptPerKind`), by kind: still counted, so a total
  /// (and an SLO on it) stays exact.
  var droppedFindings: [(kind: FindingKind, count: Int)] { get }
}

extension FindingAnalyzer {
  var droppedFindings: [(kind: FindingKind, count: Int)] { [] }
}

/// Keeps the first `limit` findings of a kind and counts the rest, so memory stays bounded.
struct BoundedList<Element> {
  let limit: Int
  private(set) var items: [Element] = []
  private(set) var dropped = 0

  init(limit: Int) { self.limit = limit }

  mutating func append(_ item: Element) {
    if items.count < limit { items.append(item) } else { dropped += 1 }
  }

  mutating func update(at index: Int, _ body: (inout Element) -> Void) {
    body(&items[index])
  }
}
