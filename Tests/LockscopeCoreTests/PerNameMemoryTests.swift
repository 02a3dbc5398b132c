import Foundation
import Testing

@testable import LockscopeCore

/// Lock i (from 0 to `count` - 1) is held by "\(holder)-i" for i + 1 seconds while
/// "waiter-i" waits for it from the half second on, then the waiter holds it 0.1 s.
private func waitedFor(_ count: Int, holder: String) -> [String] {
  var log: [String] = []
  for i in 0..<count {
    let start = Double(i * 10)
    log.append(line(start, "acquire", "\(holder)-\(i)", "lock-\(i)"))
    log.append(line(start + 0.5, "request", "waiter-\(i)", "lock-\(i)"))
    log.append(line(start + Double(i + 1), "release", "\(holder)-\(i)", "lock-\(i)"))
    log.append(line(start + Double(i + 1), "acquire", "waiter-\(i)", "lock-\(i)"))
    log.append(line(start + Double(i + 1) + 0.1, "release", "waiter-\(i)", "lock-\(i)"))
  }
  return log
}

/// Issue 18: what one lock or agent costs, and the value semantics the compact forms keep.
@Suite("Per-name memory")
struct PerNameMemoryTests {
  @Test("a digest is 24 bytes, an accumulator 112, a lock's state 104: rare parts live behind references")
  func sizes() {
    #expect(MemoryLayout<LatencyDigest>.stride <= 24)
    #expect(MemoryLayout<MetricAccumulator>.stride <= 112)
    #expect(MemoryLayout<LockState>.stride <= 104)
    #expect(MemoryLayout<IdleLock>.stride <= 40)
    #expect(MemoryLayout<ContentionAnalyzer.ShownHold>.stride <= 32)
    #expect(MetricTable.cellStride == 48)
  }

  /// Observes nothing: the engine's own state is what these tests read.
  struct Nothing: TimelineObserver {}

  /// Keeps the holds that ended.
  struct EndedHolds: TimelineObserver {
    var holds: [HoldInterval] = []
    mutating func holdEnded(_ hold: HoldInterval) { holds.append(hold) }
  }

  @Test("a hold is plain bytes: what each agent waited for it is summed in its lock's tables, and a reused table starts empty")
  func blockedTables() throws {
    // Issue 19: a hold that kept its own table was copied with a retain and dropped with a
    // release several times an event.
    #expect(_isPOD(Holder.self))
    let agents = NameTable()
    let locks = NameTable()
    let (r1, r2, r3, w, x) = (
      AgentID(agents.intern("r1")), AgentID(agents.intern("r2")), AgentID(agents.intern("r3")),
      AgentID(agents.intern("w")), AgentID(agents.intern("x"))
    )
    _ = locks.intern("L")
    let engine = TimelineEngine(observer: EndedHolds(), selection: Selection(lockNames: locks, agentNames: agents))
    func event(_ time: Int64, _ kind: EventKind, _ agent: AgentID, _ mode: LockMode = .exclusive) {
      engine.apply(LockEvent(kind: kind, mode: mode, time: time, agent: agent, lock: LockID(0)))
    }
    event(10, .acquire, r1, .shared)
    event(20, .acquire, r2, .shared)
    event(30, .request, w)
    event(50, .timeout, w)  // r1 and r2 each kept w waiting 20
    event(55, .request, x)
    event(60, .request, w)
    event(70, .timeout, x)  // x: 15 each
    event(80, .timeout, w)  // w: 20 more each, 40 in all
    event(90, .release, r1)  // r1's table is let go...
    event(100, .acquire, r3, .shared)
    event(110, .request, x)
    event(130, .timeout, x)  // ...and r3 gets it: x waited 20 for r3, 15 + 20 for r2
    event(140, .release, r2)
    event(150, .release, r3)
    engine.finish()
    let longest = Dictionary(uniqueKeysWithValues: engine.observer.holds.map { ($0.agent, $0.longestBlocked) })
    #expect(longest == [r1: 40, r2: 40, r3: 20])
  }

