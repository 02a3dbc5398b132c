/// Lock-order inversions, as Linux lockdep finds them: an edge A → B means some agent
/// acquired B while holding A; a cycle in that graph is a deadlock waiting for the wrong
/// interleaving, even if the log never shows one.
///
/// Fewer false alarms than a plain cycle search: a cycle is not reported when every edge
/// was taken by one and the same agent, when every edge was taken while holding a common
/// "gate" lock, or when every edge is shared-then-shared (readers cannot block readers).
/// An edge is searched for cycles when it first appears, and again whenever one of those
/// three facts about it changes; each cycle is reported once.
public struct LockOrderAnalyzer: FindingAnalyzer {
  struct Edge {
    var from: LockID
    var to: LockID
    /// Who first took it, where `from` was acquired and where `to` was.
    var firstAgent: AgentID
    var heldAt: SourceLocation
    var acquiredAt: SourceLocation
    var time: Int64
    /// Up to two distinct agents that took it (two is enough to rule out "one agent").
    var agents: [AgentID]
    /// Locks held every time it was taken (other than `from`).
    var gates: [LockID]
    var sharedOnly: Bool
  }

  struct Held {
    var lock: LockID
    var mode: LockMode
    var source: SourceLocation
  }

  private var edges: [Edge] = []
  private var edgeIndex: [Int64: Int] = [:]
  private var outgoing: [[Int]] = []
  /// Edges into each lock: a lock nothing leads to cannot close a cycle.
  private var incoming: [Int32] = []
  private var held: [[Held]] = []
  private var reported: Set<[Int32]> = []
  private var deadlockedSets: Set<Set<Int32>> = []
  private var cycles: BoundedList<[Int]>
  public var droppedFindings: [(kind: String, count: Int)] { [("lock-order-inversion", cycles.dropped)] }
  private let suppressed: [[Glob]]
  private var lockNames: NameTable?
  /// Breadth-first search state, reused.
  private var visitStamp: [UInt32] = []
  private var parentEdge: [Int] = []
  private var stamp: UInt32 = 0
  /// Locks one search may visit, and how many searches hit that bound.
  static let searchLimit = 4096
  public private(set) var truncatedSearches = 0
  /// Searches not made because `keptPerKind` cycles were already found.
  public private(set) var searchesSkipped = 0

  public init(options: FindingOptions, lockNames: NameTable? = nil) {
    cycles = BoundedList(limit: options.keptPerKind)
    suppressed = options.suppressedCycles
    self.lockNames = lockNames
  }

  /// As lockdep does, the order is recorded at the attempt: asking for B while holding A is
  /// the A → B dependency, whether or not the request is ever granted.
  public mutating func attempted(_ event: LockEvent, at time: Int64, contended: Bool, queueLength: Int, bare: Bool) {
    let agent = event.agent.index
    guard agent < held.count, !held[agent].isEmpty else { return }
    for position in held[agent].indices {
      let prior = held[agent][position]
      guard prior.lock != event.lock else { continue }
      let sharedOnly = prior.mode == .shared && event.mode == .shared
      // The common case, on every nested attempt: a known edge that this attempt cannot
      // change (two agents already, no gates left to narrow, not shared-only). Skip it
      // before building anything.
      if let index = edgeIndex[Self.key(prior.lock, event.lock)], edges[index].gates.isEmpty,
        !edges[index].sharedOnly || sharedOnly,
        edges[index].agents.count >= 2 || edges[index].agents.contains(event.agent)
      {
        continue
      }
      let gates = held[agent].compactMap { $0.lock == prior.lock || $0.lock == event.lock ? nil : $0.lock }
      addEdge(from: prior, to: event, gates: gates, time: time, sharedOnly: sharedOnly)
    }
  }

  private static func key(_ from: LockID, _ to: LockID) -> Int64 {
    Int64(from.rawValue) << 32 | Int64(UInt32(bitPattern: to.rawValue))
  }

  public mutating func acquired(_ event: LockEvent, at time: Int64, wait: Int64) {
    let agent = event.agent.index
    if agent >= held.count { held.append(contentsOf: repeatElement([], count: agent + 1 - held.count)) }
    // A double acquire is one hold (the engine keeps the first): one release ends it.
    guard !held[agent].contains(where: { $0.lock == event.lock }) else { return }
    held[agent].append(Held(lock: event.lock, mode: event.mode, source: event.source))
  }

  /// Lock sets that truly deadlocked: their inversion is already reported as the deadlock.
  public mutating func deadlocked(_ locks: [LockID]) {
    deadlockedSets.insert(Set(locks.map(\.rawValue)))
  }

