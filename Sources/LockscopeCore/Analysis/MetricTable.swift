/// The metrics rows of every lock or every agent, by id. A row with at most one sample of
/// each kind and small counts (a million per-key names, each seen once or twice) is kept
/// in a 48-byte cell; the first time it needs more it moves, exactly as it is, to a full
/// `MetricAccumulator`, and its cell points there. Reading a row gives the same
/// accumulator either way.
struct MetricTable: RandomAccessCollection, Sendable {
  private var cells: [Cell] = []
  private var full: [MetricAccumulator] = []

  init() {}

  /// Bytes a row takes while it fits a cell.
  static let cellStride = MemoryLayout<Cell>.stride

  var startIndex: Int { 0 }
  var endIndex: Int { cells.count }

  subscript(position: Int) -> MetricAccumulator {
    let cell = cells[position]
    return cell.isFull ? full[cell.fullIndex] : cell.accumulator
  }

  /// Row `index`'s `waitNanos`, read without making the row (a report sorts by it).
  @inline(__always)
  func waitNanos(_ index: Int) -> Int128 {
    let cell = cells[index]
    return cell.isFull ? full[cell.fullIndex].waitNanos : Int128(cell.waitNanos)
  }

  /// Row `index`'s `causedWait`, read without making the row (a cell has none: it is a
  /// rare total, kept in full rows only).
  @inline(__always)
  func causedWait(_ index: Int) -> Double {
    let cell = cells[index]
    return cell.isFull ? full[cell.fullIndex].causedWait : 0
  }

  /// The wait, hold and blocked digests of every row together (a cell's one sample of
  /// each, a full row's digests merged).
  func mergedDigests() -> (wait: LatencyDigest, hold: LatencyDigest, blocked: LatencyDigest) {
    var (wait, hold, blocked) = (LatencyDigest(), LatencyDigest(), LatencyDigest())
    for cell in cells {
      if cell.isFull {
        let row = full[cell.fullIndex]
        wait.merge(row.wait)
        hold.merge(row.hold)
        blocked.merge(row.blocked)
        continue
      }
      if cell.flags & Cell.waitFlag != 0 { wait.add(cell.wait) }
      if cell.flags & Cell.holdFlag != 0 { hold.add(cell.hold) }
      if cell.flags & Cell.blockedFlag != 0 { blocked.add(cell.blocked) }
    }
    return (wait, hold, blocked)
  }

  /// Changes row `index` in place (the table holds it: see `ensure`).
  @inline(__always)
  mutating func update(_ index: Int, _ body: (inout MetricAccumulator) -> Void) {
    if cells[index].isFull {
      body(&full[cells[index].fullIndex])
      return
    }
    var row = cells[index].accumulator
    body(&row)
    if let small = Cell(row) {
      cells[index] = small
    } else {
      full.append(row)
      cells[index] = Cell(fullIndex: full.count - 1)
    }
  }

  // MARK: The common changes, made in place in a cell that can take them

  // A million per-key names keep every row in a cell, and `update` makes the whole
  // accumulator out of the cell and back for each change: these make the change in the cell
  // when the result is a cell again, and are `update` with `MetricAccumulator`'s change of
  // the same name otherwise.

  /// `MetricAccumulator.attempted(contended:)` on row `index`.
  @inline(__always)
  mutating func attempted(_ index: Int, contended: Bool) {
    let bump: UInt8 = contended ? 1 : 0
    let cell = cells[index]
    if !cell.isFull && cell.attempts < .max && cell.contendedAttempts < .max {
      cells[index].attempts &+= 1
      cells[index].contendedAttempts &+= bump
      return
    }
    update(index) { $0.attempted(contended: contended) }
  }

  /// `MetricAccumulator.acquired(wait:)` on row `index`.
  @inline(__always)
  mutating func acquired(_ index: Int, wait: Int64) {
    let cell = cells[index]
    if !cell.isFull && cell.acquisitions < .max && cell.flags & Cell.waitFlag == 0 {
      cells[index].acquisitions &+= 1
      cells[index].wait = Swift.max(0, wait)  // as a digest keeps it
      cells[index].flags |= Cell.waitFlag
      return
    }
    update(index) { $0.acquired(wait: wait) }
  }

  /// `MetricAccumulator.sampleBlocked(_:)` on row `index`.
  @inline(__always)
  mutating func sampleBlocked(_ index: Int, _ nanos: Int64) {
    let cell = cells[index]
    if !cell.isFull && cell.flags & Cell.blockedFlag == 0 {
      cells[index].blocked = Swift.max(0, nanos)
      cells[index].flags |= Cell.blockedFlag
      return
    }
    update(index) { $0.sampleBlocked(nanos) }
  }

