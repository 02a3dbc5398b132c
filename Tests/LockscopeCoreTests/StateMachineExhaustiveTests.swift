import Foundation
@testable import LockscopeCore
import Testing

// The lock state machine driven through the engine's API only (TimelineEngine, a
// TimelineObserver, LockEvent values built here; no files), so these tests outlive any
// rewrite of its insides. Two parts: every sequence of up to N events over small worlds,
// checked against invariants after each event; and single transitions, one test each.

@Suite("Lock state machine: every short sequence, and single transitions")
struct StateMachineExhaustiveTests {
  // MARK: Exhaustive

  /// A mutex queued on by three agents: FIFO waits and handoffs.
  @Test("a mutex, three agents: request, acquire, release")
  func mutexThreeAgents() {
    explore(
      World(
        agents: 3, capacities: [0],
        moves: [.init(.request), .init(.acquire), .init(.release)]),
      length: 5)
  }

  /// Withdrawals, crashes and the orphaned holds a crash leaves.
  @Test("a mutex, two agents: cancel, timeout, crash and orphaned holds")
  func withdrawalsAndCrashes() {
    explore(
      World(
        agents: 2, capacities: [0],
        moves: [.init(.request), .init(.acquire), .init(.release), .init(.cancel), .init(.timeout), .init(.crash)]),
      length: 4)
  }

  /// Readers and writers on one lock: shared holds coexist, a writer conflicts.
  @Test("a read-write lock, two agents: exclusive and shared modes")
  func sharedAndExclusive() {
    explore(
      World(
        agents: 2, capacities: [0],
        moves: [
          .init(.request, mode: .shared), .init(.request), .init(.acquire, mode: .shared), .init(.acquire), .init(.release),
        ]),
      length: 4)
  }

  /// A semaphore of two slots among three agents: the third waits, or is over capacity.
  @Test("a semaphore of capacity 2, three agents")
  func semaphore() {
    explore(
      World(
        agents: 3, capacities: [2],
        moves: [.init(.request), .init(.acquire), .init(.release)]),
      length: 5)
  }

  /// Leases: a leased acquire lapses 15 ms later (events are 10 ms apart) unless renewed.
  @Test("a leased mutex, two agents: renew, expire, lapse, crash")
  func leases() {
    explore(
      World(
        agents: 2, capacities: [0],
        moves: [.init(.acquire, leased: true), .init(.acquire), .init(.renew), .init(.expire), .init(.release), .init(.crash)]),
      length: 4)
  }

  /// Two locks, one of them a semaphore: waits and holds on both at once, wait-for cycles.
  @Test("a mutex and a semaphore of capacity 2, two agents")
  func twoLocks() {
    explore(
      World(
        agents: 2, capacities: [0, 2],
        moves: [
          .init(.request), .init(.acquire), .init(.release), .init(.request, lock: 1), .init(.acquire, lock: 1),
          .init(.release, lock: 1),
        ]),
      length: 4)
  }

  // MARK: Single transitions

  @Test("a request on a free lock is uncontended, first in the queue")
  func requestOnFreeLock() {
    let log = record([event(.request, "a", at: 1)])
    #expect(log.calls.first == .attempted(agent: a, lock: mutex, contended: false, queueLength: 1, bare: false))
  }

  @Test("a request on a held lock is contended and queues behind nobody else")
  func requestOnHeldLock() {
    let log = record([event(.acquire, "a", at: 1), event(.request, "b", at: 2)])
    #expect(log.calls.contains(.attempted(agent: b, lock: mutex, contended: true, queueLength: 1, bare: false)))
  }

  @Test("an acquire by a waiter ends its wait as granted, and the wait is its length")
  func acquireByWaiter() {
    let log = record([event(.acquire, "a", at: 1), event(.request, "b", at: 2), event(.release, "a", at: 3), event(.acquire, "b", at: 5)])
    let wait = WaitCall(agent: b, lock: mutex, start: ms(2), end: ms(5), outcome: .granted)
    #expect(log.calls.contains(.waitEnded(wait)))
    #expect(log.calls.contains(.acquired(agent: b, lock: mutex, time: ms(5), wait: ms(3))))
    #expect(!log.calls.contains { if case .anomaly = $0 { true } else { false } })
  }