  @Test("an idle lock is kept in its small form; held, queued, leased and busy locks whole; either reads the same")
  func idleLocks() {
    let agents = NameTable()
    let locks = NameTable()
    for i in 0..<2_000 {
      _ = agents.intern("a\(i)")
      _ = locks.intern("l\(i)")
    }
    let engine = TimelineEngine(observer: Nothing(), selection: Selection(lockNames: locks, agentNames: agents))
    var time: Int64 = 1_000
    func event(_ kind: EventKind, _ agent: Int, _ lock: Int, lease: Int64 = -1) {
      time += 1_000
      engine.apply(LockEvent(kind: kind, time: time, agent: AgentID(Int32(agent)), lock: LockID(Int32(lock)), leaseNanos: lease))
    }
    // 1,000 per-key locks, each taken once: all idle again.
    for i in 0..<1_000 {
      event(.acquire, i, i)
      event(.release, i, i)
    }
    #expect(engine.locks.count == 1_000 && engine.locks.inUseCount == 0)
    // Held, queued for, held on a lease: in use while so.
    event(.acquire, 1, 1_000)
    event(.request, 2, 1_000)
    event(.acquire, 3, 1_001, lease: 5_000_000_000)
    #expect(engine.locks.inUseCount == 2)
    #expect(engine.locks[1_000].holders.count == 1 && engine.locks[1_000].waiters.count == 1)
    event(.release, 1, 1_000)
    event(.acquire, 2, 1_000)
    event(.release, 2, 1_000)
    event(.release, 3, 1_001)
    #expect(engine.locks.inUseCount == 0)
    // A lock taken eight times keeps its buffers: it stays whole.
    for _ in 0..<8 {
      event(.acquire, 4, 1_002)
      event(.release, 4, 1_002)
    }
    #expect(engine.locks.inUseCount == 1)
    // The small form reads as the whole state did: its integrals and counters.
    let state = engine.locks[1_000]
    #expect(state.seen && state.heldNanos == 4_000 && state.queueMax == 1 && state.queueIntegral == 3_000)
    #expect(state.holders.isEmpty && state.waiters.isEmpty && state.earliestDeadline == .max)
    #expect(engine.locks.count == 1_003 && engine.locks.allSatisfy(\.seen))
    engine.finish()
    #expect(engine.locks.inUseCount == 1 && engine.locks[0].integratedUntil == time)
  }

  @Test("the rows that made others wait are found without making every row, and are the rows a filter finds")
  func causingWait() throws {
    // Holders who made waiters wait, and agents who only ever took their own lock.
    var log = waitedFor(4, holder: "holder")
    for i in 0..<4 {
      log.append(line(Double(i * 10) + 5, "acquire", "idle-\(i)", "own-\(i)"))
      log.append(line(Double(i * 10) + 6, "release", "idle-\(i)", "own-\(i)"))
    }
    let report = try analyze(log.joined(separator: "\n") + "\n")
    let found = report.agents.causingWait
    #expect(found == Array(report.agents).filter { $0.causedWaitNanos > 0 })
    #expect(Set(found.compactMap(\.name)) == Set((0..<4).map { "holder-\($0)" }))
    #expect(MetricsRows(Array(report.agents)).causingWait == found)  // rows kept whole: the same
  }

  @Test("a shown hold packs its source and keeps an expected length, a far line and a far input beside it")
  func shownHoldRoundTrip() {
    var analyzer = ContentionAnalyzer(options: FindingOptions())
    let sources = [
      SourceLocation(input: 0, line: 1), SourceLocation(input: 3, line: (1 << 44) - 1), SourceLocation(input: 0, line: 1 << 44),
      SourceLocation(input: (1 << 18) - 2, line: 7), SourceLocation(input: (1 << 18) - 1, line: 7),
      SourceLocation(input: Int32.max, line: .max),
    ]
    for (index, source) in sources.enumerated() {
      analyzer.ensure(LockID(Int32(index)))
      for expected in [-1, 250_000_000] as [Int64] {
        let sample = ContentionAnalyzer.Sample(
          agent: AgentID(Int32(index)), duration: 12_345, time: 99, source: source, expected: expected, site: Int32(index) - 1)
        for released in [false, true] {
          analyzer.show(sample, released: released, lock: index)
          let back = analyzer.shownSample(index)
          #expect(back?.source == source && back?.expected == expected && back?.agent == sample.agent)
          #expect(back?.duration == 12_345 && back?.time == 99 && back?.site == sample.site)
        }
      }
    }
    // The wide ones do not leak into a lock shown again with a packed source.
    analyzer.show(
      ContentionAnalyzer.Sample(agent: AgentID(1), duration: 1, time: 1, source: SourceLocation(input: 1, line: 2)), released: true, lock: 2
    )
    #expect(analyzer.shownSample(2)?.source == SourceLocation(input: 1, line: 2) && analyzer.shownSample(2)?.expected == -1)
    #expect(analyzer.shownSample(sources.count) == nil)
  }

