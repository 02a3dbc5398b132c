/// Where a rule's text came from, for `FILE:LINE:COLUMN` messages and reports.
struct SLOOrigin: Sendable, Equatable {
  /// A file path, `<rule N>` for the N-th `--rule`, or `<default>`.
  var name: String
  var line: Int

  /// `locks.slo:3`
  var description: String { "\(name):\(line)" }
}

/// `<`, `<=`, `>`, `>=`, `==`, `!=`.
enum SLOComparison: String, CaseIterable, Sendable {
  case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="

  func holds(_ value: Double, _ threshold: Double) -> Bool {
    switch self {
    case .less: value < threshold
    case .lessOrEqual: value <= threshold
    case .greater: value > threshold
    case .greaterOrEqual: value >= threshold
    case .equal: value == threshold
    case .notEqual: value != threshold
    }
  }

  /// How far a value is from passing, larger is worse: the order "worst first".
  func badness(_ value: Double) -> Double {
    switch self {
    case .less, .lessOrEqual: value
    case .greater, .greaterOrEqual: -value
    case .equal, .notEqual: 0
    }
  }
}

/// A rule's scope: all locks together, or each lock, agent, lock family (`--family`) or
/// code site whose name matches a glob.
enum SLOScope: Sendable, Equatable {
  case overall
  case lock(Glob)
  case agent(Glob)
  case family(Glob)
  case site(Glob)

  var kind: SLOScopeKind {
    switch self {
    case .overall: .overall
    case .lock: .lock
    case .agent: .agent
    case .family: .family
    case .site: .site
    }
  }

  /// The glob of a scoped rule.
  var glob: Glob? {
    switch self {
    case .overall: nil
    case .lock(let glob), .agent(let glob), .family(let glob), .site(let glob): glob
    }
  }
}

/// One line of an SLO file: `[scope] metric operator threshold`.
struct SLORule: Sendable {
  /// The rule as written, without its comment, and the whole line it came from (for
  /// pointing at a fault in it).
  var text, lineText: String
  var origin: SLOOrigin
  var scope: SLOScope
  var metric: SLOMetric
  var comparison: SLOComparison
  /// In the metric's base unit: nanoseconds, a fraction, or a count.
  var threshold: Double
  /// The threshold as written (`10ms`, `5%`).
  var thresholdText: String
  /// Where the scope's glob is in the line (1-based column, length), to point at it when
  /// it matches nothing.
  var scopeSpan: (column: Int, length: Int)?

  func holds(_ value: Double) -> Bool { comparison.holds(value, threshold) }
}

/// The rules checked when none are given (SPEC §4).
enum DefaultSLO {
  static let text = """
    wait.p95 < 10ms
    wait.p99 < 100ms
    contention.rate < 10%
    timeout.rate < 1%
    deadlocks == 0
    orphans == 0
    """
}