  @Test("an acquire with no request is a bare attempt with no wait")
  func bareAcquire() {
    let log = record([event(.acquire, "a", at: 1)])
    #expect(
      log.calls.prefix(2) == [
        .attempted(agent: a, lock: mutex, contended: false, queueLength: 0, bare: true),
        .acquired(agent: a, lock: mutex, time: ms(1), wait: 0),
      ])
  }

  @Test("a release by a non-holder is an anomaly and ends nothing")
  func releaseByNonHolder() {
    let log = record([event(.acquire, "a", at: 1), event(.release, "b", at: 2)])
    #expect(log.calls.contains(.anomaly(.releaseByNonHolder, agent: b, lock: mutex)))
    // a's hold runs on to the end of the log (2 ms), not to b's release.
    #expect(log.holds == [HoldCall(agent: a, lock: mutex, start: ms(1), end: ms(2), outcome: .endOfLog)])
  }

  @Test("an acquire of a held mutex is believed, and reported as acquire-while-held")
  func acquireWhileHeld() {
    let log = record([event(.acquire, "a", at: 1), event(.acquire, "b", at: 2)])
    #expect(log.calls.contains(.anomaly(.acquireWhileHeld, agent: b, lock: mutex)))
    #expect(log.holds.map(\.agent) == [a, b] || log.holds.map(\.agent) == [b, a])
  }

  @Test("two shared acquires coexist with no anomaly")
  func sharedHoldsCoexist() {
    let log = record([event(.acquire, "a", at: 1, mode: .shared), event(.acquire, "b", at: 2, mode: .shared)])
    #expect(!log.calls.contains { if case .anomaly = $0 { true } else { false } })
  }

  @Test("a crash keeps its holds, orphaned, until the end; its waits end abandoned at once")
  func crashKeepsHoldsOrphaned() {
    let log = record([
      event(.acquire, "a", at: 1), event(.request, "a", at: 2, lock: "M"), event(.crash, "a", at: 3), event(.request, "b", at: 4),
      event(.timeout, "b", at: 6),
    ])
    let crashAt = log.calls.firstIndex(of: .crashed(agent: a, time: ms(3)))
    #expect(crashAt != nil)
    #expect(log.calls.contains(.waitEnded(WaitCall(agent: a, lock: LockID(1), start: ms(2), end: ms(3), outcome: .abandoned))))
    // The orphaned hold still blocks b, and ends only at the end of the log, as a crash's.
    #expect(log.calls.contains(.attempted(agent: b, lock: mutex, contended: true, queueLength: 1, bare: false)))
    #expect(log.holds == [HoldCall(agent: a, lock: mutex, start: ms(1), end: ms(6), outcome: .crashed)])
  }

  @Test("another agent's acquire takes over an orphaned hold: it ends there, no anomaly")
  func takeoverOfOrphan() {
    let log = record([event(.acquire, "a", at: 1), event(.crash, "a", at: 2), event(.acquire, "b", at: 4)])
    #expect(log.holds.first == HoldCall(agent: a, lock: mutex, start: ms(1), end: ms(4), outcome: .crashed))
    #expect(!log.calls.contains { if case .anomaly = $0 { true } else { false } })
  }

  @Test("a lease that runs out ends the hold at its deadline, not at the next event")
  func leaseExpiry() {
    let log = record([event(.acquire, "a", at: 10, lease: ms(15)), event(.acquire, "b", at: 100)])
    #expect(log.holds.first == HoldCall(agent: a, lock: mutex, start: ms(10), end: ms(25), outcome: .leaseExpired))
    #expect(!log.calls.contains { if case .anomaly = $0 { true } else { false } })
  }

  @Test("a renew moves the lease deadline; a release after the lapse is its own anomaly")
  func renewThenLapse() {
    let log = record([
      event(.acquire, "a", at: 10, lease: ms(15)), event(.renew, "a", at: 20), event(.release, "a", at: 100),
    ])
    #expect(log.holds == [HoldCall(agent: a, lock: mutex, start: ms(10), end: ms(35), outcome: .leaseExpired)])
    #expect(log.calls.contains(.anomaly(.releaseAfterLeaseExpired, agent: a, lock: mutex)))
  }

  @Test("a timeout ends the wait as timed out; a timeout with no request is an anomaly")
  func timeouts() {
    let log = record([event(.acquire, "a", at: 1), event(.request, "b", at: 2), event(.timeout, "b", at: 4), event(.timeout, "b", at: 5)])
    #expect(log.calls.contains(.waitEnded(WaitCall(agent: b, lock: mutex, start: ms(2), end: ms(4), outcome: .timedOut))))
    #expect(log.calls.contains(.anomaly(.timeoutWithoutRequest, agent: b, lock: mutex)))
  }

  @Test("the end of the log ends every open hold and wait, once")
  func finishClosesEverything() {
    let log = record([event(.acquire, "a", at: 1), event(.request, "b", at: 2)])
    #expect(log.holds == [HoldCall(agent: a, lock: mutex, start: ms(1), end: ms(2), outcome: .endOfLog)])
    #expect(log.calls.contains(.waitEnded(WaitCall(agent: b, lock: mutex, start: ms(2), end: ms(2), outcome: .endOfLog))))
    #expect(log.calls.last == .finished(at: ms(2)))
  }
}

