/// One list per agent, kept only while the agent holds something: the locks each agent
/// holds for `LockOrderAnalyzer`, in the order taken.
///
/// An agent's list lives in a pool and goes back to it (its buffer kept for the next
/// agent) when the agent's last hold ends. A million per-task agents, each taking a lock
/// at a time, cost 4 bytes each and a few pooled lists, where a list per agent kept a
/// 64-byte buffer for each of them to the end of the log.
///
/// The tables are memory this value manages itself, behind one reference (copied before a
/// shared one is changed): an append or remove, made at every hold, checks that reference
/// once, where an array of arrays checked two and retained them, and an agent's entries are
/// read in place.
struct HeldLists<Element: BitwiseCopyable> {
  private var storage = Storage()

  init() {}

  /// Lists made so far, in use or not: the most agents that held something at once.
  var pooled: Int { storage.listCount }

  /// Whether the agent holds anything: one look at its slot (an empty list is never kept).
  @inline(__always)
  func holdsAny(_ agent: Int) -> Bool { storage.list(of: agent) >= 0 }

  /// The length of the agent's list (0 when it holds nothing).
  @inline(__always)
  func count(of agent: Int) -> Int {
    let list = storage.list(of: agent)
    return list < 0 ? 0 : Int(storage.lists[list].count)
  }

  /// Entry `position` of the agent's list (`position < count(of: agent)`).
  @inline(__always)
  subscript(agent: Int, position: Int) -> Element {
    storage.lists[storage.list(of: agent)].elements![position]  // in the list: it has room
  }

