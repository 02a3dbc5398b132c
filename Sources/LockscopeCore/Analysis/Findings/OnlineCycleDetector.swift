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
  /// How many nodes each component has, by representative (the larger keeps its id on a merge).
  private var size: [Int32] = []
  /// The edges out of and into each component, by representative, as the components they
  /// reached when added (a later merge may have joined some: `component` maps them). Kept
  /// per component, not per node, and without the edges inside it: a search that passes
  /// through a big component reads its few edges out, not every edge among its members.
  private var successors = Lists()
  private var predecessors = Lists()
  /// Search marks, reused across insertions (a stamp per search, no clearing).
  private var forwardMark: [UInt32] = []
  private var backwardMark: [UInt32] = []
  private var stamp: UInt32 = 0
  private var forwardStack: [Int32] = []
  private var backwardStack: [Int32] = []
  private var forward: [Int32] = []
  private var backward: [Int32] = []
  private var sortBuffer: [(label: UInt64, component: Int32)] = []

  /// Adds `from → to` and returns whether it lies on a cycle: whether `from` and `to` are
  /// now in one strongly connected component.
  mutating func insert(from: Int32, to: Int32) -> Bool {
    ensure(max(from, to))
    let source = component(from)
    let target = component(to)
    if source == target { return true }
    successors.append(target, to: source)
    predecessors.append(source, to: target)
    if order.label(source) < order.label(target) { return false }  // along the order
    // A target that reaches nothing closes no cycle and goes just after the source: where
    // the two-way search below would put it after one step, without its backward step over
    // the source's predecessors. Common in a transaction log: a row so far only ever taken
    // last is taken before another.
    if successors.isEmpty(target) {
      order.remove(target)
      order.insert(target, after: source)
      return false
    }
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
  @inline(__always)
  mutating func onCommonCycle(_ a: Int32, _ b: Int32) -> Bool {
    guard Int(max(a, b)) < parent.count else { return false }
    // A node never merged is a component of its own: asked for every new edge, and in an
    // acyclic graph always the answer, read without the union-find's path writes.
    if parent[Int(a)] == a && size[Int(a)] == 1 { return false }
    return component(a) == component(b)
  }

  /// Whether `a`'s component comes before `b`'s in the topological order (for tests).
  func precedes(_ a: Int32, _ b: Int32) -> Bool {
    func root(_ node: Int32) -> Int32 { parent[Int(node)] == node ? node : root(parent[Int(node)]) }
    return order.label(root(a)) < order.label(root(b))
  }

  /// How many entries the edge lists of `node`'s component hold, repeats included (for tests).
  mutating func edgeListCounts(_ node: Int32) -> (successors: Int, predecessors: Int) {
    let root = component(node)
    return (successors.count(root), predecessors.count(root))
  }

  /// The representative of `node`'s component (path halving keeps the trees flat).
  mutating func component(_ node: Int32) -> Int32 { Self.find(node, in: &parent) }

  @inline(__always)
  private static func find(_ node: Int32, in parent: inout [Int32]) -> Int32 {
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
    // Plain loops over entries: a closure here would capture (and copy) the whole detector.
    var entry = successors.first(current)
    while entry >= 0 {
      let next = component(successors.value(entry))
      entry = successors.next(after: entry)
      if next == source {
        reached = true
      } else if forwardMark[Int(next)] != stamp && order.label(next) < bound {
        forwardMark[Int(next)] = stamp
        forwardStack.append(next)
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
    var entry = predecessors.first(current)
    while entry >= 0 {
      let previous = component(predecessors.value(entry))
      entry = predecessors.next(after: entry)
      if previous == target {
        reached = true
      } else if backwardMark[Int(previous)] != stamp && order.label(previous) > bound {
        backwardMark[Int(previous)] = stamp
        backwardStack.append(previous)
      }
    }
    return reached
  }

  // MARK: Reordering

  /// Every component that reaches the source and sits after the target goes just before
  /// the target, in its old relative order: their ancestors outside the set all sit before
  /// the target already, and their descendants after it.
  private mutating func moveBefore(_ target: Int32, _ components: [Int32]) {
    place(components, after: order.previous(target))
  }

  /// Every component reachable from the target that sits before the source goes just after
  /// the source, in its old relative order (the mirror image of `moveBefore`).
  private mutating func moveAfter(_ source: Int32, _ components: [Int32]) {
    place(components, after: source)
  }

  /// The components on the new cycle are those both searches met. Those that only reach the
  /// source go before the target's old place, then the contracted cycle: nothing they
  /// contain is a descendant of the cycle (it would be on it).
  private mutating func contractCycle(source: Int32, target: Int32) {
    forwardMark[Int(source)] = stamp  // the forward search stops at the source
    var onCycle: [Int32] = [target]
    var before: [Int32] = []
    // Both searches ran to the end, so a mark means "in that search's list" (or the end it
    // stopped at): the backward list's forward-marked members are every component on the
    // cycle (each also in the forward list), and a walk of the forward list adds none.
    for component in backward where component != target {
      if forwardMark[Int(component)] == stamp { onCycle.append(component) } else { before.append(component) }
    }
    let anchor = order.previous(target)
    for component in onCycle { order.remove(component) }
    order.insert(merge(onCycle), after: place(before, after: anchor))
  }

  /// Moves `components` (in their old relative order) to just after `anchor`; returns the
  /// last one placed (`anchor` when there are none).
  @discardableResult
  private mutating func place(_ components: [Int32], after anchor: Int32) -> Int32 {
    // Sorted by label in a buffer kept between calls (taken out of `self` while in use):
    // most moves are of one to a few components, and a fresh sorted array per move was a
    // fifth of the detector's instructions.
    var sorted = sortBuffer
    sortBuffer = []
    sorted.removeAll(keepingCapacity: true)
    for component in components { sorted.append((order.label(component), component)) }
    if sorted.count <= 16 {
      for i in sorted.indices.dropFirst() {
        let item = sorted[i]
        var j = i
        while j > 0 && sorted[j - 1].label > item.label {
          sorted[j] = sorted[j - 1]
          j -= 1
        }
        sorted[j] = item
      }
    } else {
      sorted.sort { $0.label < $1.label }
    }
    var last = anchor
    for (_, component) in sorted {
      order.remove(component)
      order.insert(component, after: last)
      last = component
    }
    sortBuffer = sorted
    return last
  }

  /// Contracts `components` into one, keeping the largest one's id, with their edges to
  /// other components (each once) as its own.
  private mutating func merge(_ components: [Int32]) -> Int32 {
    var root = components[0]
    for component in components where size[Int(component)] > size[Int(root)] { root = component }
    for component in components where component != root {
      parent[Int(component)] = root
      size[Int(root)] += size[Int(component)]
    }
    nextStamp()  // the searches are over: their marks now mark the edges already kept
    Self.joinEdges(&successors, of: components, into: root, parent: &parent, marks: &forwardMark, stamp: stamp)
    Self.joinEdges(&predecessors, of: components, into: root, parent: &parent, marks: &backwardMark, stamp: stamp)
    return root
  }

  /// Gives `root` the edge lists of `components` (root among them): the other components
  /// they reach, none of them `root` itself. The other components' entries are walked and
  /// appended to the root's list, each once; the root's own list is only walked again, to
  /// drop its stale and repeated entries, once it has doubled since it was last made so.
  /// A component that every cycle joins (a lock graph whose inversions tie most locks into
  /// one) would otherwise have its whole list walked on every merge: quadratic in its edges.
  /// Repeats are harmless meanwhile: a search maps every entry to its component and skips
  /// what it has marked, so they cost a step, not an answer.
  private static func joinEdges(
    _ lists: inout Lists, of components: [Int32], into root: Int32, parent: inout [Int32], marks: inout [UInt32], stamp: UInt32
  ) {
    let remake = lists.count(root) > 2 * lists.cleanCount(root) + 16
    var joined: [Int32] = []
    for component in components where remake || component != root {
      var entry = lists.first(component)
      while entry >= 0 {
        let other = find(lists.value(entry), in: &parent)
        entry = lists.next(after: entry)
        guard other != root, marks[Int(other)] != stamp else { continue }
        marks[Int(other)] = stamp
        joined.append(other)
      }
      lists.clear(component)
    }
    for other in joined { lists.append(other, to: root) }
    if remake { lists.markClean(root) }
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
      size.append(1)
      successors.addList()
      predecessors.addList()
      forwardMark.append(0)
      backwardMark.append(0)
      order.append(id)
    }
  }

  /// One list of component ids per node, all in one pool of entries: an append writes an
  /// entry instead of growing an array of its own (a heap allocation for most of a node's
  /// first few edges), and the entries a merge frees are reused.
  struct Lists {
    /// Each list's first and last entry (-1: empty).
    private var head: [Int32] = []
    private var tail: [Int32] = []
    /// Each list's entries, and how many it had when last made free of repeats
    /// (`joinEdges`).
    private var counts: [Int32] = []
    private var cleanCounts: [Int32] = []
    /// An entry's value and the entry after it (-1: the last; for a free entry, the next
    /// free one), side by side: a search reads both.
    private var entries: [(value: Int32, link: Int32)] = []
    private var free: Int32 = -1

    mutating func addList() {
      head.append(-1)
      tail.append(-1)
      counts.append(0)
      cleanCounts.append(0)
    }

    @inline(__always) func count(_ list: Int32) -> Int { Int(counts[Int(list)]) }
    @inline(__always) func cleanCount(_ list: Int32) -> Int { Int(cleanCounts[Int(list)]) }
    mutating func markClean(_ list: Int32) { cleanCounts[Int(list)] = counts[Int(list)] }

    @inline(__always) func isEmpty(_ list: Int32) -> Bool { head[Int(list)] < 0 }
    /// The list's first entry (-1: none).
    @inline(__always) func first(_ list: Int32) -> Int32 { head[Int(list)] }
    @inline(__always) func next(after entry: Int32) -> Int32 { entries[Int(entry)].link }
    @inline(__always) func value(_ entry: Int32) -> Int32 { entries[Int(entry)].value }

    @inline(__always)
    mutating func append(_ value: Int32, to list: Int32) {
      let entry: Int32
      if free >= 0 {
        entry = free
        free = entries[Int(entry)].link
        entries[Int(entry)] = (value, -1)
      } else {
        entry = Int32(entries.count)
        entries.append((value, -1))
      }
      let last = tail[Int(list)]
      if last < 0 { head[Int(list)] = entry } else { entries[Int(last)].link = entry }
      tail[Int(list)] = entry
      counts[Int(list)] += 1
    }

    /// Empties the list; its entries are reused.
    mutating func clear(_ list: Int32) {
      let first = head[Int(list)]
      guard first >= 0 else { return }
      entries[Int(tail[Int(list)])].link = free
      free = first
      head[Int(list)] = -1
      tail[Int(list)] = -1
      counts[Int(list)] = 0
      cleanCounts[Int(list)] = 0
    }
  }
}