  /// The fields of a row, digests included, as one comparable value.
  func fields(_ row: MetricAccumulator) -> [String] {
    let digests = [row.wait, row.hold, row.blocked].map {
      "\($0.count) \($0.sum) \($0.min) \($0.max) \($0.samples) \($0.nonEmptyBuckets.count)"
    }
    return digests + [
      "\(row.attempts) \(row.acquisitions) \(row.contendedAttempts) \(row.queueMax) \(row.waitNanos) \(row.holdNanos)",
      "\(row.queueIntegral) \(row.timeouts) \(row.unfinishedHolds) \(row.unfinishedMax) \(row.causedWait) \(row.blockedMax)",
    ]
  }

  @Test("a metrics table's rows are the accumulators they would be, small cells and full rows alike", arguments: [1, 2, 3])
  func metricTable(seed: Int) {
    var rng = SplitMix(seed: UInt64(seed))
    var table = MetricTable()
    var plain: [MetricAccumulator] = []
    for _ in 0..<20_000 {
      // Mostly rows touched once or twice, a few hot ones: cells, moves and full rows.
      let index = rng.next() % 4 == 0 ? Int(rng.next() % 8) : Int(rng.next() % 3_000)
      table.ensure(index)
      if index >= plain.count { plain += Array(repeating: MetricAccumulator(), count: index + 1 - plain.count) }
      let value = Int64(rng.next() % 3_000_000_000) - 1_000
      let change: (inout MetricAccumulator) -> Void
      // The common changes also through their in-cell forms, which must give the same rows.
      var inCell: ((inout MetricTable) -> Void)?
      switch rng.next() % 14 {
      case 9:
        let contended = rng.next() % 2 == 0
        change = {
          $0.attempts += 1
          $0.contendedAttempts += contended ? 1 : 0
        }
        inCell = { $0.attempted(index, contended: contended) }
      case 10:
        change = {
          $0.acquisitions += 1
          $0.wait.add(value)
        }
        inCell = { $0.acquired(index, wait: value) }
      case 11:
        change = { $0.blocked.add(value) }
        inCell = { $0.sampleBlocked(index, value) }
      case 12:
        let nanos = rng.next() % 50 == 0 ? Int64.max / 3 : max(0, value)  // past 64 bits after three
        change = { $0.waitNanos += Int128(nanos) }
        inCell = { $0.waited(index, nanos) }
      case 13:
        let (clipped, sampled) = (max(0, value), rng.next() % 3 != 0)
        change = {
          $0.holdNanos += Int128(clipped)
          if sampled { $0.hold.add(value) }
        }
        inCell = { $0.held(index, clipped: clipped, length: value, sampled: sampled) }
      case 0: change = { $0.attempts += 1 }
      case 1:
        change = {
          $0.acquisitions += 1
          $0.wait.add(value)
        }
      case 2:
        change = {
          $0.hold.add(value)
          $0.holdNanos += Int128(max(0, value))
        }
      case 3:
        change = {
          $0.blocked.add(value)
          $0.contendedAttempts += 1
        }
      case 4: change = { $0.waitNanos += Int128(max(0, value)) * 4_000_000_000 }
      case 5: change = { $0.queueMax = max($0.queueMax, Int(value % 300)) }
      case 6: change = { $0.causedWait += Double(value) }
      case 7: change = { $0.attempts += 200 }
      default: change = { $0.timeouts += 1 }
      }
      if let inCell { inCell(&table) } else { table.update(index, change) }
      change(&plain[index])
    }
    #expect(table.count == plain.count)
    for index in plain.indices { #expect(fields(table[index]) == fields(plain[index])) }
  }

  @Test("a copied digest past its exact samples does not see the original's later samples, nor merges")
  func digestCopiesAreValues() {
    var original = LatencyDigest()
    for value in 1...200 as ClosedRange<Int64> { original.add(value * 1000) }
    let before = (original.count, original.sum, original.percentiles([50, 99]), original.nonEmptyBuckets.count)
    var copy = original
    for value in 1...500 as ClosedRange<Int64> { copy.add(value * 7_000_000) }
    var merged = original
    merged.merge(copy)
    #expect(original.count == before.0 && original.sum == before.1)
    #expect(original.percentiles([50, 99]) == before.2 && original.nonEmptyBuckets.count == before.3)
    #expect(copy.count == 700 && merged.count == 900)
    #expect(merged.sum == original.sum + copy.sum)
  }

  @Test("a digest's sum is exact with one, two, a few and many samples", arguments: [1, 2, 3, 128, 129, 1000])
  func digestSum(samples: Int) {
    var rng = SplitMix(seed: UInt64(samples))
    var digest = LatencyDigest()
    var total: Int128 = 0
    for _ in 0..<samples {
      let value = Int64(rng.next() % 5_000_000_000_000)
      digest.add(value)
      total += Int128(value)
    }
    #expect(digest.sum == total)
    #expect(digest.mean == Int64(total / Int128(samples)))
  }

  @Test("rare totals: zero allocates nothing and reads 0; a copy changed later leaves the original alone")
  func rareTotals() {
    var row = MetricAccumulator()
    row.timeouts += 0
    row.causedWait += 0
    #expect(row.timeouts == 0 && row.causedWait == 0 && row.isEmpty)
    row.timeouts += 2
    row.unfinishedMax = 9
    var copy = row
    copy.timeouts += 1
    copy.blockedMax = 4
    #expect(row.timeouts == 2 && row.blockedMax == 0 && row.unfinishedMax == 9)
    #expect(copy.timeouts == 3 && copy.blockedMax == 4 && copy.unfinishedMax == 9)
    var sum = MetricAccumulator()
    sum.merge(row)
    sum.merge(copy)
    #expect(sum.timeouts == 5 && sum.blockedMax == 4 && sum.unfinishedMax == 9)
  }

  @Test("counts past 32 bits and time totals past 64 widen exactly, in copies and merges alike")
  func wideTotals() {
    var row = MetricAccumulator()
    let big = Int(UInt32.max) - 2
    row.attempts = big
    for _ in 0..<5 { row.attempts += 1 }
    #expect(row.attempts == big + 5)
    row.queueMax = Int(UInt32.max)
    #expect(row.queueMax == Int(UInt32.max))
    row.queueMax = 7  // back inside 32 bits: the inline value stands again
    #expect(row.queueMax == 7)
    let twelveDays: Int64 = 12 * 86_400 * 1_000_000_000
    var expected: Int128 = 0
    for _ in 0..<1_000_000 {
      row.waitNanos += Int128(twelveDays)
      expected += Int128(twelveDays)
    }
    #expect(expected > Int128(Int64.max) && row.waitNanos == expected)
    row.holdNanos = Int128(Int64.max)
    row.holdNanos += 1
    #expect(row.holdNanos == Int128(Int64.max) + 1)
    let copy = row
    row.holdNanos += Int128(Int64.max)
    row.acquisitions = Int(UInt32.max) + 1
    #expect(copy.holdNanos == Int128(Int64.max) + 1 && copy.acquisitions == 0)
    var sum = MetricAccumulator()
    sum.merge(copy)
    sum.merge(copy)
    #expect(sum.attempts == 2 * (big + 5) && sum.waitNanos == 2 * expected && sum.holdNanos == 2 * (Int128(Int64.max) + 1))
    #expect(row.acquisitions == Int(UInt32.max) + 1 && row.holdNanos == 2 * Int128(Int64.max) + 1)
  }

  @Test("a digest keeps one, two and the third sample in that order, and copies stay apart while exact")
  func digestExactCopies() {
    var digest = LatencyDigest()
    digest.add(5)
    digest.add(-3)
    #expect(digest.count == 2 && digest.min == 0 && digest.max == 5 && digest.samples == [0, 5])
    digest.add(9)
    let copy = digest
    digest.add(1)
    #expect(copy.samples == [0, 5, 9] && digest.samples == [0, 5, 9, 1] && digest.percentile(50) == 1)
  }

  @Test("a name table keeps each name's id and bytes through growth, truncation and long names")
  func nameTable() {
    let table = NameTable()
    // Short per-key names, long ones (built once and cached) and the empty name.
    let names = [""] + (0..<20_000).map { $0 % 3 == 0 ? "session-\($0)-with-a-long-suffix" : "k\($0)" }
    for (id, name) in names.enumerated() { #expect(table.intern(name) == Int32(id)) }
    #expect(table.count == names.count)
    for (id, name) in names.enumerated() where id % 97 == 0 {
      #expect(table.intern(name) == Int32(id) && table.lookup(name) == Int32(id))
      #expect(table.name(Int32(id)) == name && Array(table.bytes(Int32(id))) == Array(name.utf8))
    }
    table.truncate(to: 5_000)
    #expect(table.count == 5_000 && table.lookup(names[5_000]) == nil && table.lookup(names[4_999]) == 4_999)
    #expect(table.intern("new") == 5_000 && table.name(5_000) == "new" && table.name(4_998) == names[4_998])
    #expect(table.intern(names[7_000]) == 5_001 && table.name(5_001) == names[7_000])
  }

  @Test("a mirror fed copied names gives the original's ids, and finds them when first searched")
  func nameTableMirror() {
    let original = NameTable()
    let mirror = NameTable()
    var mirrored = 0
    for round in 0..<3 {
      for i in 0..<5_000 { _ = original.intern("r\(round)-name-\(i)\(i % 7 == 0 ? "-long-enough-to-be-cached" : "")") }
      var bytes: [UInt8] = []
      var ends: [Int] = []
      original.copyNames(from: mirrored, bytes: &bytes, ends: &ends)
      mirrored = original.count
      mirror.intern(copied: bytes, ends: ends)
      #expect(mirror.count == original.count)
      for id in stride(from: 0, to: original.count, by: 331) {
        let name = original.name(Int32(id))
        #expect(mirror.name(Int32(id)) == name && mirror.lookup(name) == Int32(id))
      }
    }
    #expect(mirror.intern("brand new") == Int32(original.count) && mirror.lookup("r2-name-4999") == Int32(original.count - 1))
  }

  @Test("rows made as they are read are the rows: in report order, escaped for a terminal, appended and sorted as values")
  func madeRows() throws {
    let log = waitedFor(5, holder: "agent")
    let report = try analyze(log.joined(separator: "\n") + "\n")
    // Total wait grows with i: most first.
    #expect(report.locks.map(\.name) == (0..<5).reversed().map { "lock-\($0)" })
    #expect(report.locks[0].wait.max == 4_500 * millisecond && report.locks[0].hold.count == 2)
    #expect(report.locks.array == Array(report.locks))
    #expect(report.locks == report.locks.terminalSafe)
    var rows = report.agents
    rows.append(MetricsRow(name: "zz"))
    rows.sort { ($0.name ?? "") > ($1.name ?? "") }
    #expect(rows.count == report.agents.count + 1 && rows[0].name == "zz")
    #expect(report.agents.count == 10)
  }
}

@Suite("JSON report in parts")
struct JSONReportStreamTests {
  /// 3,000 agents each taking its own lock: 6,000 rows, several megabytes, so the rows go
  /// out in several parts.
  func perKeyReport() throws -> Report {
    var log = ""
    for i in 0..<3000 {
      log += line(Double(i), "acquire", "agent-\(i)", "lock-\(i)") + "\n"
      log += line(Double(i) + 0.5, "release", "agent-\(i)", "lock-\(i)") + "\n"
    }
    return try analyze(log)
  }

  @Test("rows written a megabyte at a time make one valid document with every row, pretty and compact")
  func partsMakeTheDocument() throws {
    let report = try perKeyReport()
    for compact in [false, true] {
      let renderer = JSONReportRenderer(compact: compact)
      var parts: [[UInt8]] = []
      renderer.stream(report) { parts.append(Array($0)) }
      #expect(parts.count > 4, "the rows went out in parts")
      let whole = parts.flatMap { $0 }
      #expect(whole == renderer.bytes(report))
      let object = try #require(try JSONSerialization.jsonObject(with: Data(whole)) as? [String: Any])
      let locks = try #require(object["locks"] as? [[String: Any]])
      let agents = try #require(object["agents"] as? [[String: Any]])
      #expect(locks.count == 3000 && agents.count == 3000)
      #expect(locks.first?["lock"] as? String == "lock-0" && agents.last?["agent"] as? String == "agent-999")
      #expect(whole.contains(UInt8(ascii: "\n")) == !compact)
    }
  }

  @Test("names sort by id as their Strings do: ASCII byte by byte, others by Unicode canonical order")
  func namesSortAsStrings() {
    let table = NameTable()
    // Prefixes, digits, the empty name, NUL, accents precomposed and combining (equal as
    // Strings), Greek, invalid UTF-8 (repaired to U+FFFD), and names past eight bytes.
    var names: [[UInt8]] = [
      [], Array("a".utf8), Array("a\u{0}".utf8), Array("ab".utf8), Array("agent-10".utf8), Array("agent-9".utf8),
      Array("agent-100000000".utf8), Array("agent-10000000z".utf8), Array("B".utf8), Array("é".utf8),
      Array("e\u{301}".utf8), Array("ea".utf8), Array("f".utf8), Array("Ω-lock".utf8), [0xFF], [0x61, 0xFE],
      Array("lock-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8), Array("lock-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab".utf8),
    ]
    var rng = SplitMix(seed: 18)
    for _ in 0..<200 { names.append((0..<Int(rng.next() % 12)).map { _ in [0x61, 0x62, 0x2D, 0x7A, 0xC3, 0xA9][Int(rng.next() % 6)] }) }
    let ids = names.map { bytes in
      (bytes + [0]).withUnsafeBufferPointer { table.intern($0.baseAddress!, bytes.count) }  // the 0 keeps it non-empty
    }
    for a in ids {
      for b in ids { #expect(table.precedes(a, b) == (table.name(a) < table.name(b)), "\(table.name(a)) vs \(table.name(b))") }
    }
  }

  @Test("an agent's held list is kept only while it holds something, and lists are reused")
  func heldListsPooled() {
    var lists = HeldLists<Int>()
    #expect(lists[5].isEmpty && lists[-1].isEmpty)
    lists.append(1, to: 5)
    lists.append(2, to: 5)
    lists.append(7, to: 9)
    #expect(lists[5] == [1, 2] && lists[9] == [7] && lists[6].isEmpty)
    lists.modify(5, at: 0) { $0 = 10 }
    lists.remove(at: 1, of: 5)
    #expect(lists[5] == [10] && lists.holdsAny(5) && !lists.holdsAny(6) && !lists.holdsAny(-1))
    #expect(lists.lastIndex(of: 5, where: { $0 == 10 }) == 0 && lists.lastIndex(of: 6, where: { _ in true }) == nil)
    lists.remove(at: 0, of: 5)
    #expect(lists[5].isEmpty && !lists.holdsAny(5) && lists.pooled == 2)
    lists.append(3, to: 1_000)  // takes agent 5's old list: no new one
    #expect(lists[1_000] == [3] && lists.pooled == 2)
    lists.removeAll(of: 9)
    lists.removeAll(of: 9)  // holds nothing already: no change
    #expect(lists[9].isEmpty && lists[1_000] == [3])
    for agent in 0..<100 { lists.append(agent, to: agent) }
    for agent in 0..<100 { lists.removeAll(of: agent) }
    #expect(lists.pooled == 101 && (0...1_000).allSatisfy { $0 == 1_000 ? lists[$0] == [3] : lists[$0].isEmpty })
    // A hold that ends out of order leaves the others in the order taken.
    lists.append(4, to: 1_000)
    lists.append(5, to: 1_000)
    lists.remove(at: 1, of: 1_000)
    #expect(lists[1_000] == [3, 5])
    lists.remove(at: 1, of: 1_000)
    lists.remove(at: 0, of: 1_000)
    #expect(lists[1_000].isEmpty && !lists.holdsAny(1_000))
  }

  @Test("held lists behave as plain arrays under random appends, changes and removes, and copies stay apart")
  func heldListsModel() {
    var lists = HeldLists<Int>()
    var model: [Int: [Int]] = [:]  // the same lists as plain arrays
    var snapshots: [(lists: HeldLists<Int>, model: [Int: [Int]])] = []
    var rng = SplitMix(seed: 19)
    for step in 0..<3_000 {
      let agent = Int(rng.next() % 70)
      let list = model[agent, default: []]
      switch rng.next() % 8 {
      case 0..<4 where list.count < 12:
        lists.append(step, to: agent)
        model[agent, default: []].append(step)
      case 4 where !list.isEmpty:
        let position = Int(rng.next() % UInt64(list.count))
        lists.modify(agent, at: position) { $0 = -step }
        model[agent]![position] = -step
      case 5 where !list.isEmpty:
        lists.removeAll(of: agent)
        model[agent] = []
      default:
        guard !list.isEmpty else { continue }
        let position = Int(rng.next() % UInt64(list.count))
        lists.remove(at: position, of: agent)
        model[agent]!.remove(at: position)
      }
      // A copy taken now must not see later changes (nor the original the copy's).
      if step % 500 == 0 { snapshots.append((lists, model)) }
      let expected = model[agent, default: []]
      #expect(lists[agent] == expected && lists.count(of: agent) == expected.count && lists.holdsAny(agent) == !expected.isEmpty)
      #expect(Array(lists.entries(of: agent)) == expected && (0..<expected.count).map { lists[agent, $0] } == expected)
      #expect(lists.lastIndex(of: agent, where: { $0 < 0 }) == expected.lastIndex(where: { $0 < 0 }))
    }
    #expect((0..<70).allSatisfy { lists[$0] == model[$0, default: []] } && lists.pooled <= 70)
    for var (copy, copied) in snapshots {
      #expect((0..<70).allSatisfy { copy[$0] == copied[$0, default: []] })
      copy.append(99, to: 3)
      copied[3, default: []].append(99)
      #expect(copy[3] == copied[3]! && lists[3] == model[3, default: []])
    }
  }

  @Test("names that differ only in their last bytes spread over the table: short probes")
  func nameTableSpreads() {
    for prefix in ["agent-", "lock-", "k", "tenant:42/row:"] {
      let table = NameTable()
      for i in 0..<5_000 { _ = table.intern("\(prefix)\(i)") }
      let (mean, longest) = table.probeDistances()
      // Linear probing at most half full: about half a slot from home on average.
      #expect(mean < 1.5 && longest < 40, "\(prefix): mean \(mean), longest \(longest)")
    }
  }

  @Test("a name table emptied of its names is as new: ids from 0 again, nothing of the old names found")
  func nameTableRemoveAll() {
    let table = NameTable()
    for i in 0..<5_000 { _ = table.intern("lock-\(i)-with-a-name-past-fifteen-bytes") }
    #expect(table.name(4_999) == "lock-4999-with-a-name-past-fifteen-bytes")
    table.removeAll()
    #expect(table.count == 0 && table.lookup("lock-0-with-a-name-past-fifteen-bytes") == nil)
    #expect(table.intern("b") == 0 && table.intern("a") == 1 && table.intern("b") == 0)
    #expect(table.name(0) == "b" && table.count == 2)
  }
}

extension HeldLists {
  /// The agent's list as an array (empty when it holds nothing), to compare with a model.
  subscript(agent: Int) -> [Element] { Array(entries(of: agent)) }
}
