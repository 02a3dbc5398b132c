/// `timeline --gantt`: for each chosen lock, one row per agent, time across the terminal,
/// holding and waiting drawn with distinct marks and findings marked where they happened.
///
/// It cannot know the log's end while reading, so it keeps, per (lock, agent) row, time
/// buckets of a width that doubles (pairs merged) whenever the log outgrows them: memory
/// is rows × 2 × columns, whatever the length of the log.
struct GanttRecorder: TimelineObserver {
  struct Row {
    var agent: AgentID
    var lock: LockID
    var hold, wait: [Int64]
  }

  let scope: TimelineScope
  /// The whole chart's width, agent names included.
  let width: Int
  /// Columns of bars at most (with the shortest name column).
  let columns: Int
  /// Buckets kept per row: twice the columns, so a doubling keeps at least `columns`.
  private var capacity: Int { 2 * columns }
  private(set) var bucketNanos: Int64
  private(set) var origin: Int64?
  /// The latest time drawn (the chart's right edge).
  private(set) var end: Int64 = .min
  private var rows: [LockAgentKey: Row] = [:]
  /// Past this many rows, more are counted, not drawn: narrow the chart with --lock.
  static let maximumRows = 10_000
  private(set) var droppedRows = 0

  init(_ context: LogAnalysis.Context, width: Int) {
    scope = context
    self.width = width
    let columns = max(10, width - 4)
    self.columns = columns
    let selection = context.selection
    // With both ends of the window known, the buckets never need to grow.
    if selection.since != .min && selection.until != .max {
      bucketNanos = max(1, (selection.until - selection.since + Int64(2 * columns) - 1) / Int64(2 * columns))
    } else {
      bucketNanos = 1_000
    }
  }

