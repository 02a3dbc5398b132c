import Foundation
import Testing

@testable import LockscopeCore

/// A fixture of `fixtures/findings/` run through the whole pipeline, as `lockscope report` does.
/// The expected results are worked out by hand in `fixtures/findings/README.md`.
private struct Analyzed {
  let path: String
  let report: Report

  init(_ name: String, _ configure: (inout AnalysisOptions) -> Void = { _ in }) throws {
    path = fixture("findings/\(name).jsonl")
    var options = AnalysisOptions()
    configure(&options)
    report = try LogAnalysis.run(paths: [path], options: options) { _ in }
  }

  /// `FILE:LINE` of a line of this fixture, as findings name it.
  func source(_ line: Int) -> String { "\(path):\(line)" }

  func findings(_ kind: String) -> [Finding] { report.findings.filter { $0.kind.rawValue == kind } }

  /// The kinds reported, without repeats, sorted.
  var kinds: [String] { Array(Set(report.findings.map(\.kind.rawValue))).sorted() }
}

/// Nanoseconds of 10:00:00Z plus `seconds` (to the millisecond, as the fixtures are written).
private func time(_ seconds: Double) -> Int64 {
  t0 + Int64((seconds * 1000).rounded()) * millisecond
}

/// Whether `a` is `b` read from another starting point (a cycle has no first element).
private func isRotation<T: Equatable>(_ a: [T], of b: [T]) -> Bool {
  guard a.count == b.count else { return false }
  if a.isEmpty { return true }
  return b.indices.contains { start in Array(b[start...] + b[..<start]) == a }
}

/// One link of a wait-for cycle: `agent` waits for `lock`, held by (or queued behind) `next`.
struct WaitLink: Sendable, CustomStringConvertible {
  var agent: String
  var lock: String
  var next: String
  var viaQueue = false

  var json: JSONValue {
    .object([
      ("agent", .string(agent)), ("waits_for", .string(lock)),
      (viaQueue ? "queued_behind" : "held_by", .string(next)),
    ])
  }
  var description: String {
    "\(agent) waits for \(lock) \(viaQueue ? "queued behind" : "held by") \(next)"
  }
}

/// A `<NAME>-deadlock.jsonl` fixture and its hand-computed deadlock.
struct DeadlockCase: Sendable, CustomTestStringConvertible {
  var name: String
  var cycle: [WaitLink]
  /// The request that closed the cycle.
  var line: Int
  var seconds: Double
  /// nil: still there at the end of the log.
  var timedOutAt: Double?

  var testDescription: String { name }
}

/// One edge of a lock-order cycle and who first took it where.
struct OrderEdge: Sendable, Equatable, CustomStringConvertible {
  var from: String
  var to: String
  var agent: String
  var heldAt: Int
  var acquiredAt: Int
  var description: String { "\(from)→\(to) by \(agent) (:\(heldAt) then :\(acquiredAt))" }
}

/// A `<NAME>-sequential.jsonl` fixture and its hand-computed inversion.
struct InversionCase: Sendable, CustomTestStringConvertible {
  var name: String
  /// The edges in cycle order (any rotation).
  var edges: [OrderEdge]
  /// The line that closed the cycle.
  var line: Int
  var seconds: Double

  var testDescription: String { name }
}

/// An orphan fixture and its hand-computed finding.
struct OrphanCase: Sendable, CustomTestStringConvertible {
  var name: String
  var cause: String
  var heldSeconds: Double
  var blockedSeconds: Double
  var seconds: Double
  var line: Int
  var endedAt: Int?

  var testDescription: String { name }
}

/// The sequential forms: pair i is taken by agent t(i+1) on lines 4i+1 (outer) and 4i+2 (inner),
/// at second i+1 (inner at +100 ms).
private func sequentialEdges(_ pairs: [(String, String)]) -> [OrderEdge] {
  pairs.enumerated().map { i, pair in
    OrderEdge(
      from: pair.0, to: pair.1, agent: "t\(i + 1)", heldAt: 4 * i + 1, acquiredAt: 4 * i + 2)
  }
}

/// The elements of `list` at `indices`, in that order (a cycle's edges out of a name's pairs).
private func picked(_ list: [OrderEdge], _ indices: [Int]) -> [OrderEdge] {
  indices.map { list[$0] }
}

/// What the tool reports for a lock-order inversion's edges.
private func orderEdges(_ finding: Finding, _ fixture: Analyzed) -> [OrderEdge] {
  guard case .array(let chains)? = finding.detail("chains") else { return [] }
  func line(_ value: JSONValue?) -> Int {
    guard case .string(let text)? = value, text.hasPrefix(fixture.path + ":") else { return -1 }
    return Int(text.dropFirst(fixture.path.count + 1)) ?? -1
  }
  func name(_ value: JSONValue?) -> String {
    if case .string(let text)? = value { return text }
    return "?"
  }
  return chains.map { chain in
    OrderEdge(
      from: name(chain["from"]), to: name(chain["to"]), agent: name(chain["agent"]),
      heldAt: line(chain["held_at"]),
      acquiredAt: line(chain["acquired_at"]))
  }
}