  /// The agent's entries in place (empty when it holds nothing). Valid until the lists
  /// are next changed.
  @inline(__always)
  func entries(of agent: Int) -> UnsafeBufferPointer<Element> {
    let list = storage.list(of: agent)
    guard list >= 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: storage.lists[list].elements, count: Int(storage.lists[list].count))
  }

  /// The last position in the agent's list whose entry satisfies `predicate`, read in place.
  @inline(__always)
  func lastIndex(of agent: Int, where predicate: (Element) -> Bool) -> Int? {
    entries(of: agent).lastIndex(where: predicate)
  }

  /// Adds `element` at the end of the agent's list.
  mutating func append(_ element: Element, to agent: Int) {
    let storage = unique()
    var list = storage.list(of: agent)
    if list < 0 { list = storage.takeList(for: agent) }
    storage.append(element, to: list)
  }

  /// Changes the entry at `position` of the agent's list in place.
  mutating func modify(_ agent: Int, at position: Int, _ body: (inout Element) -> Void) {
    let storage = unique()
    body(&storage.lists[storage.list(of: agent)].elements![position])  // in the list: it has room
  }

  /// Removes the entry at `position` of the agent's list.
  mutating func remove(at position: Int, of agent: Int) {
    let storage = unique()
    let list = storage.list(of: agent)
    let count = Int(storage.lists[list].count)
    // Holds mostly end latest first, and most agents hold one lock: the last entry, no
    // shift.
    if position < count - 1 {
      let elements = storage.lists[list].elements!  // the list has entries
      (elements + position).update(from: elements + position + 1, count: count - 1 - position)
    }
    storage.lists[list].count -= 1
    if count == 1 { storage.giveBack(list, of: agent) }
  }

  /// Empties the agent's list.
  mutating func removeAll(of agent: Int) {
    guard holdsAny(agent) else { return }
    let storage = unique()
    let list = storage.list(of: agent)
    storage.lists[list].count = 0
    storage.giveBack(list, of: agent)
  }

  /// The storage, held here alone (copied first if this value shares it).
  @inline(__always)
  private mutating func unique() -> Storage {
    if _slowPath(!isKnownUniquelyReferenced(&storage)) { storage = storage.copy() }
    return storage
  }

  /// The tables: per agent its list's index (-1: none), per pooled list its entries, and
  /// the pooled lists not in use (all empty).
  private final class Storage {
    struct List {
      var elements: UnsafeMutablePointer<Element>?
      var count: Int32 = 0
      var capacity: Int32 = 0
    }

    private(set) var listOf = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var agentCapacity = 0
    private(set) var lists = UnsafeMutablePointer<List>.allocate(capacity: 0)
    private(set) var listCount = 0
    private var listCapacity = 0
    /// Room for `listCapacity` entries: every pooled list can be unused at once.
    private var unused = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var unusedCount = 0

    init() {}

    deinit {
      for list in 0..<listCount { lists[list].elements?.deallocate() }
      listOf.deallocate()
      lists.deallocate()
      unused.deallocate()
    }

    /// The index of the agent's list, -1 when it holds nothing.
    @inline(__always)
    func list(of agent: Int) -> Int {
      agent >= 0 && agent < agentCapacity ? Int(listOf[agent]) : -1
    }

    /// A pooled list for `agent`, unused or new, empty.
    func takeList(for agent: Int) -> Int {
      if agent >= agentCapacity {
        // Grown geometrically: agents first seen in random order would grow it one at a time.
        let capacity = Swift.max(agent + 1, 2 * agentCapacity, 64)
        listOf = Storage.grown(listOf, from: agentCapacity, to: capacity, filling: -1)
        agentCapacity = capacity
      }
      let list: Int
      if unusedCount > 0 {
        unusedCount -= 1
        list = Int(unused[unusedCount])
      } else {
        if listCount == listCapacity {
          let capacity = Swift.max(16, 2 * listCapacity)
          lists = Storage.grown(lists, from: listCount, to: capacity, filling: List())
          unused = Storage.grown(unused, from: 0, to: capacity, filling: 0)  // empty: nothing to keep
          listCapacity = capacity
        }
        list = listCount
        listCount += 1
      }
      listOf[agent] = Int32(list)
      return list
    }

    @inline(__always)
    func append(_ element: Element, to list: Int) {
      if lists[list].count == lists[list].capacity { grow(list) }
      (lists[list].elements! + Int(lists[list].count)).initialize(to: element)  // grown: has room
      lists[list].count += 1
    }

    /// Room for twice the entries of a full list (four at first).
    @inline(never)
    private func grow(_ list: Int) {
      let capacity = Swift.max(4, 2 * Int(lists[list].capacity))
      let made = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
      if let old = lists[list].elements {
        made.moveInitialize(from: old, count: Int(lists[list].count))
        old.deallocate()
      }
      lists[list].elements = made
      lists[list].capacity = Int32(capacity)
    }

    /// Puts the agent's (empty) list back in the pool; its room is kept for the next agent.
    func giveBack(_ list: Int, of agent: Int) {
      unused[unusedCount] = Int32(list)
      unusedCount += 1
      listOf[agent] = -1
    }

    /// The same tables in memory of their own.
    func copy() -> Storage {
      let copy = Storage()
      copy.listOf = Storage.grown(copy.listOf, from: 0, to: agentCapacity, filling: -1)
      copy.listOf.update(from: listOf, count: agentCapacity)
      copy.agentCapacity = agentCapacity
      copy.lists = Storage.grown(copy.lists, from: 0, to: listCapacity, filling: List())
      for list in 0..<listCount {
        let count = Int(lists[list].count)
        guard count > 0 || lists[list].capacity > 0 else { continue }
        let made = UnsafeMutablePointer<Element>.allocate(capacity: Int(lists[list].capacity))
        if count > 0 { made.initialize(from: lists[list].elements!, count: count) }  // has entries
        copy.lists[list] = List(elements: made, count: Int32(count), capacity: lists[list].capacity)
      }
      copy.listCount = listCount
      copy.listCapacity = listCapacity
      copy.unused = Storage.grown(copy.unused, from: 0, to: listCapacity, filling: 0)
      copy.unused.update(from: unused, count: unusedCount)
      copy.unusedCount = unusedCount
      return copy
    }

    /// `old` (its first `count` entries) moved to room for `capacity`, the rest `filling`.
    private static func grown<T>(_ old: UnsafeMutablePointer<T>, from count: Int, to capacity: Int, filling: T)
      -> UnsafeMutablePointer<T>
    {
      let made = UnsafeMutablePointer<T>.allocate(capacity: capacity)
      made.moveInitialize(from: old, count: count)
      (made + count).initialize(repeating: filling, count: capacity - count)
      old.deallocate()
      return made
    }
  }
}