// MARK: - The world and its moves

/// Each world's N is what keeps the suite near 10 s in a debug build (the engine costs
/// ~10 µs an event there, and a world of 12 moves has 11,000 sequences of up to 4 events).
/// `LOCKSCOPE_EXHAUSTIVE_EXTRA=k` runs every world k events deeper, for a longer search.
private let extraLength = Int(ProcessInfo.processInfo.environment["LOCKSCOPE_EXHAUSTIVE_EXTRA"] ?? "") ?? 0

private let a = AgentID(0)
private let b = AgentID(1)
private let mutex = LockID(0)
private func ms(_ n: Int64) -> Int64 { n * millisecond }

/// Agents, locks and the moves every agent can make; an event is one agent's move. Events
/// are 10 ms apart; a leased acquire gets 15 ms, so it lapses before the second event after.
private struct World {
  struct Move {
    var kind: EventKind
    var lock: Int32 = 0
    var mode: LockMode = .exclusive
    var leased = false

    init(_ kind: EventKind, lock: Int32 = 0, mode: LockMode = .exclusive, leased: Bool = false) {
      self.kind = kind
      self.lock = lock
      self.mode = mode
      self.leased = leased
    }
  }

  var agents: Int
  /// Per lock: 0 for a mutex (modes count), else the semaphore's slots (sent on every event).
  var capacities: [Int32]
  var moves: [Move]
  static let step = 10 * millisecond
  static let lease = 15 * millisecond

  func event(_ move: Move, agent: Int, index: Int) -> LockEvent {
    let lock = move.kind == .crash ? LockID.none : LockID(move.lock)
    return LockEvent(
      kind: move.kind, mode: move.mode, time: Int64(index + 1) * World.step, agent: AgentID(Int32(agent)), lock: lock,
      capacity: move.kind == .crash ? 0 : capacities[Int(move.lock)], leaseNanos: move.leased ? World.lease : -1,
      source: LockscopeCore.SourceLocation(input: 0, line: Int64(index + 1)))
  }
}

