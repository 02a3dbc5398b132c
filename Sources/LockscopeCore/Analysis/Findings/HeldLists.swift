/// One list per agent, kept only while the agent holds something: the locks each agent
/// holds for `LockOrderAnalyzer`, in the order taken.
///
/// An agent's list lives in a pool and goes back to it (its buffer kept for the next
/// agent) when the agent's last hold ends. A million per-task agents, each taking a lock
/// at a time, cost 4 bytes each and a few pooled lists, where a list per agent kept a
/// 64-byte buffer for each of them to the end of the log.
struct HeldLists<Element> {
  /// Per agent id, the index of its list in `lists` (-1: holds nothing).
  private var listOf: [Int32] = []
  private var lists: [[Element]] = []
  /// Lists of `lists` not in use, all empty.
  private var unused: [Int32] = []

  init() {}

  /// Lists made so far, in use or not: the most agents that held something at once.
  var pooled: Int { lists.count }

  /// The agent's list (empty when it holds nothing).
  subscript(agent: Int) -> [Element] {
    guard agent >= 0, agent < listOf.count, listOf[agent] >= 0 else { return [] }
    return lists[Int(listOf[agent])]
  }

  /// Whether the agent holds anything: one look at its slot (an empty list is never kept).
  @inline(__always)
  func holdsAny(_ agent: Int) -> Bool { agent >= 0 && agent < listOf.count && listOf[agent] >= 0 }

  /// The last position in the agent's list whose element satisfies `predicate`, read in place.
  @inline(__always)
  func lastIndex(of agent: Int, where predicate: (Element) -> Bool) -> Int? {
    guard holdsAny(agent) else { return nil }
    return lists[Int(listOf[agent])].lastIndex(where: predicate)
  }

  /// Adds `element` at the end of the agent's list.
  mutating func append(_ element: Element, to agent: Int) {
    if agent >= listOf.count { listOf.append(contentsOf: repeatElement(-1, count: agent + 1 - listOf.count)) }
    var list = listOf[agent]
    if list < 0 {
      if unused.isEmpty {
        list = Int32(lists.count)
        lists.append([])
      } else {
        list = unused.removeLast()
      }
      listOf[agent] = list
    }
    lists[Int(list)].append(element)
  }

  /// Changes the element at `position` of the agent's list in place.
  mutating func modify(_ agent: Int, at position: Int, _ body: (inout Element) -> Void) {
    body(&lists[Int(listOf[agent])][position])
  }

  /// Removes the element at `position` of the agent's list.
  mutating func remove(at position: Int, of agent: Int) {
    let list = Int(listOf[agent])
    // Holds mostly end latest first, and most agents hold one lock: the last element, no
    // shift (`remove(at:)` cost three times as much).
    if position == lists[list].count - 1 {
      lists[list].removeLast()
    } else {
      lists[list].remove(at: position)
    }
    if lists[list].isEmpty { release(agent) }
  }

  /// Empties the agent's list.
  mutating func removeAll(of agent: Int) {
    guard agent >= 0, agent < listOf.count, listOf[agent] >= 0 else { return }
    lists[Int(listOf[agent])].removeAll(keepingCapacity: true)
    release(agent)
  }

  /// Gives the agent's (empty) list back to the pool.
  private mutating func release(_ agent: Int) {
    unused.append(listOf[agent])
    listOf[agent] = -1
  }
}
