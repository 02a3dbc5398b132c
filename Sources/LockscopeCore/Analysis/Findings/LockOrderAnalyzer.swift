/// Lock-order inversions, as Linux lockdep finds them: an edge A → B means some agent
/// acquired B while holding A; a cycle in that graph is a deadlock waiting for the wrong
/// interleaving, even if the log never shows one.
///
/// Fewer false alarms than a plain cycle search: a cycle is not reported when every edge
/// was taken by one and the same agent, when every edge was taken while holding a common
/// "gate" lock, or when every edge is shared-then-shared (readers cannot block readers).
/// An edge is searched for cycles when it first appears, and again whenever one of those
/// three facts about it changes; each cycle is reported once.
struct LockOrderAnalyzer: FindingAnalyzer {
  /// One ordered pair of locks, with its first witness. Kept small and free of heap
  /// allocations: a transaction log makes millions of these.
  struct Edge {
    var from: LockID
    var to: LockID
    /// Who first took it, where `from` was acquired and where `to` was.
    var firstAgent: AgentID
    /// A second, different agent that took it (-1: none yet): two rule out "one agent".
    var secondAgent = AgentID(-1)
    var heldAt: SourceLocation
    var acquiredAt: SourceLocation
    /// The `site`s of those two acquires (-1: none).
    var heldSite: Int32 = -1
    var acquiredSite: Int32 = -1
    var time: Int64
    /// Locks held every time it was taken (other than `from`).
    var gates: GateSet
    var sharedOnly: Bool
    /// Whether the cycle detector has it (only the edges from the latest held lock go in).
    var inDetector = false

    func wasTaken(by agent: AgentID) -> Bool { firstAgent == agent || secondAgent == agent }
    var agentCount: Int { secondAgent.rawValue < 0 ? 1 : 2 }
  }

  struct Held {
    var lock: LockID
    var mode: LockMode
    var source: SourceLocation
    var site: Int32 = -1
  }

  private var edges: [Edge] = []
  private var edgeIndex: [EdgeKey: Int32] = [:]
  private var outgoing: [[Int32]] = []
  /// One past the largest lock id an edge touches.
  private var lockSpan = 0
  /// Which new edges can close a cycle: only those are searched.
  private var order = OnlineCycleDetector()
  private var held: [[Held]] = []
  private var reported: Set<[Int32]> = []
  private var deadlockedSets: Set<Set<Int32>> = []
  private var cycles: BoundedList<[Int]>
  var droppedFindings: [(kind: FindingKind, count: Int)] { [(.lockOrderInversion, cycles.dropped)] }
  private let suppressed: [[Glob]]
  private let recordsHistory: Bool
  private var lockNames: NameTable?
  /// Breadth-first search state, reused.
  private var visitStamp: [UInt32] = []
  private var parentEdge: [Int32] = []
  private var stamp: UInt32 = 0
  /// Marks the locks the attempting agent holds (by stamp), so narrowing a gate set is a lookup.
  private var heldMark: [UInt32] = []
  private var heldStamp: UInt32 = 0
  /// Locks one search may visit, and how many searches hit that bound.
  static let searchLimit = 4096
  private(set) var truncatedSearches = 0
  /// Searches not made because `keptPerKind` cycles were already found.
  private(set) var searchesSkipped = 0

  init(options: FindingOptions, lockNames: NameTable? = nil) {
    cycles = BoundedList(limit: options.keptPerKind)
    suppressed = options.suppressedCycles
    recordsHistory = options.recordsEdgeHistory
    self.lockNames = lockNames
  }