/// Runs every sequence of 1 to `length` events of `world`, one engine per sequence, and
/// checks the invariants after each event and after the end. Agents are interchangeable,
/// so only sequences whose agents first appear in order (a, then b, then c) are run.
private func explore(_ world: World, length: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
  let names = NameTable()
  let lockNames = NameTable()
  for agent in 0..<world.agents { _ = names.intern("agent-\(agent)") }
  for lock in world.capacities.indices { _ = lockNames.intern("lock-\(lock)") }
  let selection = Selection(lockNames: lockNames, agentNames: names)
  let length = length + extraLength
  var sequence: [(move: Int, agent: Int)] = []
  var runs = 0
  var failure: String?

  func extend(agentsUsed: Int) {
    guard failure == nil, sequence.count < length else { return }
    for agent in 0..<min(agentsUsed + 1, world.agents) {
      for move in world.moves.indices {
        sequence.append((move, agent))
        runs += 1
        if let problem = check(
          sequence.enumerated().map { world.event(world.moves[$1.move], agent: $1.agent, index: $0) }, world, selection)
        {
          failure = problem + "\nsequence:\n" + describe(sequence, world)
          return
        }
        extend(agentsUsed: max(agentsUsed, agent + 1))
        sequence.removeLast()
      }
    }
  }
  extend(agentsUsed: 0)
  if let failure {
    Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
  } else {
    #expect(runs > 1000, "the world enumerated too few sequences: \(runs)", sourceLocation: sourceLocation)
  }
}

private func describe(_ sequence: [(move: Int, agent: Int)], _ world: World) -> String {
  sequence.enumerated().map { index, step in
    let move = world.moves[step.move]
    var text = "  \(index + 1): agent-\(step.agent) \(move.kind.name)"
    if move.kind != .crash { text += " lock-\(move.lock)" }
    if move.mode == .shared { text += " shared" }
    if move.leased { text += " lease 15ms" }
    return text
  }.joined(separator: "\n")
}

/// The analyzers with the finding analyzers off: the statistics, as a report counts them.
private let statisticsOnly: FindingOptions = {
  var options = FindingOptions()
  options.enabled = false
  return options
}()

/// One sequence through a fresh engine; the first broken invariant, or nil.
private func check(_ events: [LockEvent], _ world: World, _ selection: Selection) -> String? {
  let engine = TimelineEngine(
    observer: ObserverPair(Analyzers(selection: selection, options: statisticsOnly), Checker(capacities: world.capacities)),
    selection: selection)
  // The open requests, worked out from the events alone: what the queues must hold.
  var requested: [(agent: AgentID, lock: LockID)] = []
  for event in events {
    engine.observer.second.begin(event)
    engine.apply(event)
    engine.observer.second.end(event)
    switch event.kind {
    case .request where !requested.contains(where: { $0 == (event.agent, event.lock) }): requested.append((event.agent, event.lock))
    case .acquire, .timeout, .cancel: requested.removeAll { $0 == (event.agent, event.lock) }
    case .crash: requested.removeAll { $0.agent == event.agent }
    default: break
    }
    if let problem = engine.observer.second.problem { return "after event \(event.source.line): \(problem)" }
    let waits = engine.observer.second.waits
    if waits.count != requested.count || !waits.allSatisfy({ wait in requested.contains { $0 == (wait.agent, wait.lock) } }) {
      return
        "after event \(event.source.line): the open waits \(waits.map { ($0.agent.rawValue, $0.lock.rawValue) }) are not the open requests"
    }
    // The engine's own queues, in FIFO order, against the waits the observer was told of.
    for lock in world.capacities.indices {
      let queued = queuedAgents(engine, LockID(Int32(lock)))
      let expected = waits.filter { $0.lock.index == lock }.map(\.agent)
      if queued != expected { return "after event \(event.source.line): lock-\(lock) queues \(queued), the waits say \(expected)" }
    }
  }
  engine.observer.second.begin(nil)
  engine.finish()
  let checker = engine.observer.second
  if let problem = checker.problem { return "at the end: \(problem)" }
  guard checker.finishedCalls == 1 else { return "finished(at:) called \(checker.finishedCalls) times" }
  guard checker.waits.isEmpty && checker.holds.isEmpty else { return "waits or holds still open after finish()" }
  // The statistics' totals are the sums of the intervals the observer was given.
  let statistics = engine.observer.first.statistics
  for lock in statistics.locks.indices {
    let row = statistics.locks[lock]
    let totals = checker.totals(lock: lock)
    if row.waitNanos != totals.wait || row.holdNanos != totals.hold {
      return "lock-\(lock): wait/hold totals \(row.waitNanos)/\(row.holdNanos), intervals sum to \(totals.wait)/\(totals.hold)"
    }
    if row.attempts != totals.attempts || row.acquisitions != totals.acquisitions || row.timeouts != totals.timeouts {
      return "lock-\(lock): attempts/acquisitions/timeouts \(row.attempts)/\(row.acquisitions)/\(row.timeouts), counted \(totals)"
    }
  }
  for agent in statistics.agents.indices {
    let row = statistics.agents[agent]
    let totals = checker.totals(agent: agent)
    if row.waitNanos != totals.wait || row.holdNanos != totals.hold {
      return "agent-\(agent): wait/hold totals \(row.waitNanos)/\(row.holdNanos), intervals sum to \(totals.wait)/\(totals.hold)"
    }
  }
  return nil
}

