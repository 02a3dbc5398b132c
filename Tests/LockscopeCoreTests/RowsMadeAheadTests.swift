import Foundation
import Testing

@testable import LockscopeCore

/// `--threads 2` makes the report's first rows on the other core while the findings are
/// worked out (`RowsMadeAhead`); the report's thread makes the rest. Either way a row must
/// be the one made on demand.
@Suite("Rows made ahead")
struct RowsMadeAheadTests {
  /// A row that says which one it is, so a row out of place shows.
  static func row(_ table: Int, _ index: Int) -> MetricsRow {
    var row = MetricsRow()
    row.attempts = table * 1_000 + index
    return row
  }

  @Test("rows made ahead are the rows made on demand: a prefix of each table in turn, up to the limit in all, none past it")
  func prefixUpToTheLimit() {
    // The thread starts the second table only after publishing the first one's rows: its
    // first row signals that the first table is complete. The limit of 10 leaves the second
    // table 4 rows, the third none.
    let secondTableStarted = DispatchSemaphore(value: 0)
    let ahead = RowsMadeAhead(
      [
        .init(count: 6) { RowsMadeAheadTests.row(0, $0) },
        .init(count: 9) { index in
          if index == 0 { secondTableStarted.signal() }
          return RowsMadeAheadTests.row(1, index)
        },
        .init(count: 3) { RowsMadeAheadTests.row(2, $0) },
      ], limit: 10)
    #expect(secondTableStarted.wait(timeout: .now() + 30) == .success)
    for index in 0..<6 {
      #expect(ahead.row(index, of: 0) == RowsMadeAheadTests.row(0, index), "row \(index)")
    }
    // The second table was stopped wherever the thread was: what it made is a prefix, of 4
    // rows at most.
    let made = (0..<9).map { ahead.row($0, of: 1) }
    let prefix = made.prefix { $0 != nil }.count
    #expect(prefix <= 4, "made ahead: \(made.map { $0 != nil })")
    #expect(made[prefix...].allSatisfy { $0 == nil }, "made ahead: \(made.map { $0 != nil })")
    for index in 0..<prefix { #expect(made[index] == RowsMadeAheadTests.row(1, index)) }
    #expect((0..<3).allSatisfy { ahead.row($0, of: 2) == nil }, "past the limit")
  }

  @Test("asked at once, while the thread is making rows: what it made is a prefix, each row right, the rest left to the caller")
  func stoppedAtOnce() {
    let ahead = RowsMadeAhead([.init(count: 100_000) { RowsMadeAheadTests.row(0, $0) }], limit: 100_000)
    let made = (0..<100_000).map { ahead.row($0, of: 0) }
    let prefix = made.prefix { $0 != nil }.count
    #expect(made[prefix...].allSatisfy { $0 == nil })
    for index in 0..<prefix { #expect(made[index] == RowsMadeAheadTests.row(0, index)) }
  }

  /// More locks than are made ahead, so the report's rows come from both threads.
  @Test("a report with more locks than are made ahead is the same on one and two threads")
  func moreRowsThanTheLimit() {
    let locks = RowsMadeAhead.defaultLimit + 300
    var lines: [String] = []
    for index in 0..<locks {
      // Waits and holds that differ by lock (in whole milliseconds, as `line` writes them),
      // so the rows' order and digests differ too.
      let start = 1.0 + Double(index) / 100
      let agent = "w\(index % 37)"
      let other = "w\(index % 37 + 37)"
      let lock = "L\(index)"
      let handOver = start + 0.002 + Double(index % 5) / 1_000
      lines.append(line(start, "acquire", agent, lock))
      lines.append(line(start + 0.001, "request", other, lock))
      lines.append(line(handOver, "release", agent, lock))
      lines.append(line(handOver, "acquire", other, lock))
      lines.append(line(handOver + 0.001 + Double(index % 3) / 1_000, "release", other, lock))
    }
    let path = temporaryFile(lines.joined(separator: "\n") + "\n")
    // JSON and `--top 0` show every row; Markdown, the top ones.
    for (arguments, everyRow) in [
      (["report", "--format", "json", path], true), (["report", "--top", "0", path], true),
      (["report", "--format", "markdown", path], false),
    ] {
      let one = runCLI(arguments + ["--threads", "1"])
      let two = runCLI(arguments + ["--threads", "2"])
      #expect(one.status == 0 && two.status == 0, "\(arguments)")
      #expect(one.out == two.out, "\(arguments)")
      if everyRow {
        #expect(one.out.contains("\"L\(locks - 1)\"") || one.out.contains("\nL\(locks - 1) "), "\(arguments): every lock has a row")
      }
    }
  }
}
