/// Tells, as edges are added to a directed graph, whether each new edge lies on a cycle —
/// in time proportional to the smaller side of the part of the graph the edge reorders.
///
/// It keeps the graph's strongly connected components in a topological order (every cycle
/// found is contracted into one component). An edge that runs along the order — the common
/// case: transactions taking rows in key order, nested locks taken outside in — costs O(1).
/// An edge against it searches backward from its source and forward from its target at
/// once, one step each in turn, each among the components ordered between the two ends
/// (the two-way search of Haeupler, Kavitha, Mathew, Sen and Tarjan, "Incremental cycle
/// detection, topological ordering, and strong component maintenance", 2012). The first
/// side to finish without meeting the other end proves there is no cycle and is moved
/// past the other end. So a transaction log whose rows first appear in random order costs
/// what its few new ancestors cost, not what the graph behind them does.
struct OnlineCycleDetector {
  /// The topological order of the components, as a list with order labels.
  private var order = OrderedList()
  /// Union-find parent of each node; a representative is its own parent.
  private var parent: [Int32] = []
  /// The nodes of each contracted component, by representative (empty for a single node).
  private var members: [[Int32]] = []
  private var successors: [[Int32]] = []
  private var predecessors: [[Int32]] = []
  /// Search marks, reused across insertions (a stamp per search, no clearing).
  private var forwardMark: [UInt32] = []
  private var backwardMark: [UInt32] = []
  private var stamp: UInt32 = 0
  private var forwardStack: [Int32] = []
  private var backwardStack: [Int32] = []
  private var forward: [Int32] = []
  private var backward: [Int32] = []

  /// Adds `from → to` and returns whether it lies on a cycle: whether `from` and `to` are
  /// now in one strongly connected component.
  mutating func insert(from: Int32, to: Int32) -> Bool {
    ensure(max(from, to))
    successors[Int(from)].append(to)
    predecessors[Int(to)].append(from)
    let source = component(from)
    let target = component(to)
    if source == target { return true }
    if order.label(source) < order.label(target) { return false }  // along the order
    nextStamp()
    forward.removeAll(keepingCapacity: true)
    backward.removeAll(keepingCapacity: true)
    forwardStack.removeAll(keepingCapacity: true)
    backwardStack.removeAll(keepingCapacity: true)
    forwardStack.append(target)
    forwardMark[Int(target)] = stamp
    backwardStack.append(source)
    backwardMark[Int(source)] = stamp
    // One step of each search in turn; the first to finish decides.
    var closesCycle = false
    while !closesCycle {
      if forwardStack.isEmpty {
        moveAfter(source, forward)
        return false
      }
      if backwardStack.isEmpty {
        moveBefore(target, backward)
        return false
      }
      closesCycle = stepForward(toward: source) || stepBackward(toward: target)
    }
    // A cycle: finish both searches, so their intersection is every component on a path
    // from `to` back to `from`, and contract it.
    while !forwardStack.isEmpty { _ = stepForward(toward: source) }
    while !backwardStack.isEmpty { _ = stepBackward(toward: target) }
    contractCycle(source: source, target: target)
    return true
  }

  /// Whether `a` and `b` lie on a common cycle.
  mutating func onCommonCycle(_ a: Int32, _ b: Int32) -> Bool {
    guard Int(max(a, b)) < parent.count else { return false }
    return component(a) == component(b)
  }

  /// The representative of `node`'s component (path halving keeps the trees flat).
  mutating func component(_ node: Int32) -> Int32 {
    var current = node
    while parent[Int(current)] != current {
      let grandparent = parent[Int(parent[Int(current)])]
      parent[Int(current)] = grandparent
      current = grandparent
    }
    return current
  }

  // MARK: The two searches

  /// Visits the successors of one component reachable from the target and ordered before
  /// `source`; true when one of them is `source` (a cycle).
  private mutating func stepForward(toward source: Int32) -> Bool {
    guard let current = forwardStack.popLast() else { return false }
    forward.append(current)
    let bound = order.label(source)
    var reached = false
    // Plain loops over indices: a closure here would capture (and copy) the whole detector.
    for member in 0..<memberCount(current) {
      let node = self.node(member, of: current)
      for index in 0..<successors[Int(node)].count {
        let next = component(successors[Int(node)][index])
        if next == source {
          reached = true
        } else if forwardMark[Int(next)] != stamp && order.label(next) < bound {
          forwardMark[Int(next)] = stamp
          forwardStack.append(next)
        }
      }
    }
    return reached
  }