/// The agents queued on `lock`, first first: the one place these tests read the engine's
/// state instead of its callbacks (adapt it if the state's shape changes).
private func queuedAgents<Observer>(_ engine: TimelineEngine<Observer>, _ lock: LockID) -> [AgentID] {
  lock.index < engine.locks.count ? engine.locks[lock.index].waiters.map(\.agent) : []
}

/// Follows the engine's callbacks with its own model of the open waits and holds, and
/// notes the first callback that breaks a rule. `begin`/`end` bracket each event.
private struct Checker: TimelineObserver {
  struct Wait {
    var agent: AgentID
    var lock: LockID
    var mode: LockMode
    var start: Int64
  }

  struct Hold {
    var agent: AgentID
    var lock: LockID
    var mode: LockMode
    var start: Int64
    var deadline: Int64
    var leaseLength: Int64
    var orphaned = false
  }

  let capacities: [Int32]
  private(set) var waits: [Wait] = []
  private(set) var holds: [Hold] = []
  private(set) var problem: String?
  private(set) var finishedCalls = 0
  /// Ended intervals and counts, for the statistics' totals.
  private var ended: [(agent: AgentID, lock: LockID, nanos: Int64, hold: Bool)] = []
  private var counted: [(lock: LockID, attempts: Int, acquisitions: Int, timeouts: Int)] = []

  // What the event being applied caused.
  private var event: LockEvent?
  private var anomalies: [Anomaly] = []
  private var endedWaits: [WaitInterval] = []
  private var endedHolds: [HoldInterval] = []
  private var attempts = 0
  private var acquires = 0
  private var crashes = 0

  init(capacities: [Int32]) { self.capacities = capacities }

  var wantsCycles: Bool { true }

  private mutating func fail(_ text: String) { if problem == nil { problem = text } }

  mutating func begin(_ event: LockEvent?) {
    self.event = event
    anomalies.removeAll()
    endedWaits.removeAll()
    endedHolds.removeAll()
    (attempts, acquires, crashes) = (0, 0, 0)
  }