@Suite("Findings on the lockdep-named fixtures and precision cases")
struct FindingsTests {
  // MARK: lockdep names, deadlock forms

  static let deadlockCases: [DeadlockCase] = [
    DeadlockCase(
      name: "AA", cycle: [WaitLink(agent: "t1", lock: "A", next: "t1")], line: 2, seconds: 1.5),
    DeadlockCase(
      name: "ABBA",
      cycle: [
        WaitLink(agent: "t2", lock: "A", next: "t1"), WaitLink(agent: "t1", lock: "B", next: "t2"),
      ], line: 4,
      seconds: 1.3, timedOutAt: 1.8),
    DeadlockCase(
      name: "ABBCCA",
      cycle: [
        WaitLink(agent: "t3", lock: "A", next: "t1"), WaitLink(agent: "t1", lock: "B", next: "t2"),
        WaitLink(agent: "t2", lock: "C", next: "t3"),
      ],
      line: 6, seconds: 1.5),
    DeadlockCase(
      name: "ABCABC",
      cycle: [
        WaitLink(agent: "t3", lock: "C", next: "t2"), WaitLink(agent: "t2", lock: "A", next: "t1"),
        WaitLink(agent: "t1", lock: "B", next: "t3"),
      ],
      line: 6, seconds: 1.5, timedOutAt: 1.9),
    DeadlockCase(
      name: "ABBCCDDA",
      cycle: [
        WaitLink(agent: "t4", lock: "A", next: "t1"), WaitLink(agent: "t1", lock: "B", next: "t2"),
        WaitLink(agent: "t2", lock: "C", next: "t3"),
        WaitLink(agent: "t3", lock: "D", next: "t4"),
      ], line: 8, seconds: 1.7),
    DeadlockCase(
      name: "ABCDBDDA",
      cycle: [
        WaitLink(agent: "t4", lock: "A", next: "t1"), WaitLink(agent: "t1", lock: "B", next: "t3"),
        WaitLink(agent: "t3", lock: "D", next: "t4"),
      ],
      line: 8, seconds: 1.7),
    DeadlockCase(
      name: "ABCDBCDA",
      cycle: [
        WaitLink(agent: "t4", lock: "A", next: "t1"), WaitLink(agent: "t1", lock: "B", next: "t3"),
        WaitLink(agent: "t3", lock: "C", next: "t2"),
        WaitLink(agent: "t2", lock: "D", next: "t4"),
      ], line: 8, seconds: 1.35, timedOutAt: 1.6),
  ]

  @Test(
    "a true deadlock is exactly one deadlock finding: its cycle, when it formed, how it ended",
    arguments: deadlockCases)
  func deadlockForm(_ expected: DeadlockCase) throws {
    let fixture = try Analyzed("\(expected.name)-deadlock")
    let deadlocks = fixture.findings("deadlock")
    try #require(deadlocks.count == 1, "\(deadlocks.map(\.message))")
    let deadlock = deadlocks[0]
    #expect(deadlock.detail("cycle") == .array(expected.cycle.map(\.json)))
    #expect(deadlock.locks == unique(expected.cycle.map(\.lock)))
    #expect(deadlock.agents == expected.cycle.map(\.agent))
    #expect(deadlock.time == time(expected.seconds))
    #expect(deadlock.source == fixture.source(expected.line))
    #expect(deadlock.detail("self_deadlock") == .bool(expected.cycle.count == 1))
    if let timedOutAt = expected.timedOutAt {
      #expect(deadlock.detail("resolved_by") == .string("timeout"))
      #expect(deadlock.severity == .warning)
      #expect(deadlock.detail("duration_ns") == .int(time(timedOutAt) - time(expected.seconds)))
    } else {
      #expect(deadlock.detail("resolved_by") == .null)
      #expect(deadlock.severity == .critical)
      #expect(deadlock.detail("duration_ns") == nil)
    }
  }

