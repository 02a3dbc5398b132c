/// The rows of a lock, agent or family table in report order. Built from a log, they are
/// made as they are read, from the analyzers' totals: a million per-key locks cost the
/// report 4 bytes each, not a 400-byte row, and the text report, showing `--top` of them,
/// makes only those. Rows given as values (fleet merges, tests) are kept as they are.
struct MetricsRows: RandomAccessCollection, ExpressibleByArrayLiteral, Equatable, Sendable {
  private enum Storage: Sendable {
    case rows([MetricsRow])
    case made(MadeRows)
  }

  private var storage: Storage

  init(_ rows: [MetricsRow] = []) { storage = .rows(rows) }

  init(arrayLiteral rows: MetricsRow...) { storage = .rows(rows) }

  /// Rows made on demand: `row(at: i)` for the i-th of `count` rows. `causedWait`, when
  /// given, is the i-th row's `causedWaitNanos` read without making the row.
  init(count: Int, row: @escaping @Sendable (Int) -> MetricsRow, causedWait: (@Sendable (Int) -> Int128)? = nil) {
    storage = .made(MadeRows(count: count, make: row, causedWait: causedWait, escaped: false))
  }

  /// The rows that made others wait (`causedWaitNanos` above zero), in row order. Made rows
  /// with a `causedWait` reader are made only for those: a million agents' rows are not
  /// all made to find the few who blocked someone.
  var causingWait: [MetricsRow] {
    guard case .made(let made) = storage, let causedWait = made.causedWait else {
      return filter { $0.causedWaitNanos > 0 }
    }
    return (0..<made.count).filter { causedWait($0) > 0 }.map { self[$0] }
  }

  var startIndex: Int { 0 }
  var endIndex: Int {
    switch storage {
    case .rows(let rows): rows.count
    case .made(let made): made.count
    }
  }

  subscript(position: Int) -> MetricsRow {
    switch storage {
    case .rows(let rows): return rows[position]
    case .made(let made):
      precondition(position >= 0 && position < made.count, "row index out of range")
      var row = made.make(position)
      if made.escaped { row = row.terminalSafe }
      return row
    }
  }

  /// Every row as a value.
  var array: [MetricsRow] {
    switch storage {
    case .rows(let rows): rows
    case .made: Array(self)
    }
  }

  mutating func append(_ row: MetricsRow) {
    var rows = array
    storage = .rows([])  // let go of the old buffer: appended in place
    rows.append(row)
    storage = .rows(rows)
  }

  mutating func sort(by areInIncreasingOrder: (MetricsRow, MetricsRow) -> Bool) {
    var rows = array
    storage = .rows([])
    rows.sort(by: areInIncreasingOrder)
    storage = .rows(rows)
  }

  /// The rows with their names escaped for a terminal (`Report.terminalSafe`); made rows
  /// are escaped as each is made.
  var terminalSafe: MetricsRows {
    switch storage {
    case .rows(let rows): return MetricsRows(rows.map(\.terminalSafe))
    case .made(var made):
      made.escaped = true
      var copy = self
      copy.storage = .made(made)
      return copy
    }
  }

  static func == (a: MetricsRows, b: MetricsRows) -> Bool { a.elementsEqual(b) }

  private struct MadeRows: Sendable {
    var count: Int
    var make: @Sendable (Int) -> MetricsRow
    var causedWait: (@Sendable (Int) -> Int128)?
    var escaped: Bool
  }
}