  public mutating func holdEnded(_ hold: HoldInterval) {
    guard hold.agent.index < held.count, let index = held[hold.agent.index].lastIndex(where: { $0.lock == hold.lock }) else { return }
    held[hold.agent.index].remove(at: index)
  }

  private mutating func addEdge(from prior: Held, to event: LockEvent, gates: [LockID], time: Int64, sharedOnly: Bool) {
    let key = Self.key(prior.lock, event.lock)
    if let index = edgeIndex[key] {
      var changed = false
      if !edges[index].agents.contains(event.agent) && edges[index].agents.count < 2 {
        edges[index].agents.append(event.agent)
        changed = true
      }
      let narrowed = edges[index].gates.filter { gates.contains($0) }
      if narrowed.count != edges[index].gates.count {
        edges[index].gates = narrowed
        changed = true
      }
      if edges[index].sharedOnly && !sharedOnly {
        edges[index].sharedOnly = false
        changed = true
      }
      if changed { searchCycle(through: index) }
      return
    }
    let index = edges.count
    edges.append(
      Edge(
        from: prior.lock, to: event.lock, firstAgent: event.agent, heldAt: prior.source, acquiredAt: event.source, time: time,
        agents: [event.agent], gates: gates, sharedOnly: sharedOnly))
    edgeIndex[key] = index
    let from = prior.lock.index
    if from >= outgoing.count { outgoing.append(contentsOf: repeatElement([], count: from + 1 - outgoing.count)) }
    outgoing[from].append(index)
    let to = event.lock.index
    if to >= incoming.count { incoming.append(contentsOf: repeatElement(0, count: to + 1 - incoming.count)) }
    incoming[to] += 1
    searchCycle(through: index)
  }

  /// Breadth-first from the edge's target back to its source; reports the shortest cycle
  /// through the edge if it passes the filters.
  private mutating func searchCycle(through closing: Int) {
    let source = edges[closing].from
    let target = edges[closing].to
    // A cycle through source → target needs a way out of target and a way into source.
    guard target.index < outgoing.count, !outgoing[target.index].isEmpty,
      source.index < incoming.count, incoming[source.index] > 0
    else { return }
    // Past the number of cycles kept, searching would only count them: stop, and say so.
    guard cycles.items.count < cycles.limit else {
      searchesSkipped += 1
      return
    }
    // Every lock an edge touches: those with edges out, and those with edges in only.
    let lockCount = max(outgoing.count, incoming.count)
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
        let next = edges[edge].to
        guard visitStamp[next.index] != stamp else { continue }
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
      let edge = parentEdge[lock.index]
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
    for edge in cycle { agents.formUnion(edges[edge].agents) }
    if agents.count < 2 { return false }
    var common = Set(edges[cycle[0]].gates)
    for edge in cycle.dropFirst() { common.formIntersection(edges[edge].gates) }
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

  public func findings(in context: FindingContext) -> [Finding] {
    cycles.items.filter { !deadlockedSets.contains(Set($0.map { edges[$0].from.rawValue })) }.map { cycle in
      let chain = cycle.map { edges[$0] }
      let steps = chain.map { edge in
        "\(context.quoted(edge.firstAgent)) took \(context.quoted(edge.to)) while holding \(context.quoted(edge.from)) (\(context.source(edge.heldAt)) then \(context.source(edge.acquiredAt)))"
      }
      let order = (chain.map { context.lockName($0.from) } + [context.lockName(chain[0].from)]).joined(separator: " → ")
      let message = "Lock-order inversion \(order): " + steps.joined(separator: "; ") + ". These agents can deadlock if they interleave."
      let last = chain[chain.count - 1]
      let details: [(key: String, value: JSONValue)] = [
        (
          "chains",
          .array(
            chain.map { edge in
              .object([
                ("from", .string(context.lockName(edge.from))), ("to", .string(context.lockName(edge.to))),
                ("agent", .string(context.agentName(edge.firstAgent))), ("held_at", .string(context.source(edge.heldAt))),
                ("acquired_at", .string(context.source(edge.acquiredAt))), ("ts", .string(Timestamp.rfc3339(edge.time))),
              ])
            })
        )
      ]
      return Finding(
        kind: "lock-order-inversion", severity: .warning, locks: chain.map { context.lockName($0.from) },
        agents: unique(chain.map { context.agentName($0.firstAgent) }), time: last.time, source: context.source(last.acquiredAt),
        message: message,
        remedy: "Pick one global order for these locks (\(chain.map { context.quoted($0.from) }.sorted().joined(separator: " before "))) and take them in that order in every agent, or guard them with one coarser lock. If the order is known to be safe, list the cycle in a --suppress file.",
        details: details)
    }
  }
}
