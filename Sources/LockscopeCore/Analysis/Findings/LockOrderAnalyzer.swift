/// Lock-order inversions, as Linux lockdep finds them: an edge A → B means some agent
/// acquired B while holding A; a cycle in that graph is a deadlock waiting for the wrong
/// interleaving, even if the log never shows one.
///
/// Fewer false alarms than a plain cycle search: a cycle is not reported when every edge
/// was taken by one and the same agent, when every edge was taken while holding a common
/// "gate" lock, or when every edge is shared-then-shared (readers cannot block readers).
/// An edge is searched for cycles when it first appears, and again whenever one of those
/// three facts about it changes; each cycle is reported once. The edges, one per ordered
/// pair with its first witness, live in `LockOrderEdges` (a few dozen bytes each).
struct LockOrderAnalyzer: FindingAnalyzer {
  struct Held {
    var lock: LockID
    var mode: LockMode
    var source: SourceLocation
    var site: Int32 = -1
    /// This hold's `LockOrderEdges.HeldRecord`, once it is the `from` of a new edge (-1: not yet).
    var record: Int32 = -1
  }

  private var edges = LockOrderEdges()
  /// Which new edges can close a cycle: only those are searched.
  private var order = OnlineCycleDetector()
  /// The locks each agent holds, in the order taken, with what a new edge's first witness
  /// keeps of them. The engine keeps its own list of held lock ids (`AgentState.held`), but
  /// not this: reading an entry's mode, line and site from the engine would search the
  /// lock's holder list (O(holders) on a crowded shared lock) on every nested attempt, and a
  /// crashed agent's orphaned holds stay in the engine's list while its new life here holds
  /// nothing. A second list of a few entries per agent is the cheaper and simpler rule.
  private var held = HeldLists<Held>()
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
  /// The edges out of the lock the search is at.
  private var outgoing: [Int32] = []
  private var stamp: UInt32 = 0
  /// The gate candidates of the attempt whose edges are being added (`addEdge`).
  private var attemptGates = AttemptGates(candidates: 0)
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
    guard held.holdsAny(agent) else { return }
    // This attempt's shared first-witness record, made with its first new edge (and with
    // it `attemptGates`).
    var attempt: Int32 = -1
    let heldCount = held.count(of: agent)
    if heldCount > 1 { edges.warm(from: held.entries(of: agent).lazy.map(\.lock), to: event.lock) }
    // The detector gets only the edge from the most recently taken lock: the agent's held
    // locks are already chained in its graph (each was attempted while the one before was
    // held), so that edge gives it the same reachability as all of them, at 1/n the cost.
    if let position = held.lastIndex(of: agent, where: { $0.lock != event.lock }) {
      let latest = held[agent, position]
      let found = edges.probe(from: latest.lock, to: event.lock)
      let index = Int(
        found.edge >= 0 ? found.edge : addEdge(held: position, of: agent, to: event, at: time, attempt: &attempt, probe: found))
      if edges[index].flags & LockOrderEdges.Edge.inDetector == 0 {
        edges[index].flags |= LockOrderEdges.Edge.inDetector
        if recordsHistory { record(.detector, index, at: time) }
        if order.insert(from: latest.lock.rawValue, to: event.lock.rawValue) { searchCycle(through: index) }
      }
    }
    var marked = false
    for position in 0..<heldCount {
      let prior = held[agent, position]
      guard prior.lock != event.lock else { continue }
      // The common case, on every nested attempt: a known edge that this attempt cannot
      // change (two agents already, no gates left to narrow, not shared-only, or made by
      // this very attempt, as the detector's edge above may be). One lookup.
      let found = edges.probe(from: prior.lock, to: event.lock)
      if found.edge >= 0 {
        let index = Int(found.edge)
        let edge = edges[index]
        if attempt >= 0 && edge.attempt == attempt { continue }
        let sharedOnly = prior.mode == .shared && event.mode == .shared
        if edge.gates.isEmpty && (edge.flags & LockOrderEdges.Edge.sharedOnly == 0 || sharedOnly)
          && (edge.secondAgent.rawValue >= 0 || edges.firstAgent(index) == event.agent)
        {
          continue
        }
        if !marked {
          markHeld(by: agent)
          marked = true
        }
        update(index, agent: event.agent, sharedOnly: sharedOnly, at: time)
        continue
      }
      let index = Int(addEdge(held: position, of: agent, to: event, at: time, attempt: &attempt, probe: found))
      if order.onCommonCycle(prior.lock.rawValue, event.lock.rawValue) { searchCycle(through: index) }
    }
  }

  mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    let agent = event.agent.index
    // A double acquire is one hold (the engine keeps the first): one release ends it.
    guard held.lastIndex(of: agent, where: { $0.lock == event.lock }) == nil else { return }
    held.append(Held(lock: event.lock, mode: event.mode, source: event.source, site: event.site), to: agent)
  }

  /// A crashed agent's holds are its dead life's: its name's next attempts are taken while
  /// holding nothing (the orphaned holds end later, as holds of nobody here).
  mutating func crashed(_ agent: AgentID) {
    held.removeAll(of: agent.index)
  }

  /// Lock sets that truly deadlocked: their inversion is already reported as the deadlock.
  mutating func deadlocked(_ locks: [LockID]) {
    deadlockedSets.insert(Set(locks.map(\.rawValue)))
  }

  mutating func holdEnded(_ hold: HoldInterval) {
    guard let index = held.lastIndex(of: hold.agent.index, where: { $0.lock == hold.lock }) else { return }
    held.remove(at: index, of: hold.agent.index)
  }

  private mutating func markHeld(by agent: Int) {
    heldStamp &+= 1
    if heldStamp == 0 {
      for i in heldMark.indices { heldMark[i] = 0 }
      heldStamp = 1
    }
    for other in held.entries(of: agent) {
      if other.lock.index >= heldMark.count {
        // Grown geometrically: locks first seen in random order would grow it a lock at a time.
        heldMark.append(contentsOf: repeatElement(0, count: max(other.lock.index + 1, 2 * heldMark.count) - heldMark.count))
      }
      heldMark[other.lock.index] = heldStamp
    }
  }

  /// Another witness of a known edge: a new agent, gates not held this time, or a
  /// non-shared use. When that changes the edge, a cycle through it may become reportable.
  private mutating func update(_ index: Int, agent: AgentID, sharedOnly: Bool, at time: Int64) {
    var changed = false
    if !edges.wasTaken(index, by: agent) && edges.agentCount(index) < 2 {
      edges[index].secondAgent = agent
      changed = true
    }
    let (mark, stamp) = (heldMark, heldStamp)
    if edges.narrowGates(index, keeping: { $0.index < mark.count && mark[$0.index] == stamp }) { changed = true }
    if edges.isSharedOnly(index) && !sharedOnly {
      edges[index].flags &= ~LockOrderEdges.Edge.sharedOnly
      changed = true
    }
    if changed && recordsHistory { record(.updated, index, at: time) }
    if changed && order.onCommonCycle(edges[index].from.rawValue, edges[index].to.rawValue) { searchCycle(through: index) }
  }

  /// Records a new edge from the agent's hold at `position` to the attempted lock, with
  /// this attempt as its first witness (the caller decides whether to search for a cycle
  /// through it). Its gates are the locks the agent holds besides the edge's two, the
  /// outermost (held longest) first, at most `GateSet.capacity` of them — a gate lock is
  /// taken before the locks it guards, and keeping all of them would make an agent holding
  /// n locks cost n² per attempt. `probe` is the lookup that found no such edge.
  private mutating func addEdge(
    held position: Int, of agent: Int, to event: LockEvent, at time: Int64, attempt: inout Int32, probe: LockOrderEdges.Probe
  ) -> Int32 {
    if attempt < 0 {
      let prefix = held.count(of: agent) > 1 ? edges.addPrefix(held.entries(of: agent).lazy.map(\.lock)) : GatePrefixes.none
      attempt = edges.addAttempt(
        LockOrderEdges.Attempt(
          line: event.source.line, time: time, input: event.source.input, agent: event.agent, site: event.site, prefix: prefix))
      attemptGates = edges.prefixes.attemptGates(prefix, excluding: event.lock)
    }
    let prior = held[agent, position]
    var holdRecord = prior.record
    if holdRecord < 0 {
      holdRecord = edges.addHeld(LockOrderEdges.HeldRecord(line: prior.source.line, input: prior.source.input, site: prior.site))
      held.modify(agent, at: position) { $0.record = holdRecord }
    }
    let index = edges.add(
      from: prior.lock, to: event.lock, attempt: attempt, held: holdRecord, gates: attemptGates.gates(from: position),
      sharedOnly: prior.mode == .shared && event.mode == .shared, at: probe)
    if recordsHistory { record(.added, Int(index), at: time) }
    return index
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
    let lockCount = edges.lockSpan
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
      edges.outgoing(from: lock, into: &outgoing)
      for edge in outgoing {
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
      agents.formUnion(edges.agents(edge))
    }
    if agents.count < 2 { return false }
    var common = edges.gates(cycle[0])
    for edge in cycle.dropFirst() where !common.isEmpty {
      let gates = edges.gates(edge)
      common = common.filter { gates.contains($0) }
    }
    if !common.isEmpty { return false }
    if cycle.allSatisfy({ edges.isSharedOnly($0) }) { return false }
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
    history.append(
      Witness(
        step: step, at: time, from: edges[index].from, to: edges[index].to, agents: edges.agents(index), gates: edges.gates(index),
        sharedOnly: edges.isSharedOnly(index), heldAt: edges.heldAt(index), acquiredAt: edges.acquiredAt(index),
        time: edges.time(index)))
  }

  /// Replays a step another process recorded (the merge of a fleet's summaries). Feed the
  /// steps of every partition in time order, as one log would have made them.
  mutating func replay(_ witness: Witness) {
    guard let first = witness.agents.first, witness.from != witness.to, witness.from.rawValue >= 0, witness.to.rawValue >= 0
    else { return }
    let index: Int
    if let known = edges.index(from: witness.from, to: witness.to) {
      index = Int(known)
      var changed = false
      for agent in witness.agents where !edges.wasTaken(index, by: agent) && edges.agentCount(index) < 2 {
        edges[index].secondAgent = agent
        changed = true
      }
      if edges.narrowGates(index, keeping: { witness.gates.contains($0) }) { changed = true }
      if edges.isSharedOnly(index) && !witness.sharedOnly {
        edges[index].flags &= ~LockOrderEdges.Edge.sharedOnly
        changed = true
      }
      if changed && order.onCommonCycle(witness.from.rawValue, witness.to.rawValue) { searchCycle(through: index) }
    } else {
      let gates = witness.gates.lazy.filter { $0 != witness.from && $0 != witness.to }.prefix(GateSet.capacity)
      let prefix = gates.isEmpty ? GatePrefixes.none : edges.addPrefix(gates)
      let attempt = edges.addAttempt(
        LockOrderEdges.Attempt(
          line: witness.acquiredAt.line, time: witness.time, input: witness.acquiredAt.input, agent: first, site: -1, prefix: prefix))
      let holdRecord = edges.addHeld(LockOrderEdges.HeldRecord(line: witness.heldAt.line, input: witness.heldAt.input, site: -1))
      index = Int(
        edges.add(
          from: witness.from, to: witness.to, attempt: attempt, held: holdRecord,
          gates: edges.prefixes.firstGates(prefix, excluding: witness.from, witness.to), sharedOnly: witness.sharedOnly))
      if let second = witness.agents.dropFirst().first(where: { $0 != first }) { edges[index].secondAgent = second }
      if witness.step != .detector && order.onCommonCycle(witness.from.rawValue, witness.to.rawValue) {
        searchCycle(through: index)
      }
    }
    if witness.step == .detector && edges[index].flags & LockOrderEdges.Edge.inDetector == 0 {
      edges[index].flags |= LockOrderEdges.Edge.inDetector
      if order.insert(from: witness.from.rawValue, to: witness.to.rawValue) { searchCycle(through: index) }
    }
  }

  func findings(in context: FindingContext) -> [FindingDraft] {
    cycles.items.filter { !deadlockedSets.contains(Set($0.map { edges[$0].from.rawValue })) }.map { cycle in
      let chain = cycle.map { edges.firstWitness($0) }
      let steps: [FindingText] = chain.map { edge in
        "\(quoted: edge.firstAgent) took \(quoted: edge.to, at: edge.acquiredSite) while holding \(quoted: edge.from, at: edge.heldSite) (\(source: edge.heldAt) then \(source: edge.acquiredAt))"
      }
      let order = (chain.map { edge -> FindingText in "\(lock: edge.from)" } + ["\(lock: chain[0].from)"]).joined(separator: " → ")
      let message: FindingText =
        "Lock-order inversion \(order): \(steps.joined(separator: "; ")). These agents can deadlock if they interleave."
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
      // The suggested order is by name, so it is the one place the draft needs names now.
      let suggested = chain.map { context.quoted($0.from) }.sorted().joined(separator: " before ")
      return FindingDraft(
        kind: .lockOrderInversion, severity: .warning, locks: chain.map(\.from), agents: unique(chain.map(\.firstAgent)),
        time: last.time, source: last.acquiredAt, message: message,
        remedy:
          "Pick one global order for these locks (\(suggested)) and take them in that order in every agent, or guard them with one coarser lock. If the order is known to be safe, list the cycle in a --suppress file.",
        details: details)
    }
  }
}
