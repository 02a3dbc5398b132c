/// Deadlocks: the search of the wait-for graph (SPEC §2 `deadlock`) for a cycle through an
/// agent that just gained a wait edge. The edges are `LockState.forEachWaitTarget`'s rule;
/// the walk is here because it crosses locks.
extension TimelineEngine {
  /// `body` gets the waiters ahead of `agent` on `lock` that it waits behind, except those
  /// this search has already been given through the same lock.
  private func walkQueue(of lock: LockID, for agent: AgentID, mode: LockMode, _ body: (AgentID) -> Void) {
    let everyone = locks.capacity(lock.index) > 0 || mode == .exclusive
    let key = Int64(lock.rawValue) << 32 | Int64(UInt32(bitPattern: agent.rawValue))
    if let passedWithAll = walkedPast[key], passedWithAll || !everyone { return }  // its prefix was emitted
    let prefix = walkedPrefix[lock.rawValue] ?? (0, 0)
    // Where to resume: waiters before it were emitted for this kind of waiter already. An
    // agent passed only by an exclusive-only walk starts over, to be given the readers too.
    let from = everyone ? (walkedPast[key] == nil ? prefix.all : 0) : max(prefix.all, prefix.exclusive)
    let reached = locks.read(lock.index) {
      $0.forEachWaiterAhead(agent: agent, mode: mode, from: from) { target, conflicts in
        // Every waiter passed is remembered, emitted or not: its own prefix lies inside this one.
        let passed = Int64(lock.rawValue) << 32 | Int64(UInt32(bitPattern: target.rawValue))
        if everyone || walkedPast[passed] == nil { walkedPast[passed] = everyone }
        if conflicts { body(target) }
      }
    }
    guard let reached else { return }
    // Waiters that do not conflict were walked past too: remember the position reached.
    if everyone {
      walkedPrefix[lock.rawValue] = (max(prefix.all, reached), prefix.exclusive)
    } else {
      walkedPrefix[lock.rawValue] = (prefix.all, max(prefix.exclusive, reached))
    }
  }

  /// Looks for a wait-for cycle through `start` (which just gained a wait edge, or became
  /// a holder while waiting elsewhere): a breadth-first walk along wait edges that stops
  /// when it returns to `start`. It visits only agents reachable from `start`, so its cost
  /// is bounded by the paths it walks; the shortest cycle is reported.
  func detectCycle(from start: AgentID, at time: Int64, source: SourceLocation) {
    // Nobody can wait for an agent that holds nothing and waits only at the end of one
    // queue: no edge leads back to it, so no cycle closes. This skips the search for the
    // common request (and for a crowd queued on a free lock, where it costs the most).
    if agents[start.index].held.isEmpty && agents[start.index].waiting.count <= 1 { return }
    if visitStamp.count < agents.count {
      let missing = agents.count - visitStamp.count
      visitStamp.append(contentsOf: repeatElement(0, count: missing))
      parentAgent.append(contentsOf: repeatElement(-1, count: missing))
      parentLock.append(contentsOf: repeatElement(-1, count: missing))
      parentViaQueue.append(contentsOf: repeatElement(false, count: missing))
    }
    stamp &+= 1
    if stamp == 0 {  // wrapped: old stamps could look fresh
      for i in visitStamp.indices { visitStamp[i] = 0 }
      stamp = 1
    }
    frontier.removeAll(keepingCapacity: true)
    if !walkedPrefix.isEmpty { walkedPrefix.removeAll(keepingCapacity: true) }
    if !walkedPast.isEmpty { walkedPast.removeAll(keepingCapacity: true) }
    frontier.append(start)
    visitStamp[start.index] = stamp
    var next = 0
    var closing: (agent: AgentID, lock: LockID, viaQueue: Bool)?
    search: while next < frontier.count {
      let agent = frontier[next]
      next += 1
      for wait in agents[agent.index].waiting {
        let (lock, mode) = (wait.lock, wait.mode)
        // A holder whose lease ran out holds nothing: end it before reading the edges, or a
        // lapsed lease would close a deadlock that cannot be.
        if locks.earliestDeadline(lock.index) < time { expireLeases(of: lock, before: time, sparing: nil) }
        // Read in place: copying the lock's state would retain its arrays on every search.
        // The mode comes from the agent: finding it in a queue of 100,000 costs as much.
        var found = false
        let visit = { (target: AgentID, viaQueue: Bool) in
          if found { return }
          if target == start {
            closing = (agent, lock, viaQueue)
            found = true
          } else if self.visitStamp[target.index] != self.stamp {
            self.visitStamp[target.index] = self.stamp
            self.parentAgent[target.index] = agent.rawValue
            self.parentLock[target.index] = lock.rawValue
            self.parentViaQueue[target.index] = viaQueue
            self.frontier.append(target)
          }
        }
        let blockedByHolders = withLock(lock) { state in
          state.forEachBlockingHolder(agent: agent, mode: mode) { slot in
            // A dead holder blocks but waits for nothing: no edge leads on from it.
            if !state.holders[slot].isOrphaned { visit(state.holders[slot].agent, false) }
          }
        }
        if !blockedByHolders {
          walkQueue(of: lock, for: agent, mode: mode) { visit($0, true) }
        }
        if found { break search }
      }
    }
    guard let closing else { return }
    // Walk back from the agent whose edge closed the cycle to `start`.
    var agentsBack: [AgentID] = [closing.agent]
    var locksBack: [LockID] = [closing.lock]
    var queueBack: [Bool] = [closing.viaQueue]
    var current = closing.agent
    while current != start {
      let parent = AgentID(parentAgent[current.index])
      locksBack.append(LockID(parentLock[current.index]))
      queueBack.append(parentViaQueue[current.index])
      agentsBack.append(parent)
      current = parent
    }
    // agentsBack = [closing … start], locksBack[i] = what agentsBack[i] waits for.
    let (agents, locks) = (Array(agentsBack.reversed()), Array(locksBack.reversed()))
    // Where each edge's request was made (its `site`), for the finding to name.
    let sites = zip(agents, locks).map { agent, lock in
      withLock(lock) { state in state.waiterIndex(agent).map { state.waiters[$0].site } } ?? -1
    }
    observer.cycleFormed(
      WaitCycle(
        agents: agents, locks: locks, viaQueue: queueBack.reversed(), time: time, source: source, sites: sites))
  }
}