  /// Visits the predecessors of one component that reaches the source and is ordered after
  /// `target`; true when one of them is `target` (a cycle).
  private mutating func stepBackward(toward target: Int32) -> Bool {
    guard let current = backwardStack.popLast() else { return false }
    backward.append(current)
    let bound = order.label(target)
    var reached = false
    for member in 0..<memberCount(current) {
      let node = self.node(member, of: current)
      for index in 0..<predecessors[Int(node)].count {
        let previous = component(predecessors[Int(node)][index])
        if previous == target {
          reached = true
        } else if backwardMark[Int(previous)] != stamp && order.label(previous) > bound {
          backwardMark[Int(previous)] = stamp
          backwardStack.append(previous)
        }
      }
    }
    return reached
  }

  // MARK: Reordering

  /// Every component that reaches the source and sits after the target goes just before
  /// the target, in its old relative order: their ancestors outside the set all sit before
  /// the target already, and their descendants after it.
  private mutating func moveBefore(_ target: Int32, _ components: [Int32]) {
    var anchor = order.previous(target)
    for component in sortedByOrder(components) {
      order.remove(component)
      order.insert(component, after: anchor)
      anchor = component
    }
  }

  /// Every component reachable from the target that sits before the source goes just after
  /// the source, in its old relative order (the mirror image of `moveBefore`).
  private mutating func moveAfter(_ source: Int32, _ components: [Int32]) {
    var anchor = source
    for component in sortedByOrder(components) {
      order.remove(component)
      order.insert(component, after: anchor)
      anchor = component
    }
  }

  /// The components on the new cycle are those both searches met. Those that only reach the
  /// source go before the target's old place, then the contracted cycle: nothing they
  /// contain is a descendant of the cycle (it would be on it).
  private mutating func contractCycle(source: Int32, target: Int32) {
    forwardMark[Int(source)] = stamp  // the forward search stops at the source
    backwardMark[Int(target)] = stamp
    var onCycle: [Int32] = [target]
    var before: [Int32] = []
    for component in backward where component != target {
      if forwardMark[Int(component)] == stamp { onCycle.append(component) } else { before.append(component) }
    }
    for component in forward where component != target && backwardMark[Int(component)] == stamp && !onCycle.contains(component) {
      onCycle.append(component)
    }
    var anchor = order.previous(target)
    for component in onCycle { order.remove(component) }
    for component in sortedByOrder(before) {
      order.remove(component)
      order.insert(component, after: anchor)
      anchor = component
    }
    order.insert(merge(onCycle), after: anchor)
  }

  private func sortedByOrder(_ components: [Int32]) -> [Int32] {
    components.map { (order.label($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
  }

  /// Contracts `components` into one, keeping the largest member list.
  private mutating func merge(_ components: [Int32]) -> Int32 {
    var root = components[0]
    for component in components where memberCount(component) > memberCount(root) { root = component }
    if members[Int(root)].isEmpty { members[Int(root)] = [root] }
    for component in components where component != root {
      parent[Int(component)] = root
      if members[Int(component)].isEmpty {
        members[Int(root)].append(component)
      } else {
        members[Int(root)].append(contentsOf: members[Int(component)])
        members[Int(component)] = []
      }
    }
    return root
  }

  private func memberCount(_ component: Int32) -> Int { max(1, members[Int(component)].count) }

  /// The `index`-th node of `component` (a single node is its own only member).
  @inline(__always)
  private func node(_ index: Int, of component: Int32) -> Int32 {
    members[Int(component)].isEmpty ? component : members[Int(component)][index]
  }

  private mutating func nextStamp() {
    stamp &+= 1
    if stamp == 0 {  // wrapped: old marks could look fresh
      for i in forwardMark.indices {
        forwardMark[i] = 0
        backwardMark[i] = 0
      }
      stamp = 1
    }
  }

  /// New nodes go to the end of the order, in the order they appear.
  private mutating func ensure(_ node: Int32) {
    while parent.count <= Int(node) {
      let id = Int32(parent.count)
      parent.append(id)
      members.append([])
      successors.append([])
      predecessors.append([])
      forwardMark.append(0)
      backwardMark.append(0)
      order.append(id)
    }
  }
}