  /// `MetricAccumulator.waited(_:)` on row `index`.
  @inline(__always)
  mutating func waited(_ index: Int, _ nanos: Int64) {
    let cell = cells[index]
    if !cell.isFull, case (let sum, false) = cell.waitNanos.addingReportingOverflow(nanos) {
      cells[index].waitNanos = sum
      return
    }
    update(index) { $0.waited(nanos) }
  }

  /// `MetricAccumulator.held(clipped:length:sampled:)` on row `index`.
  @inline(__always)
  mutating func held(_ index: Int, clipped: Int64, length: Int64, sampled: Bool) {
    let cell = cells[index]
    if !cell.isFull && (!sampled || cell.flags & Cell.holdFlag == 0),
      case (let sum, false) = cell.holdNanos.addingReportingOverflow(clipped)
    {
      cells[index].holdNanos = sum
      if sampled {
        cells[index].hold = Swift.max(0, length)
        cells[index].flags |= Cell.holdFlag
      }
      return
    }
    update(index) { $0.held(clipped: clipped, length: length, sampled: sampled) }
  }

  /// Makes rows up to `index` (empty ones). Ids are interned from 0 and arrive mostly in
  /// order; the capacity at least doubles when it runs out.
  @inline(__always)
  mutating func ensure(_ index: Int) {
    if index >= cells.count { cells.extend(toInclude: index, with: Cell()) }
  }

  /// A row in 48 bytes: one sample at most of each digest (its value), the two time
  /// totals, and counts up to 255; or, with `fullFlag` set, where the full row is.
  private struct Cell: Sendable {
    var wait: Int64 = 0
    var hold: Int64 = 0
    var blocked: Int64 = 0
    var waitNanos: Int64 = 0
    var holdNanos: Int64 = 0
    var attempts: UInt8 = 0
    var acquisitions: UInt8 = 0
    var contendedAttempts: UInt8 = 0
    var queueMax: UInt8 = 0
    /// Which digests have their one sample (`waitFlag`, `holdFlag`, `blockedFlag`), or `fullFlag`.
    var flags: UInt8 = 0

    static let waitFlag: UInt8 = 1
    static let holdFlag: UInt8 = 2
    static let blockedFlag: UInt8 = 4
    static let fullFlag: UInt8 = 0x80

    init() {}

    init(fullIndex: Int) {
      flags = Cell.fullFlag
      wait = Int64(fullIndex)
    }

    var isFull: Bool { flags & Cell.fullFlag != 0 }
    var fullIndex: Int { Int(wait) }

    /// `row` in a cell, or nil when it does not fit.
    @inline(__always)
    init?(_ row: MetricAccumulator) {
      guard !row.hasRareTotals, row.wait.count <= 1, row.hold.count <= 1, row.blocked.count <= 1,
        let attempts = UInt8(exactly: row.attempts), let acquisitions = UInt8(exactly: row.acquisitions),
        let contended = UInt8(exactly: row.contendedAttempts), let queueMax = UInt8(exactly: row.queueMax),
        let waitNanos = Int64(exactly: row.waitNanos), let holdNanos = Int64(exactly: row.holdNanos)
      else { return nil }
      (self.attempts, self.acquisitions, self.contendedAttempts, self.queueMax) = (attempts, acquisitions, contended, queueMax)
      (self.waitNanos, self.holdNanos) = (waitNanos, holdNanos)
      if row.wait.count == 1 { (wait, flags) = (row.wait.min, flags | Cell.waitFlag) }
      if row.hold.count == 1 { (hold, flags) = (row.hold.min, flags | Cell.holdFlag) }
      if row.blocked.count == 1 { (blocked, flags) = (row.blocked.min, flags | Cell.blockedFlag) }
    }

    /// The row it keeps: a digest of one sample is that sample (its min and max), so the
    /// row is the very one that was put in.
    @inline(__always)
    var accumulator: MetricAccumulator {
      var row = MetricAccumulator()
      row.attempts = Int(attempts)
      row.acquisitions = Int(acquisitions)
      row.contendedAttempts = Int(contendedAttempts)
      row.queueMax = Int(queueMax)
      row.waitNanos = Int128(waitNanos)
      row.holdNanos = Int128(holdNanos)
      if flags & Cell.waitFlag != 0 { row.wait.add(wait) }
      if flags & Cell.holdFlag != 0 { row.hold.add(hold) }
      if flags & Cell.blockedFlag != 0 { row.blocked.add(blocked) }
      return row
    }
  }
}
