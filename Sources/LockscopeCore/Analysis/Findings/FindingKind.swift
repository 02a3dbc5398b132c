/// What a finding is about: the findings of SPEC §2, spelled as the JSON report writes them
/// (§5 `"kind"`). The cases are in report order: within a severity, the failures that stop
/// work come before those that slow it. `watch` raises two more as they happen.
enum FindingKind: String, Sendable, CaseIterable, Comparable {
  case deadlock
  /// `merge` only (SPEC §7): a wait-for cycle whose edges were seen in different shards at
  /// overlapping times.
  case possibleDeadlock = "possible-deadlock"
  case twoHolders = "two-holders"
  case fencing
  case orphan
  case lockOrderInversion = "lock-order-inversion"
  case hotLock = "hot-lock"
  case starvation
  case longHold = "long-hold"
  case timeout
  case anomaly
  /// `watch` only: more waiters at once than `--max-queue`.
  case longQueue = "long-queue"
  /// `watch` only: a lease ran out with no renew while its holder still held the lock.
  case leaseExpired = "lease-expired"

  /// The kinds a report counts (`findings_by_kind`, the Prometheus series), in order.
  static let reported: [FindingKind] = allCases.filter { $0 != .longQueue && $0 != .leaseExpired }

  /// Position in report order.
  private var rank: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }

  static func < (a: FindingKind, b: FindingKind) -> Bool { a.rank < b.rank }
}

extension FindingKind: CustomStringConvertible {
  /// Interpolated, a kind reads as the report spells it.
  var description: String { rawValue }
}