  @Test(
    "a true deadlock is not also reported as a lock-order inversion, and nothing else is reported",
    arguments: deadlockCases)
  func deadlockFormReportsNothingElse(_ expected: DeadlockCase) throws {
    let fixture = try Analyzed("\(expected.name)-deadlock")
    #expect(fixture.findings("lock-order-inversion").isEmpty)
    // The agent that gave up is the only timeout; no hold passes 1 s, no lock is hot.
    #expect(fixture.kinds == (expected.timedOutAt == nil ? ["deadlock"] : ["deadlock", "timeout"]))
    if expected.timedOutAt != nil {
      let timeout = try #require(fixture.findings("timeout").first)
      #expect(
        timeout.agents == [expected.cycle[0].agent] && timeout.locks == [expected.cycle[0].lock])
      #expect(timeout.detail("timeout_rate") == .double(0.5))
    }
  }

  @Test(
    "an agent blocked by a deadlock but not in it stays out of the cycle (ABCDBDDA's t2, AA's t2)")
  func bystandersAreNotInTheCycle() throws {
    for name in ["ABCDBDDA-deadlock", "AA-deadlock"] {
      let deadlock = try #require(try Analyzed(name).findings("deadlock").first)
      #expect(!deadlock.agents.contains("t2"), "\(name): \(deadlock.agents)")
    }
  }

  // MARK: lockdep names, sequential forms

  static let inversionCases: [InversionCase] = [
    InversionCase(
      name: "ABBA", edges: sequentialEdges([("A", "B"), ("B", "A")]), line: 6, seconds: 2.1),
    InversionCase(
      name: "ABBCCA", edges: sequentialEdges([("A", "B"), ("B", "C"), ("C", "A")]), line: 10,
      seconds: 3.1),
    // Pairs AB (t1), CA (t2), BC (t3): the cycle A → B → C → A takes t1's, t3's, t2's edges.
    InversionCase(
      name: "ABCABC",
      edges: picked(sequentialEdges([("A", "B"), ("C", "A"), ("B", "C")]), [0, 2, 1]), line: 10,
      seconds: 3.1),
    InversionCase(
      name: "ABBCCDDA", edges: sequentialEdges([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]),
      line: 14, seconds: 4.1),
    // Pairs AB, CD, BD, DA: the cycle is A → B → D → A; t2's C → D is not part of it.
    InversionCase(
      name: "ABCDBDDA",
      edges: picked(sequentialEdges([("A", "B"), ("C", "D"), ("B", "D"), ("D", "A")]), [0, 2, 3]),
      line: 14, seconds: 4.1),
    // Pairs AB, CD, BC, DA: the cycle A → B → C → D → A takes t1's, t3's, t2's, t4's edges.
    InversionCase(
      name: "ABCDBCDA",
      edges: picked(
        sequentialEdges([("A", "B"), ("C", "D"), ("B", "C"), ("D", "A")]), [0, 2, 1, 3]), line: 14,
      seconds: 4.1),
  ]

  @Test(
    "the same lock orders taken one agent after another are one lock-order inversion and no deadlock",
    arguments: inversionCases)
  func sequentialForm(_ expected: InversionCase) throws {
    let fixture = try Analyzed("\(expected.name)-sequential")
    #expect(fixture.kinds == ["lock-order-inversion"])
    let inversions = fixture.findings("lock-order-inversion")
    try #require(inversions.count == 1)
    let inversion = inversions[0]
    #expect(inversion.severity == .warning)
    #expect(isRotation(inversion.locks, of: expected.edges.map(\.from)), "\(inversion.locks)")
    #expect(
      Set(inversion.agents) == Set(expected.edges.map(\.agent))
        && inversion.agents.count == Set(inversion.agents).count)
    #expect(
      isRotation(orderEdges(inversion, fixture), of: expected.edges),
      "\(orderEdges(inversion, fixture))")
    #expect(inversion.source == fixture.source(expected.line))
    #expect(inversion.time == time(expected.seconds))
  }

  @Test("AA has no sequential inversion: taking one lock again after releasing it reports nothing")
  func aaSequential() throws {
    let fixture = try Analyzed("AA-sequential")
    #expect(fixture.report.findings.isEmpty, "\(fixture.report.findings.map(\.message))")
    #expect(fixture.report.lock("A")?.acquisitions == 3)
  }

  // MARK: Precision

  @Test(
    "precision cases report no deadlock, no inversion, no finding at all",
    arguments: [
      "readers-cycle", "semaphore-cap2", "reacquire", "gate-lock", "one-agent", "AA-sequential",
    ])
  func precisionCase(_ name: String) throws {
    let fixture = try Analyzed(name)
    #expect(fixture.findings("deadlock").isEmpty)
    #expect(fixture.findings("lock-order-inversion").isEmpty)
    #expect(fixture.report.findings.isEmpty, "\(fixture.report.findings.map(\.message))")
  }

  @Test(
    "semaphore-cap2 really has a third waiter blocked by two holders, and no acquire-while-held")
  func semaphoreFixtureHasAWaiter() throws {
    let fixture = try Analyzed("semaphore-cap2")
    let lock = try #require(fixture.report.lock("S"))
    #expect(lock.queueMax == 1 && lock.acquisitions == 3)
    #expect(lock.contentionRate == 1.0 / 3.0)  // only w3's request found S full
    #expect(fixture.report.anomalyCounts.isEmpty)
  }

  @Test("readers-cycle: every shared request is granted at once (no wait-for edge)")
  func readersNeverWait() throws {
    let fixture = try Analyzed("readers-cycle")
    for name in ["A", "B", "C"] {
      let lock = try #require(fixture.report.lock(name))
      // Each request is granted at its own timestamp: never contended, no wait.
      #expect(lock.contentionRate == 0 && lock.wait.max == 0 && lock.wait.count == 2, "\(name)")
    }
  }

  /// The log of `fixtures/findings/NAME.jsonl` with each line changed (nil drops it).
  private func rewritten(_ name: String, _ change: (String) -> String?) throws -> String {
    let text = try String(contentsOfFile: fixture("findings/\(name).jsonl"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { change(String($0)) }.joined(separator: "\n")
  }

  @Test(
    "gate-lock: it is the common gate G that hides the A/B inversion (without G it is reported)")
  func gateLockIsWhatHidesTheInversion() throws {
    #expect(try Analyzed("gate-lock").findings("lock-order-inversion").isEmpty)
    let withoutGate = try analyze(
      rewritten("gate-lock") { $0.contains("\"lock\":\"G\"") ? nil : $0 })
    let inversion = try #require(withoutGate.findings.first { $0.kind == .lockOrderInversion })
    #expect(Set(inversion.locks) == ["A", "B"] && Set(inversion.agents) == ["t1", "t2"])
  }

  @Test(
    "one-agent: it is having one agent on both edges that hides the inversion (with two it is reported)"
  )
  func oneAgentIsWhatHidesTheInversion() throws {
    #expect(try Analyzed("one-agent").findings("lock-order-inversion").isEmpty)
    // The second nesting (the B → A pair at 10:00:02) done by another agent instead.
    let twoAgents = try analyze(
      rewritten("one-agent") {
        $0.contains("10:00:02")
          ? $0.replacingOccurrences(of: "\"agent\":\"t1\"", with: "\"agent\":\"t3\"") : $0
      })
    let inversion = try #require(twoAgents.findings.first { $0.kind == .lockOrderInversion })
    #expect(Set(inversion.locks) == ["A", "B"] && Set(inversion.agents) == ["t1", "t3"])
  }

  // MARK: ABBA2, both ways

  @Test(
    "ABBA2 with free readers: no deadlock, but the rwsem ordering hazard is a lock-order inversion")
  func abba2Readers() throws {
    let fixture = try Analyzed("ABBA2-readers")
    #expect(fixture.findings("deadlock").isEmpty)
    #expect(fixture.kinds == ["lock-order-inversion"])
    let inversion = try #require(fixture.findings("lock-order-inversion").first)
    #expect(isRotation(inversion.locks, of: ["X", "Y"]) && Set(inversion.agents) == ["t1", "t2"])
    #expect(
      isRotation(
        orderEdges(inversion, fixture),
        of: [
          OrderEdge(from: "X", to: "Y", agent: "t1", heldAt: 1, acquiredAt: 3),
          OrderEdge(from: "Y", to: "X", agent: "t2", heldAt: 2, acquiredAt: 4),
        ]))
    #expect(inversion.source == fixture.source(4))
    // t2's read of X (line 4) was granted at once: X had a reader only.
    #expect(fixture.report.lock("X")?.contentionRate == 0)
  }

  @Test(
    "ABBA2 on a fair lock: a reader queued behind a waiting writer closes the deadlock through the queue"
  )
  func abba2FairQueue() throws {
    let fixture = try Analyzed("ABBA2-fair-queue")
    #expect(fixture.kinds == ["deadlock"])
    let deadlock = try #require(fixture.findings("deadlock").first)
    #expect(
      deadlock.detail("cycle")
        == .array(
          [
            WaitLink(agent: "t2", lock: "X", next: "w", viaQueue: true),
            WaitLink(agent: "w", lock: "X", next: "t1"),
            WaitLink(agent: "t1", lock: "Y", next: "t2"),
          ].map(\.json)))
    #expect(deadlock.locks == ["X", "Y"] && deadlock.agents == ["t2", "w", "t1"])
    #expect(deadlock.severity == .critical && deadlock.detail("resolved_by") == .null)
    #expect(deadlock.time == time(1.7) && deadlock.source == fixture.source(5))
  }

  // MARK: Orphans

  static let orphanCases: [OrphanCase] = [
    OrphanCase(
      name: "orphan-crash", cause: "crash", heldSeconds: 3, blockedSeconds: 5, seconds: 4, line: 3,
      endedAt: 3),
    OrphanCase(
      name: "orphan-lease-expired", cause: "lease-expired", heldSeconds: 2, blockedSeconds: 4,
      seconds: 3, line: 1),
    OrphanCase(
      name: "orphan-expire", cause: "expire", heldSeconds: 3, blockedSeconds: 2, seconds: 4,
      line: 3, endedAt: 3),
    OrphanCase(
      name: "orphan-end-of-log", cause: "end-of-log", heldSeconds: 50, blockedSeconds: 45,
      seconds: 0, line: 1),
  ]

  @Test(
    "an orphan of each cause, with the wait it caused (while held and on the abandoned lock)",
    arguments: orphanCases)
  func orphan(_ expected: OrphanCase) throws {
    let fixture = try Analyzed(expected.name)
    #expect(fixture.kinds == ["orphan"])
    let orphans = fixture.findings("orphan")
    try #require(orphans.count == 1)
    let orphan = orphans[0]
    #expect(orphan.detail("cause") == .string(expected.cause))
    #expect(orphan.locks == ["L"] && orphan.agents == ["t1"])
    #expect(orphan.detail("held_ns") == .int(Int64(expected.heldSeconds * 1000) * millisecond))
    #expect(
      orphan.detail("blocked_wait_ns") == .int(Int64(expected.blockedSeconds * 1000) * millisecond))
    #expect(orphan.severity == .critical)  // others waited a second or more
    #expect(orphan.time == time(expected.seconds))
    #expect(orphan.source == fixture.source(expected.line))
    #expect(orphan.detail("acquired_at") == .string(fixture.source(1)))
    #expect(orphan.detail("ended_at") == expected.endedAt.map { .string(fixture.source($0)) })
  }

  @Test(
    "a hold nobody waits for, open at the end, is an orphan only when longer than --orphan-after (30 s exactly is not)"
  )
  func orphanAfterThreshold() throws {
    let byDefault = try Analyzed("orphan-end-of-log")
    // M's 30 s hold is not longer than 30 s, and nobody waits for M.
    #expect(byDefault.findings("orphan").map(\.locks) == [["L"]])
    let shorter = try Analyzed("orphan-end-of-log") { $0.findings.orphanAfter = 29 * second }
    let m = try #require(shorter.findings("orphan").first { $0.locks == ["M"] })
    #expect(
      m.agents == ["t3"] && m.detail("held_ns") == .int(30 * second)
        && m.detail("blocked_wait_ns") == .int(0))
    #expect(m.severity == .warning && m.source == shorter.source(3) && m.time == time(20))
    #expect(shorter.findings("orphan").count == 2)
    // L stays an orphan however long --orphan-after is: t2 was blocked by it for 45 s, and L
    // has no completed hold (a second stands in for one).
    let longer = try Analyzed("orphan-end-of-log") { $0.findings.orphanAfter = 60 * second }
    #expect(longer.findings("orphan").map(\.locks) == [["L"]])
  }

  @Test(
    "a lock acquired and never released, with others timing out behind it, is an orphan by default; a log cut in an ordinary hold and a lock nobody waits for are not"
  )
  func leakedLockIsAnOrphanByDefault() throws {
    let fixture = try Analyzed("orphan-leaked")
    let orphans = fixture.findings("orphan")
    // L: worker-1 holds it 0.2 s → 5.5 s; worker-2 and worker-3 were each blocked 2 s by it,
    // longer than L's one completed hold (100 ms). B's last hold is cut 0.5 s in, with 'a'
    // blocked 0.2 s (< 1 s holds); C is held 4.5 s with nobody waiting (< --orphan-after).
    try #require(orphans.count == 1)
    let orphan = orphans[0]
    #expect(orphan.locks == ["L"] && orphan.agents == ["worker-1"])
    #expect(orphan.detail("cause") == .string("end-of-log"))
    #expect(orphan.detail("held_ns") == .int(5_300 * millisecond))
    #expect(orphan.detail("blocked_wait_ns") == .int(4 * second))
    #expect(orphan.severity == .critical && orphan.source == fixture.source(4))
  }

  @Test("the holds of agents caught in a deadlock still there at the end are the deadlock's, not orphans")
  func deadlockedHoldsAreNotOrphans() throws {
    let report = try analyze(
      [
        line(0, "acquire", "a", "X"), line(0, "acquire", "b", "Y"),
        line(1, "request", "a", "Y"), line(1, "request", "b", "X"),
        line(40, "acquire", "c", "Z"), line(41, "release", "c", "Z"),
      ].joined(separator: "\n"))
    #expect(report.findings.filter { $0.kind == .deadlock }.count == 1)
    #expect(!report.findings.contains { $0.kind == .orphan })
  }

  // MARK: Leases and tokens

  @Test(
    "two-holders: critical when the old holder's late release or renew proves it was alive, a warning otherwise"
  )
  func twoHolders() throws {
    let fixture = try Analyzed("two-holders")
    let found = fixture.findings("two-holders")
    #expect(found.map(\.locks) == [["L"], ["M"], ["N"]])
    let l = try #require(found.first { $0.locks == ["L"] })
    #expect(l.severity == .critical && l.agents == ["t2", "t1"])
    #expect(l.time == time(4) && l.source == fixture.source(3))
    #expect(l.detail("previous_holder") == .string("t1"))
    #expect(l.detail("lease_expired_at") == .string(Timestamp.rfc3339(time(3))))
    #expect(l.detail("previous_acquired_at") == .string(fixture.source(1)))
    #expect(l.detail("late_release_at") == .string(fixture.source(4)))
    #expect(l.detail("overlap_ns") == .int(500 * millisecond))
    #expect(l.detail("confirmed") == .bool(true))

    let m = try #require(found.first { $0.locks == ["M"] })
    #expect(m.severity == .critical && m.agents == ["t4", "t3"])
    #expect(m.time == time(12) && m.source == fixture.source(7))
    #expect(m.detail("late_renew_at") == .string(fixture.source(8)))
    #expect(
      m.detail("overlap_ns") == .int(500 * millisecond) && m.detail("confirmed") == .bool(true))

    let n = try #require(found.first { $0.locks == ["N"] })
    #expect(n.severity == .warning && n.agents == ["t6", "t5"])
    #expect(n.time == time(22) && n.source == fixture.source(11))
    #expect(n.detail("confirmed") == .bool(false) && n.detail("overlap_ns") == nil)
  }

  @Test(
    "two-holders: each lapsed lease is also a lease-expired orphan, and the late release and renew are anomalies"
  )
  func twoHoldersSideFindings() throws {
    let fixture = try Analyzed("two-holders")
    #expect(fixture.kinds == ["anomaly", "orphan", "two-holders"])
    let orphans = fixture.findings("orphan")
    #expect(orphans.map(\.agents) == [["t1"], ["t3"], ["t5"]])
    #expect(orphans.allSatisfy { $0.detail("cause") == .string("lease-expired") })
    #expect(orphans.map(\.severity) == [.critical, .warning, .warning])
    #expect(orphans.first?.detail("blocked_wait_ns") == .int(2 * second))
    let anomalies = fixture.findings("anomaly")
    #expect(
      anomalies.map { $0.detail("anomaly") } == [
        .string("release-after-lease-expired"), .string("renew-after-lease-expired"),
      ])
    #expect(anomalies.map(\.source) == [fixture.source(4), fixture.source(8)])
  }

  @Test(
    "fencing: a token not greater than the highest granted before is critical; tokens are per lock")
  func fencing() throws {
    let fixture = try Analyzed("fencing")
    #expect(fixture.kinds == ["fencing"])
    let found = fixture.findings("fencing")
    try #require(found.count == 2)
    #expect(found.allSatisfy { $0.severity == .critical && $0.locks == ["L"] })
    #expect(
      found[0].agents == ["t3", "t2"] && found[0].source == fixture.source(5)
        && found[0].time == time(3))
    #expect(found[0].detail("token") == .int(6) && found[0].detail("previous_token") == .int(6))
    #expect(
      found[1].agents == ["t4", "t2"] && found[1].source == fixture.source(7)
        && found[1].time == time(4))
    #expect(found[1].detail("token") == .int(4) && found[1].detail("previous_token") == .int(6))
  }

  // MARK: Contention

  @Test("long-hold: holds over 1 s grouped per lock, with the worst three")
  func longHold() throws {
    let fixture = try Analyzed("long-hold")
    #expect(fixture.kinds == ["long-hold"])
    let found = fixture.findings("long-hold")
    #expect(found.map(\.locks) == [["db"], ["cache"]])
    let db = try #require(found.first { $0.locks == ["db"] })
    // w5's hold of exactly 1 s is not longer than 1 s.
    #expect(db.severity == .warning && db.count == 4)
    #expect(db.agents == ["w1", "w2", "w3", "w4"])
    #expect(db.time == time(2) && db.source == fixture.source(3))
    func worst(_ agent: String, _ seconds: Double, at start: Double, line: Int) -> JSONValue {
      .object([
        ("agent", .string(agent)), ("hold_ns", .int(Int64(seconds * 1000) * millisecond)),
        ("ts", .string(Timestamp.rfc3339(time(start)))),
        ("source", .string(fixture.source(line))),
      ])
    }
    #expect(
      db.detail("worst")
        == .array([
          worst("w2", 3, at: 2, line: 3), worst("w3", 2, at: 6, line: 5),
          worst("w1", 1.5, at: 0, line: 1),
        ]))
    let cache = try #require(found.first { $0.locks == ["cache"] })
    #expect(
      cache.count == 1 && cache.agents == ["w2"]
        && cache.detail("worst") == .array([worst("w2", 2, at: 14, line: 13)]))
  }

  @Test("long-hold follows --long-hold: at 2.5 s only the 3 s hold is left")
  func longHoldThreshold() throws {
    let fixture = try Analyzed("long-hold") { $0.findings.longHold = 2500 * millisecond }
    let found = fixture.findings("long-hold")
    #expect(
      found.count == 1 && found.first?.locks == ["db"] && found.first?.count == 1
        && found.first?.agents == ["w2"])
  }

  @Test("hot-lock: serialized workers, the lock held all the time with others queued")
  func hotLock() throws {
    let fixture = try Analyzed("hot-lock")
    #expect(fixture.kinds == ["hot-lock"])
    let hot = try #require(fixture.findings("hot-lock").first)
    #expect(hot.severity == .warning && hot.locks == ["llm"] && hot.agents == ["w2", "w3", "w1"])
    #expect(hot.detail("utilization") == .double(1.0))
    #expect(hot.detail("contended_share") == .double(0.8))
    #expect(hot.detail("queued_agents") == .int(3))
    #expect(hot.detail("effective_parallelism") == .double(1.0))
    #expect(hot.detail("hold_p50_ns") == .int(900 * millisecond))
    #expect(hot.time == time(0) && hot.source == fixture.source(2))
    let stricter = try Analyzed("hot-lock") { $0.findings.hotContendedShare = 0.85 }
    #expect(stricter.findings("hot-lock").isEmpty)
  }

  @Test("starvation: a waiter overtaken 5 times is reported, one overtaken 4 times is not")
  func starvation() throws {
    let fixture = try Analyzed("starvation")
    #expect(fixture.kinds == ["starvation"])
    let starved = try #require(fixture.findings("starvation").first)
    #expect(
      starved.severity == .warning && starved.locks == ["L"] && starved.agents == ["v1"]
        && starved.count == 1)
    #expect(starved.time == time(1.1) && starved.source == fixture.source(2))
    #expect(
      starved.detail("worst")
        == .array([
          .object([
            ("agent", .string("v1")), ("overtaken", .int(5)),
            ("ts", .string(Timestamp.rfc3339(time(1.1)))), ("source", .string(fixture.source(2))),
          ])
        ]))
    let lower = try Analyzed("starvation") { $0.findings.starvationOvertakes = 4 }
    let both = try #require(lower.findings("starvation").first)
    #expect(both.count == 2 && both.agents == ["v1", "v2"])
  }

  @Test("timeout: the timed-out waits of a lock grouped, longest first, with the rate")
  func timeout() throws {
    let fixture = try Analyzed("timeout")
    #expect(fixture.kinds == ["timeout"])
    let found = try #require(fixture.findings("timeout").first)
    #expect(
      found.severity == .warning && found.locks == ["L"] && found.agents == ["w1", "w2"]
        && found.count == 2)
    #expect(found.detail("timeout_rate") == .double(0.4))  // 2 timeouts / 5 attempts
    func worst(_ agent: String, _ waitMillis: Int64, at start: Double, line: Int) -> JSONValue {
      .object([
        ("agent", .string(agent)), ("wait_ns", .int(waitMillis * millisecond)),
        ("ts", .string(Timestamp.rfc3339(time(start)))),
        ("source", .string(fixture.source(line))),
      ])
    }
    #expect(
      found.detail("worst")
        == .array([worst("w2", 600, at: 1.2, line: 5), worst("w1", 400, at: 1.1, line: 4)]))
    #expect(found.time == time(1.2) && found.source == fixture.source(5))
  }

  // MARK: The JSON contract (SPEC §5)

  @Test("JSON report: a deadlock has cycle and resolved_by null, an orphan its cause")
  func jsonKeys() throws {
    func findings(_ name: String) throws -> [[String: Any]] {
      let json = JSONReportRenderer().render(try Analyzed(name).report)
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
      return try #require(object["findings"] as? [[String: Any]])
    }
    let deadlock = try #require(try findings("ABBCCA-deadlock").first)
    #expect(
      deadlock["kind"] as? String == "deadlock" && deadlock["severity"] as? String == "critical")
    #expect(deadlock["resolved_by"] is NSNull)
    #expect(
      deadlock["locks"] as? [String] == ["A", "B", "C"]
        && deadlock["agents"] as? [String] == ["t3", "t1", "t2"])
    #expect(deadlock["ts"] as? String == Timestamp.rfc3339(time(1.5)))
    let cycle = try #require(deadlock["cycle"] as? [[String: String]])
    #expect(
      cycle == [
        ["agent": "t3", "waits_for": "A", "held_by": "t1"],
        ["agent": "t1", "waits_for": "B", "held_by": "t2"],
        ["agent": "t2", "waits_for": "C", "held_by": "t3"],
      ])
    let timedOut = try #require(
      try findings("ABBA-deadlock").first { $0["kind"] as? String == "deadlock" })
    #expect(timedOut["resolved_by"] as? String == "timeout")
    let orphan = try #require(try findings("orphan-crash").first)
    #expect(orphan["kind"] as? String == "orphan" && orphan["cause"] as? String == "crash")
    #expect((orphan["source"] as? String)?.hasSuffix("orphan-crash.jsonl:3") == true)
  }

  static let allFixtures: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: fixture("findings"))) ?? [])
    .filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(".jsonl".count)) }.sorted()

  @Test(
    "every finding of every fixture names its FILE:LINE source and a time inside the log",
    arguments: allFixtures)
  func everyFindingHasASource(_ name: String) throws {
    let fixture = try Analyzed(name)
    let lines = try String(contentsOfFile: fixture.path, encoding: .utf8).split(separator: "\n")
      .count
    let first = try #require(fixture.report.summary.firstTime)
    let last = try #require(fixture.report.summary.lastTime)
    for finding in fixture.report.findings {
      let line =
        finding.source.hasPrefix(fixture.path + ":")
        ? Int(finding.source.dropFirst(fixture.path.count + 1)) : nil
      #expect(
        line.map { (1...lines).contains($0) } == true,
        "\(finding.kind): source \"\(finding.source)\"")
      #expect(
        (first...last).contains(finding.time),
        "\(finding.kind): ts \(Timestamp.rfc3339(finding.time))")
    }
  }

  @Test("the fixture list covers every lockdep name in both forms")
  func fixtureListIsComplete() {
    for name in ["AA", "ABBA", "ABBCCA", "ABCABC", "ABBCCDDA", "ABCDBDDA", "ABCDBCDA"] {
      #expect(
        Self.allFixtures.contains("\(name)-deadlock")
          && Self.allFixtures.contains("\(name)-sequential"), "\(name)")
    }
  }

  // MARK: Disagreements with the tool (fixtures/findings/README.md, last section)

  @Test(
    "an agent asking again for a lock it holds, when only its own hold stands in the way, is a self-deadlock",
    arguments: ["AA2-read-then-write", "AA3-write-then-read", "AA-semaphore"])
  func selfDeadlockVariants(_ name: String) throws {
    let fixture = try Analyzed(name)
    let lock = name == "AA-semaphore" ? "S" : "A"
    let deadlocks = fixture.findings("deadlock")
    try #require(deadlocks.count == 1, "\(name): \(deadlocks.map(\.message))")
    #expect(
      deadlocks[0].detail("cycle") == .array([WaitLink(agent: "t1", lock: lock, next: "t1").json]))
    #expect(
      deadlocks[0].detail("self_deadlock") == .bool(true)
        && deadlocks[0].detail("resolved_by") == .null)
    #expect(
      deadlocks[0].severity == .critical && deadlocks[0].source == fixture.source(2)
        && deadlocks[0].time == time(1.5))
  }

  @Test(
    "a lease that ran out before the cycle could close breaks it: no deadlock, never a negative duration"
  )
  func lapsedLeaseIsNoDeadlock() throws {
    let fixture = try Analyzed("lease-lapsed-before-cycle")
    for deadlock in fixture.findings("deadlock") {
      if case .int(let duration)? = deadlock.detail("duration_ns") {
        #expect(duration >= 0, "\(deadlock.message)")
      }
    }
    #expect(fixture.findings("deadlock").isEmpty, "\(fixture.findings("deadlock").map(\.message))")
    #expect(fixture.kinds == ["orphan"])
    let orphan = try #require(fixture.findings("orphan").first)
    #expect(orphan.detail("cause") == .string("lease-expired") && orphan.time == time(1))
    #expect(
      orphan.detail("blocked_wait_ns") == .int(1800 * millisecond) && orphan.severity == .critical)
  }

  @Test(
    "a double acquire released once leaves nothing held: no phantom lock-order edge, no inversion")
  func doubleAcquireLeavesNoPhantomEdge() throws {
    let fixture = try Analyzed("double-acquire-no-inversion")
    #expect(
      fixture.findings("lock-order-inversion").isEmpty,
      "\(fixture.findings("lock-order-inversion").map(\.message))")
    #expect(fixture.kinds == ["anomaly"])
    #expect(fixture.findings("anomaly").first?.detail("anomaly") == .string("double-acquire"))
  }

  @Test("a hot lock whose holds never end in a release still names a FILE:LINE source")
  func hotLockWithoutReleasedHoldHasASource() throws {
    let fixture = try Analyzed("hot-lock-unreleased")
    let hot = try #require(fixture.findings("hot-lock").first)
    #expect(hot.locks == ["L"] && hot.agents == ["w1", "w2"])
    #expect(hot.source.hasPrefix(fixture.path + ":"), "source \"\(hot.source)\"")
  }
}