  /// What each kind of event must have done, and nothing else.
  mutating func end(_ event: LockEvent) {
    let (agent, lock, time) = (event.agent, event.lock, event.time)
    let kinds = anomalies.map(\.kind)
    let mine = { (interval: (AgentID, LockID)) in interval == (agent, lock) }
    switch event.kind {
    case .request:
      if attempts + kinds.filter({ $0 == .duplicateRequest }).count != 1 { fail("a request neither queued once nor was a duplicate") }
    case .acquire:
      if acquires != 1 { fail("an acquire was reported \(acquires) times") }
      if holds.filter({ mine(($0.agent, $0.lock)) && !$0.orphaned }).count != 1 {
        fail("after an acquire, the agent does not hold the lock once")
      }
    case .release:
      let released = endedHolds.filter { mine(($0.agent, $0.lock)) && $0.outcome == .released && $0.end == time }.count
      let refused = kinds.filter { $0 == .releaseByNonHolder || $0 == .releaseAfterLeaseExpired }.count
      if released + refused != 1 { fail("a release ended \(released) holds and raised \(refused) anomalies") }
      if holds.contains(where: { mine(($0.agent, $0.lock)) && !$0.orphaned }) { fail("the agent still holds the lock after its release") }
    case .timeout, .cancel:
      let outcome: WaitOutcome = event.kind == .timeout ? .timedOut : .cancelled
      let anomaly: Anomaly.Kind = event.kind == .timeout ? .timeoutWithoutRequest : .cancelWithoutRequest
      let withdrawn = endedWaits.filter { mine(($0.agent, $0.lock)) && $0.outcome == outcome && $0.end == time }.count
      if withdrawn + kinds.filter({ $0 == anomaly }).count != 1 { fail("a \(event.kind.name) neither ended one wait nor was an anomaly") }
    case .renew:
      if let index = holds.firstIndex(where: { mine(($0.agent, $0.lock)) && !$0.orphaned }) {
        if !kinds.isEmpty { fail("a renew by the holder raised \(kinds)") }
        if event.leaseNanos >= 0 { holds[index].leaseLength = event.leaseNanos }
        if holds[index].leaseLength >= 0 { holds[index].deadline = time + holds[index].leaseLength }
      } else if kinds.filter({ $0 == .renewByNonHolder || $0 == .renewAfterLeaseExpired }).count != 1 {
        fail("a renew by a non-holder was not an anomaly")
      }
    case .expire:
      let expired = endedHolds.filter { mine(($0.agent, $0.lock)) && $0.end == time && ($0.outcome == .expired || $0.outcome == .crashed) }
        .count
      if expired > 1 || (expired == 1 && !kinds.isEmpty) { fail("an expire ended \(expired) holds, anomalies \(kinds)") }
      if holds.contains(where: { mine(($0.agent, $0.lock)) }) { fail("the agent still holds the lock after its expire") }
    case .crash:
      if crashes != 1 { fail("a crash was reported \(crashes) times") }
      if endedHolds.contains(where: { $0.agent == agent && $0.end == time && $0.outcome == .crashed && $0.endSource == event.source }) {
        fail("a crash ended its own hold instead of orphaning it")
      }
    }
    // Every hold and wait ends when it is ended, never later than the event that ended it.
    if let late = endedHolds.first(where: { $0.end > time }) { fail("a hold ended at \(late.end), after the event at \(time)") }
    if let late = endedWaits.first(where: { $0.end != time }) { fail("a wait ended at \(late.end), not at the event (\(time))") }
  }

