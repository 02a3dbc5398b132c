import Foundation

/// `--threads 2`, once the log is read: the report's first rows made on the other core while
/// this one works out the findings. The findings come first (the report's summary counts
/// them), so without this the second core would idle through them, and then this one would
/// make every row as it writes it.
///
/// A row is the same whoever makes it: it is read from totals that no longer change. The
/// rows made here have no name yet (the report's thread names them, as `NameTable` keeps a
/// cache that only one thread may write), and nothing here allocates once started: the
/// threads share one malloc arena (`FreedMemory.useOneArena`), and taking turns at its lock
/// cost the findings more than the rows saved. The first row asked for stops the thread:
/// what it made by then is used, and the report's thread makes the rest as before.
/// Memory: at most `limit` rows in all, about 3 MB, are made ahead. A log of 5,000 locks and
/// 200 agents then has every row made while the findings are (about 20 ms beside 25); 1 MB
/// left half of them to the report's thread, 10 ms more of the run's single-threaded end.
final class RowsMadeAhead: @unchecked Sendable {
  /// A table of rows: how many, and how the i-th is made (unnamed).
  struct Table {
    var count: Int
    var make: (Int) -> MetricsRow
  }

  static let defaultLimit = (3 << 20) / MemoryLayout<MetricsRow>.stride

  /// Guards `made` and `stopped` (nobody waits on it).
  private let lock = NSLock()
  /// Rows made so far, per table, in order; written by the thread until `stopped`.
  private var made: [[MetricsRow]]
  private var stopped = false
  /// What `made` held when the report's thread stopped the other one (its own from then on).
  private var taken: [[MetricsRow]]?

  /// Starts making the first rows of each table in turn, `limit` in all, on a thread of its own.
  init(_ tables: [Table], limit: Int = RowsMadeAhead.defaultLimit) {
    // How many of each table's rows are made: the first table's first.
    var left = limit
    let counts = tables.map { table in
      let count = min(table.count, left)
      left -= count
      return count
    }
    // Room for every row to be made, reserved here: the thread itself allocates nothing.
    made = counts.map { count in
      var rows: [MetricsRow] = []
      rows.reserveCapacity(count)
      return rows
    }
    let work = UncheckedBox(tables)
    Thread { [self] in makeRows(work.value, counts: counts) }.start()
  }

  /// Row `index` of table `table`, unnamed, if it was made ahead; nil if the caller must
  /// make it.
  func row(_ index: Int, of table: Int) -> MetricsRow? {
    let rows = taken?[table] ?? stop()[table]
    return index < rows.count ? rows[index] : nil
  }

  /// Stops the thread after the row it is making and takes what it published.
  private func stop() -> [[MetricsRow]] {
    lock.lock()
    stopped = true
    let rows = made
    made = []
    lock.unlock()
    taken = rows
    return rows
  }

  /// The thread: each row published as it is made, unless the report's thread stopped it.
  private func makeRows(_ tables: [Table], counts: [Int]) {
    for (number, table) in tables.enumerated() {
      for index in 0..<counts[number] {
        let row = table.make(index)
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        made[number].append(row)
      }
    }
  }
}