  var wantsCycles: Bool { false }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    if origin == nil { origin = max(time, scope.selection.since) }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    if origin == nil { origin = max(time, scope.selection.since) }
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    add(wait.agent, wait.lock, wait.start, wait.end, hold: false)
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    add(hold.agent, hold.lock, hold.start, hold.end, hold: true)
  }

  private mutating func add(_ agent: AgentID, _ lock: LockID, _ start: Int64, _ stop: Int64, hold: Bool) {
    guard scope.selection.includes(agent), let origin else { return }
    let key = LockAgentKey(lock: lock, agent: agent)
    if rows[key] == nil {
      guard rows.count < Self.maximumRows else {
        droppedRows += 1
        return
      }
      rows[key] = Row(agent: agent, lock: lock, hold: Array(repeating: 0, count: capacity), wait: Array(repeating: 0, count: capacity))
    }
    let from = max(start, origin)
    let to = min(stop, scope.selection.until)
    guard to > from else { return }
    end = max(end, to)
    while to - origin > bucketNanos * Int64(capacity) { coarsen() }
    var bucket = Int((from - origin) / bucketNanos)
    while bucket < capacity {
      let bucketStart = origin + Int64(bucket) * bucketNanos
      let overlap = min(to, bucketStart + bucketNanos) - max(from, bucketStart)
      if overlap <= 0 { break }
      if hold { rows[key]!.hold[bucket] += overlap } else { rows[key]!.wait[bucket] += overlap }  // created above
      bucket += 1
    }
  }

  /// Doubles the bucket width: each pair of buckets becomes one.
  private mutating func coarsen() {
    bucketNanos *= 2
    for key in rows.keys {
      rows[key]!.hold = Self.halve(rows[key]!.hold)  // keys come from the dictionary
      rows[key]!.wait = Self.halve(rows[key]!.wait)
    }
  }

  private static func halve(_ buckets: [Int64]) -> [Int64] {
    var out = [Int64](repeating: 0, count: buckets.count)
    for index in 0..<(buckets.count / 2) { out[index] = buckets[2 * index] + buckets[2 * index + 1] }
    return out
  }

  // MARK: Drawing

  /// The charts of the `top` locks with the most wait, with findings marked.
  func render(_ report: Report, top: Int, style: TerminalStyle) -> String {
    guard let origin, end > origin else { return "No waits or holds in the window.\n" }
    let byLock = Dictionary(grouping: rows.values, by: { $0.lock })
    let order = report.locks.compactMap(\.name)
    var locks = byLock.keys.sorted { a, b in
      let (x, y) = (order.firstIndex(of: scope.lockName(a)) ?? .max, order.firstIndex(of: scope.lockName(b)) ?? .max)
      return x != y ? x < y : scope.lockName(a) < scope.lockName(b)
    }
    let hidden = top > 0 ? max(0, locks.count - top) : 0
    if top > 0 { locks = Array(locks.prefix(top)) }
    let labelWidth = max(5, locks.flatMap { byLock[$0] ?? [] }.map { Table.fit(scope.agentName($0.agent), 24).count }.max() ?? 5)
    // Column c covers buckets [c·used/drawn, (c+1)·used/drawn): one or two each, so the
    // chart fills the width it was given.
    let used = min(capacity, Int((end - origin + bucketNanos - 1) / bucketNanos))
    let drawn = max(1, min(max(10, width - labelWidth - 3), used))
    let firstBucket = { (column: Int) in column * used / drawn }
    let columnNanos = Int64(used) * bucketNanos / Int64(drawn)

    var text = ""
    for lock in locks {
      let lockName = scope.lockName(lock)
      let all = byLock[lock] ?? []
      let active = all.filter { row in row.hold.contains { $0 > 0 } || row.wait.contains { $0 > 0 } }
        .sorted { a, b in
          let (x, y) = (firstActive(a), firstActive(b))
          return x != y ? x < y : scope.agentName(a.agent) < scope.agentName(b.agent)
        }
      let labels = active.map { Table.fit(scope.agentName($0.agent), 24) }
      text +=
        style.bold(TerminalText.escaped(lockName)) + "  " + TextReportRenderer.shortTime(origin) + " … +"
        + HumanDuration.human(end - origin)
        + style.dim("  (one column = \(HumanDuration.human(columnNanos)))") + "\n"
      // The column holding a time: the one whose buckets include the time's bucket.
      let columnOf = { (time: Int64) -> Int in
        let bucket = Int((time - origin) / bucketNanos)
        return (0..<drawn).last { firstBucket($0) <= bucket } ?? 0
      }
      let marks = findingMarks(report, lock: lock, origin: origin, column: columnOf)
      for (row, label) in zip(active, labels) {
        var bar = ""
        for column in 0..<drawn {
          if let mark = marks[row.agent]?[column] {
            bar += style.red(String(mark))
            continue
          }
          var (hold, wait): (Int64, Int64) = (0, 0)
          for bucket in firstBucket(column)..<firstBucket(column + 1) {
            hold += row.hold[bucket]
            wait += row.wait[bucket]
          }
          bar += hold > 0 && hold >= wait ? "█" : wait > 0 ? "░" : " "
        }
        text += label + String(repeating: " ", count: labelWidth - label.count) + " │" + bar + "│\n"
      }
      text += axis(indent: labelWidth + 1, columns: drawn, columnNanos: columnNanos)
      let idle = all.count - active.count
      if idle > 0 {
        text +=
          style.dim("(\(idle) \(idle == 1 ? "agent" : "agents") with nothing on \(TerminalText.escaped(lockName)) in the window not shown)")
          + "\n"
      }
      text += "\n"
    }
    text += "█ holding  ░ waiting  X deadlock  O orphan  ! two holders or fencing\n"
    if hidden > 0 { text += "(\(hidden) more locks not drawn: choose with --lock, or raise --top)\n" }
    if droppedRows > 0 { text += "(\(droppedRows) agent rows past \(Self.maximumRows) not drawn: narrow with --lock or --agent)\n" }
    return text
  }

  private func firstActive(_ row: Row) -> Int {
    (0..<capacity).first { row.hold[$0] > 0 || row.wait[$0] > 0 } ?? capacity
  }

  /// Per agent, per column, the mark of a finding on `lock` there.
  private func findingMarks(_ report: Report, lock: LockID, origin: Int64, column columnOf: (Int64) -> Int) -> [AgentID: [Int: Character]] {
    var marks: [AgentID: [Int: Character]] = [:]
    // Findings of one moment; a group (long holds, a hot lock) has no single place to mark.
    let marked: [FindingKind: Character] = [.deadlock: "X", .orphan: "O", .twoHolders: "!", .fencing: "!"]
    for finding in report.findings where finding.lockIDs.contains(lock) && finding.time >= origin && finding.time <= end {
      guard let mark = marked[finding.kind] else { continue }
      let column = columnOf(finding.time)
      for agent in finding.agentIDs {
        // A deadlock or orphan outranks a lesser finding in the same column.
        if let existing = marks[agent]?[column], existing != "!" { continue }
        marks[agent, default: [:]][column] = mark
      }
    }
    return marks
  }

  /// `└┬────┬───` ticks and `+0s  +4.00s` labels under the chart.
  private func axis(indent: Int, columns: Int, columnNanos: Int64) -> String {
    let step = 12
    var ticks = ""
    var labels = ""
    for column in 0..<columns {
      ticks += column % step == 0 ? "┬" : "─"
      if column % step == 0 && labels.count <= column {
        labels += String(repeating: " ", count: column - labels.count)
        labels += column == 0 ? "+0" : "+" + HumanDuration.human(Int64(column) * columnNanos)
      }
    }
    let pad = String(repeating: " ", count: indent)
    return pad + "└" + ticks + "┘\n" + pad + " " + labels + "\n"
  }
}