  // MARK: Callbacks

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    attempts += bare ? 0 : 1
    count(event.lock) { $0.attempts += 1 }
    guard !bare else {
      if contended || queueLength != 0 { fail("a bare acquire counted as contended or queued") }
      return
    }
    if waits.contains(where: { $0.agent == event.agent && $0.lock == event.lock }) { fail("a second wait opened for the same request") }
    // Contended (docs/semantics.md): a hold conflicts with it, its own included (a
    // self-deadlock), orphaned ones too; or an earlier waiter does (fair locks serve in order).
    let ahead = waits.filter { $0.lock == event.lock }
    let semaphore = capacities[event.lock.index] > 0
    let blocked =
      conflict(event.lock, event.mode, with: holds.filter { $0.lock == event.lock })
      || ahead.contains { semaphore || $0.mode == .exclusive || event.mode == .exclusive }
    if contended != blocked {
      fail("a request called \(contended ? "contended" : "uncontended") by the engine is \(blocked ? "blocked" : "free")")
    }
    waits.append(Wait(agent: event.agent, lock: event.lock, mode: event.mode, start: time))
    if queueLength != ahead.count + 1 { fail("queue length \(queueLength) reported, \(ahead.count + 1) waiting") }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    acquires += 1
    count(event.lock) { $0.acquisitions += 1 }
    let granted = endedWaits.first { $0.agent == event.agent && $0.lock == event.lock && $0.outcome == .granted }
    if wait != (granted.map { $0.end - $0.start } ?? 0) { fail("an acquire's wait \(wait) is not the wait it ended") }
    let own = holds.contains { $0.agent == event.agent && $0.lock == event.lock }
    let double = anomalies.contains { $0.kind == .doubleAcquire && $0.agent == event.agent && $0.lock == event.lock }
    if own != double { fail(own ? "an acquire by a holder was not a double acquire" : "a double acquire by a non-holder") }
    guard !own else { return }
    // Two holders that conflict only when the log says so, and then the engine says so too.
    let forced = anomalies.contains { $0.kind == .acquireWhileHeld && $0.agent == event.agent && $0.lock == event.lock }
    let others = holds.filter { $0.lock == event.lock }
    if forced != conflict(event.lock, event.mode, with: others) {
      fail(forced ? "acquire-while-held with no conflicting holder" : "a conflicting second holder with no acquire-while-held")
    }
    let deadline = event.leaseNanos >= 0 ? time + event.leaseNanos : .max
    holds.append(
      Hold(agent: event.agent, lock: event.lock, mode: event.mode, start: time, deadline: deadline, leaseLength: event.leaseNanos))
  }

  mutating func waitEnded(_ wait: WaitInterval) {
    endedWaits.append(wait)
    guard let index = waits.firstIndex(where: { $0.agent == wait.agent && $0.lock == wait.lock }) else {
      return fail("a wait ended that was never open (or ended twice)")
    }
    let open = waits.remove(at: index)
    if wait.start != open.start || wait.end < wait.start { fail("a wait ran \(wait.start)–\(wait.end), opened at \(open.start)") }
    if wait.outcome == .timedOut { count(wait.lock) { $0.timeouts += 1 } }
    if (wait.outcome == .endOfLog) != (event == nil) { fail("a wait ended \(wait.outcome) outside the end of the log") }
    ended.append((wait.agent, wait.lock, wait.end - wait.start, false))
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    endedHolds.append(hold)
    guard let index = holds.firstIndex(where: { $0.agent == hold.agent && $0.lock == hold.lock }) else {
      return fail("a hold ended that was never open (or ended twice)")
    }
    let open = holds.remove(at: index)
    if hold.start != open.start || hold.end < hold.start { fail("a hold ran \(hold.start)–\(hold.end), began at \(open.start)") }
    if open.orphaned != (hold.outcome == .crashed) { fail("an orphaned hold ended as \(hold.outcome), or a live one as crashed") }
    if hold.outcome == .leaseExpired && hold.end != open.deadline {
      fail("a lapsed lease ended at \(hold.end), its deadline was \(open.deadline)")
    }
    if hold.outcome == .released && event?.kind != .release { fail("a hold was released by a \(event?.kind.name ?? "finish")") }
    ended.append((hold.agent, hold.lock, hold.end - hold.start, true))
  }

  mutating func anomaly(_ anomaly: Anomaly) { anomalies.append(anomaly) }

  mutating func crashed(_ agent: AgentID, at time: Int64) {
    crashes += 1
    if waits.contains(where: { $0.agent == agent }) { fail("a crashed agent still waits") }
    for index in holds.indices where holds[index].agent == agent { holds[index].orphaned = true }
  }

  mutating func finished(at end: Int64) { finishedCalls += 1 }

  // MARK: Helpers

  /// The rule of SPEC §2 for holders, written plainly: a full semaphore, or two modes that
  /// are not both shared.
  private func conflict(_ lock: LockID, _ mode: LockMode, with holders: [Hold]) -> Bool {
    let capacity = capacities[lock.index]
    if capacity > 0 { return holders.count >= Int(capacity) }
    return holders.contains { $0.mode == .exclusive || mode == .exclusive }
  }

  private mutating func count(_ lock: LockID, _ change: (inout (lock: LockID, attempts: Int, acquisitions: Int, timeouts: Int)) -> Void) {
    if let index = counted.firstIndex(where: { $0.lock == lock }) {
      change(&counted[index])
    } else {
      counted.append((lock, 0, 0, 0))
      change(&counted[counted.count - 1])
    }
  }

  func totals(lock: Int) -> (wait: Int128, hold: Int128, attempts: Int, acquisitions: Int, timeouts: Int) {
    let intervals = ended.filter { $0.lock.index == lock }
    let counts = counted.first { $0.lock.index == lock } ?? (LockID(Int32(lock)), 0, 0, 0)
    return (
      intervals.filter { !$0.hold }.reduce(0) { $0 + Int128($1.nanos) }, intervals.filter(\.hold).reduce(0) { $0 + Int128($1.nanos) },
      counts.attempts, counts.acquisitions, counts.timeouts
    )
  }

  func totals(agent: Int) -> (wait: Int128, hold: Int128) {
    let intervals = ended.filter { $0.agent.index == agent }
    return (intervals.filter { !$0.hold }.reduce(0) { $0 + Int128($1.nanos) }, intervals.filter(\.hold).reduce(0) { $0 + Int128($1.nanos) })
  }
}