  /// As lockdep does, the order is recorded at the attempt: asking for B while holding A is
  /// the A → B dependency, whether or not the request is ever granted.
  mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    let agent = event.agent.index
    guard agent < held.count, !held[agent].isEmpty else { return }
    // The detector gets only the edge from the most recently taken lock: the agent's held
    // locks are already chained in its graph (each was attempted while the one before was
    // held), so that edge gives it the same reachability as all of them, at 1/n the cost.
    if let latest = held[agent].last(where: { $0.lock != event.lock }) {
      let index =
        edgeIndex[EdgeKey(from: latest.lock, to: event.lock)]
        ?? addEdge(
          from: latest, to: event, gates: outermostGates(of: agent, excluding: latest.lock, event.lock), time: time,
          sharedOnly: latest.mode == .shared && event.mode == .shared, recording: true)
      if !edges[Int(index)].inDetector {
        edges[Int(index)].inDetector = true
        record(.detector, Int(index), at: time)
        if order.insert(from: latest.lock.rawValue, to: event.lock.rawValue) { searchCycle(through: Int(index)) }
      }
    }
    var marked = false
    for position in held[agent].indices {
      let prior = held[agent][position]
      guard prior.lock != event.lock else { continue }
      let sharedOnly = prior.mode == .shared && event.mode == .shared
      // The common case, on every nested attempt: a known edge that this attempt cannot
      // change (two agents already, no gates left to narrow, not shared-only). Skip it
      // before building anything.
      if let index = edgeIndex[EdgeKey(from: prior.lock, to: event.lock)] {
        let edge = edges[Int(index)]
        if edge.gates.isEmpty && (!edge.sharedOnly || sharedOnly) && (edge.agentCount >= 2 || edge.wasTaken(by: event.agent)) {
          continue
        }
        if !marked {
          markHeld(by: agent)
          marked = true
        }
        update(Int(index), agent: event.agent, sharedOnly: sharedOnly, at: time)
        continue
      }
      let index = addEdge(
        from: prior, to: event, gates: outermostGates(of: agent, excluding: prior.lock, event.lock), time: time, sharedOnly: sharedOnly,
        recording: true)
      if order.onCommonCycle(prior.lock.rawValue, event.lock.rawValue) { searchCycle(through: Int(index)) }
    }
  }

  /// An ordered pair of locks as one integer (`from` high, `to` low): the edge index is
  /// the analyzer's largest table, and one `Int64` hashes faster than two fields.
  struct EdgeKey: Hashable {
    let rawValue: Int64
    init(from: LockID, to: LockID) { rawValue = Int64(from.rawValue) << 32 | Int64(UInt32(bitPattern: to.rawValue)) }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    let agent = event.agent.index
    if agent >= held.count { held.append(contentsOf: repeatElement([], count: agent + 1 - held.count)) }
    // A double acquire is one hold (the engine keeps the first): one release ends it.
    guard !held[agent].contains(where: { $0.lock == event.lock }) else { return }
    held[agent].append(Held(lock: event.lock, mode: event.mode, source: event.source, site: event.site))
  }

  /// A crashed agent's holds are its dead life's: its name's next attempts are taken while
  /// holding nothing (the orphaned holds end later, as holds of nobody here).
  mutating func crashed(_ agent: AgentID) {
    if agent.index < held.count { held[agent.index].removeAll() }
  }

  /// Lock sets that truly deadlocked: their inversion is already reported as the deadlock.
  mutating func deadlocked(_ locks: [LockID]) {
    deadlockedSets.insert(Set(locks.map(\.rawValue)))
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    guard hold.agent.index < held.count, let index = held[hold.agent.index].lastIndex(where: { $0.lock == hold.lock }) else { return }
    held[hold.agent.index].remove(at: index)
  }

  /// The first witness's gates: the locks the agent holds besides the edge's two, the
  /// outermost (held longest) first, at most `GateSet.capacity` of them — a gate lock is
  /// taken before the locks it guards, and keeping all of them would make an agent holding
  /// n locks cost n² per attempt.
  private func outermostGates(of agent: Int, excluding from: LockID, _ to: LockID) -> GateSet {
    var gates = GateSet()
    for other in held[agent] where other.lock != from && other.lock != to {
      if !gates.append(other.lock) { break }
    }
    return gates
  }

  private mutating func markHeld(by agent: Int) {
    heldStamp &+= 1
    if heldStamp == 0 {
      for i in heldMark.indices { heldMark[i] = 0 }
      heldStamp = 1
    }
    for other in held[agent] {
      if other.lock.index >= heldMark.count { heldMark.append(contentsOf: repeatElement(0, count: other.lock.index + 1 - heldMark.count)) }
      heldMark[other.lock.index] = heldStamp
    }
  }

  /// Another witness of a known edge: a new agent, gates not held this time, or a
  /// non-shared use. When that changes the edge, a cycle through it may become reportable.
  private mutating func update(_ index: Int, agent: AgentID, sharedOnly: Bool, at time: Int64) {
    var changed = false
    if !edges[index].wasTaken(by: agent) && edges[index].agentCount < 2 {
      edges[index].secondAgent = agent
      changed = true
    }
    let narrowed = edges[index].gates.filter { $0.index < heldMark.count && heldMark[$0.index] == heldStamp }
    if narrowed.count != edges[index].gates.count {
      edges[index].gates = narrowed
      changed = true
    }
    if edges[index].sharedOnly && !sharedOnly {
      edges[index].sharedOnly = false
      changed = true
    }
    if changed { record(.updated, index, at: time) }
    if changed && order.onCommonCycle(edges[index].from.rawValue, edges[index].to.rawValue) { searchCycle(through: index) }
  }

  /// Records a new edge (the caller decides whether to search for a cycle through it).
  private mutating func addEdge(
    from prior: Held, to event: LockEvent, gates: GateSet, time: Int64, sharedOnly: Bool, recording: Bool = false
  ) -> Int32 {
    let index = edges.count
    edges.append(
      Edge(
        from: prior.lock, to: event.lock, firstAgent: event.agent, heldAt: prior.source, acquiredAt: event.source,
        heldSite: prior.site, acquiredSite: event.site, time: time, gates: gates, sharedOnly: sharedOnly))
    edgeIndex[EdgeKey(from: prior.lock, to: event.lock)] = Int32(index)
    let from = prior.lock.index
    if from >= outgoing.count { outgoing.append(contentsOf: repeatElement([], count: from + 1 - outgoing.count)) }
    outgoing[from].append(Int32(index))
    lockSpan = max(lockSpan, from + 1, event.lock.index + 1)
    if recording { record(.added, index, at: time) }
    return Int32(index)
  }

  /// Breadth-first from the edge's target back to its source, through the strongly
  /// connected component the two share (every path back lies inside it); reports the
  /// shortest cycle through the edge if it passes the filters.
  private mutating func searchCycle(through closing: Int) {
    let source = edges[closing].from
    let target = edges[closing].to
    // Past the number of cycles kept, searching would only count them: stop, and say so.
    guard cycles.items.count < cycles.limit else {
      searchesSkipped += 1
      return
    }
    let component = order.component(source.rawValue)
    let lockCount = lockSpan
    if visitStamp.count < lockCount {
      visitStamp.append(contentsOf: repeatElement(0, count: lockCount - visitStamp.count))
      parentEdge.append(contentsOf: repeatElement(-1, count: lockCount - parentEdge.count))
    }
    stamp &+= 1
    if stamp == 0 {
      for i in visitStamp.indices { visitStamp[i] = 0 }
      stamp = 1
    }
    var queue = [target]
    visitStamp[target.index] = stamp
    var head = 0
    var found = target == source
    // Bounded like lockdep's own search: a cycle reachable only through more than
    // `searchLimit` locks is not looked for (counted in `truncatedSearches`).
    while head < queue.count && !found {
      if head >= LockOrderAnalyzer.searchLimit {
        truncatedSearches += 1
        return
      }
      let lock = queue[head]
      head += 1
      guard lock.index < outgoing.count else { continue }
      for edge in outgoing[lock.index] {
        let next = edges[Int(edge)].to
        guard visitStamp[next.index] != stamp else { continue }
        guard order.component(next.rawValue) == component else { continue }
        visitStamp[next.index] = stamp
        parentEdge[next.index] = edge
        if next == source {
          found = true
          break
        }
        queue.append(next)
      }
    }
    guard found else { return }
    // Edges from target to source, then the closing edge: the cycle in lock order.
    var path: [Int] = []
    var lock = source
    while lock != target {
      let edge = Int(parentEdge[lock.index])
      path.append(edge)
      lock = edges[edge].from
    }
    let cycle = path.reversed() + [closing]
    guard isReportable(cycle) else { return }
    let locks = cycle.map { edges[$0].from.rawValue }
    guard let start = locks.indices.min(by: { locks[$0] < locks[$1] }) else { return }
    let canonical = Array(locks[start...] + locks[..<start])
    guard reported.insert(canonical).inserted else { return }
    cycles.append(cycle)
  }

  private func isReportable(_ cycle: [Int]) -> Bool {
    var agents: Set<AgentID> = []
    for edge in cycle {
      agents.insert(edges[edge].firstAgent)
      if edges[edge].secondAgent.rawValue >= 0 { agents.insert(edges[edge].secondAgent) }
    }
    if agents.count < 2 { return false }
    var common = edges[cycle[0]].gates
    for edge in cycle.dropFirst() { common = common.filter { edges[edge].gates.contains($0) } }
    if !common.isEmpty { return false }
    if cycle.allSatisfy({ edges[$0].sharedOnly }) { return false }
    return !isSuppressed(cycle)
  }

  private func isSuppressed(_ cycle: [Int]) -> Bool {
    guard !suppressed.isEmpty, let lockNames else { return false }
    let names = cycle.map { lockNames.bytes(edges[$0].from.rawValue) }
    return suppressed.contains { globs in
      globs.count == names.count && names.allSatisfy { name in globs.contains { $0.matches(name) } }
        && globs.allSatisfy { glob in names.contains { glob.matches($0) } }
    }
  }

  /// One step in the life of an edge, as a fleet summary carries it (SPEC §7): when it was
  /// added, put in the cycle detector, or changed by a new witness, and its state after.
  /// Replaying every partition's steps in time order searches the union of the edges the
  /// way one pass over the whole log would have.
  struct Witness: Sendable {
    enum Step: String, Sendable { case added, detector, updated }
    var step: Step
    /// When the step happened (`time` is when the edge was first taken).
    var at: Int64
    var from: LockID
    var to: LockID
    /// One agent, or two different ones.
    var agents: [AgentID]
    var gates: [LockID]
    var sharedOnly: Bool
    var heldAt: SourceLocation
    var acquiredAt: SourceLocation
    var time: Int64

    init(
      step: Step, at: Int64, from: LockID, to: LockID, agents: [AgentID], gates: [LockID], sharedOnly: Bool,
      heldAt: SourceLocation, acquiredAt: SourceLocation, time: Int64
    ) {
      (self.step, self.at, self.from, self.to, self.agents, self.gates) = (step, at, from, to, agents, gates)
      (self.sharedOnly, self.heldAt, self.acquiredAt, self.time) = (sharedOnly, heldAt, acquiredAt, time)
    }
  }

  /// Every step of every edge, in order, when `FindingOptions.recordsEdgeHistory` is set
  /// (`route`, `report --format summary`); at most a few per edge.
  private(set) var history: [Witness] = []

  private mutating func record(_ step: Witness.Step, _ index: Int, at time: Int64) {
    guard recordsHistory else { return }
    let edge = edges[index]
    history.append(
      Witness(
        step: step, at: time, from: edge.from, to: edge.to,
        agents: edge.agentCount > 1 ? [edge.firstAgent, edge.secondAgent] : [edge.firstAgent],
        gates: (0..<edge.gates.count).map { edge.gates[$0] }, sharedOnly: edge.sharedOnly, heldAt: edge.heldAt,
        acquiredAt: edge.acquiredAt, time: edge.time))
  }

  /// Replays a step another process recorded (the merge of a fleet's summaries). Feed the
  /// steps of every partition in time order, as one log would have made them.
  mutating func replay(_ witness: Witness) {
    guard let first = witness.agents.first, witness.from != witness.to, witness.from.rawValue >= 0, witness.to.rawValue >= 0
    else { return }
    let index: Int
    if let known = edgeIndex[EdgeKey(from: witness.from, to: witness.to)] {
      index = Int(known)
      var changed = false
      for agent in witness.agents where !edges[index].wasTaken(by: agent) && edges[index].agentCount < 2 {
        edges[index].secondAgent = agent
        changed = true
      }
      let narrowed = edges[index].gates.filter { witness.gates.contains($0) }
      if narrowed.count != edges[index].gates.count {
        edges[index].gates = narrowed
        changed = true
      }
      if edges[index].sharedOnly && !witness.sharedOnly {
        edges[index].sharedOnly = false
        changed = true
      }
      if changed && order.onCommonCycle(witness.from.rawValue, witness.to.rawValue) { searchCycle(through: index) }
    } else {
      var gates = GateSet()
      for gate in witness.gates where gate != witness.from && gate != witness.to {
        if !gates.append(gate) { break }
      }
      index = Int(
        addEdge(
          from: Held(lock: witness.from, mode: .exclusive, source: witness.heldAt),
          to: LockEvent(kind: .acquire, time: witness.time, agent: first, lock: witness.to, source: witness.acquiredAt),
          gates: gates, time: witness.time, sharedOnly: witness.sharedOnly))
      if let second = witness.agents.dropFirst().first(where: { $0 != first }) { edges[index].secondAgent = second }
      if witness.step != .detector && order.onCommonCycle(witness.from.rawValue, witness.to.rawValue) {
        searchCycle(through: index)
      }
    }
    if witness.step == .detector && !edges[index].inDetector {
      edges[index].inDetector = true
      if order.insert(from: witness.from.rawValue, to: witness.to.rawValue) { searchCycle(through: index) }
    }
  }

  func findings(in context: FindingContext) -> [Finding] {
    cycles.items.filter { !deadlockedSets.contains(Set($0.map { edges[$0].from.rawValue })) }.map { cycle in
      let chain = cycle.map { edges[$0] }
      let steps = chain.map { edge in
        "\(context.quoted(edge.firstAgent)) took \(context.quoted(edge.to, at: edge.acquiredSite)) while holding \(context.quoted(edge.from, at: edge.heldSite)) (\(context.source(edge.heldAt)) then \(context.source(edge.acquiredAt)))"
      }
      let order = (chain.map { context.lockName($0.from) } + [context.lockName(chain[0].from)]).joined(separator: " → ")
      let message = "Lock-order inversion \(order): " + steps.joined(separator: "; ") + ". These agents can deadlock if they interleave."
      let last = chain[chain.count - 1]
      let details: [(key: String, value: JSONValue)] = [
        (
          "chains",
          .array(
            chain.map { edge in
              .object(
                [
                  ("from", .string(context.lockName(edge.from))), ("to", .string(context.lockName(edge.to))),
                  ("agent", .string(context.agentName(edge.firstAgent))), ("held_at", .string(context.source(edge.heldAt))),
                  ("acquired_at", .string(context.source(edge.acquiredAt))), ("ts", .string(Timestamp.rfc3339(edge.time))),
                ] + context.siteDetail(edge.heldSite).map { ("held_site", $0.value) }
                  + context.siteDetail(edge.acquiredSite).map { ("acquired_site", $0.value) })
            })
        )
      ]
      return Finding(
        kind: .lockOrderInversion, severity: .warning, locks: chain.map { context.lockName($0.from) },
        agents: unique(chain.map { context.agentName($0.firstAgent) }), time: last.time, source: context.source(last.acquiredAt),
        message: message,
        remedy:
          "Pick one global order for these locks (\(chain.map { context.quoted($0.from) }.sorted().joined(separator: " before "))) and take them in that order in every agent, or guard them with one coarser lock. If the order is known to be safe, list the cycle in a --suppress file.",
        details: details)
    }
  }
}