// MARK: - Single transitions: a log of the callbacks

private struct WaitCall: Equatable {
  var agent: AgentID
  var lock: LockID
  var start: Int64
  var end: Int64
  var outcome: WaitOutcome
}

private struct HoldCall: Equatable {
  var agent: AgentID
  var lock: LockID
  var start: Int64
  var end: Int64
  var outcome: HoldOutcome
}

/// The engine's callbacks, in order, reduced to what the single-transition tests compare.
private enum Call: Equatable {
  case attempted(agent: AgentID, lock: LockID, contended: Bool, queueLength: Int, bare: Bool)
  case acquired(agent: AgentID, lock: LockID, time: Int64, wait: Int64)
  case waitEnded(WaitCall)
  case holdEnded(HoldCall)
  case anomaly(Anomaly.Kind, agent: AgentID, lock: LockID)
  case crashed(agent: AgentID, time: Int64)
  case finished(at: Int64)
}

private struct CallLog: TimelineObserver {
  var calls: [Call] = []
  var holds: [HoldCall] {
    calls.compactMap { if case .holdEnded(let hold) = $0 { hold } else { nil } }
  }

  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    calls.append(.attempted(agent: event.agent, lock: event.lock, contended: contended, queueLength: queueLength, bare: bare))
  }
  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    calls.append(.acquired(agent: event.agent, lock: event.lock, time: time, wait: wait))
  }
  mutating func waitEnded(_ wait: WaitInterval) {
    calls.append(.waitEnded(WaitCall(agent: wait.agent, lock: wait.lock, start: wait.start, end: wait.end, outcome: wait.outcome)))
  }
  mutating func holdEnded(_ hold: HoldInterval) {
    calls.append(.holdEnded(HoldCall(agent: hold.agent, lock: hold.lock, start: hold.start, end: hold.end, outcome: hold.outcome)))
  }
  mutating func anomaly(_ anomaly: Anomaly) { calls.append(.anomaly(anomaly.kind, agent: anomaly.agent, lock: anomaly.lock)) }
  mutating func crashed(_ agent: AgentID, at time: Int64) { calls.append(.crashed(agent: agent, time: time)) }
  mutating func finished(at end: Int64) { calls.append(.finished(at: end)) }
}

/// `agent` ("a", "b", "c") does `kind` at `at` ms on `lock` ("L" is lock 0, "M" lock 1).
private func event(
  _ kind: EventKind, _ agent: String, at milliseconds: Int64, lock: String = "L", mode: LockMode = .exclusive, lease: Int64 = -1
) -> LockEvent {
  let agentID = AgentID(Int32(["a", "b", "c"].firstIndex(of: agent) ?? 0))
  let lockID = kind == .crash ? LockID.none : LockID(lock == "M" ? 1 : 0)
  return LockEvent(kind: kind, mode: mode, time: ms(milliseconds), agent: agentID, lock: lockID, leaseNanos: lease)
}

/// Applies `events` to a fresh engine, ends the stream, and returns every callback.
private func record(_ events: [LockEvent]) -> CallLog {
  let names = NameTable()
  let locks = NameTable()
  for name in ["a", "b", "c"] { _ = names.intern(name) }
  for name in ["L", "M"] { _ = locks.intern(name) }
  let engine = TimelineEngine(observer: CallLog(), selection: Selection(lockNames: locks, agentNames: names))
  for event in events { engine.apply(event) }
  engine.finish()
  return engine.observer
}
