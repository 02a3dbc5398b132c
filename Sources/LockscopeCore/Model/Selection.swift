/// What the user asked to analyse: `--lock`, `--agent`, `--since`, `--until`.
///
/// Glob matches are worked out once per name id and cached, so the per-event test is an
/// array lookup.
final class Selection {
  let lockGlobs: [Glob]
  let agentGlobs: [Glob]
  /// Window start (inclusive) and end in nanoseconds.
  let since: Int64
  let until: Int64
  private let lockNames: NameTable
  private let agentNames: NameTable
  private var lockCache: [UInt8] = []
  private var agentCache: [UInt8] = []

  init(
    lockGlobs: [Glob] = [], agentGlobs: [Glob] = [], since: Int64 = .min, until: Int64 = .max,
    lockNames: NameTable, agentNames: NameTable
  ) {
    self.lockGlobs = lockGlobs
    self.agentGlobs = agentGlobs
    self.since = since
    self.until = until
    self.lockNames = lockNames
    self.agentNames = agentNames
  }

  var filtersAgents: Bool { !agentGlobs.isEmpty }

  @inline(__always)
  func includes(_ lock: LockID) -> Bool {
    if lockGlobs.isEmpty { return true }
    return Selection.cached(lock.index, &lockCache) { lockGlobs.contains { $0.matches(lockNames.bytes(lock.rawValue)) } }
  }

  @inline(__always)
  func includes(_ agent: AgentID) -> Bool {
    if agentGlobs.isEmpty { return true }
    return Selection.cached(agent.index, &agentCache) { agentGlobs.contains { $0.matches(agentNames.bytes(agent.rawValue)) } }
  }

  /// 0: not yet known, 1: excluded, 2: included.
  @inline(__always)
  private static func cached(_ index: Int, _ cache: inout [UInt8], _ decide: () -> Bool) -> Bool {
    if index >= cache.count { cache.append(contentsOf: repeatElement(0, count: index + 1 - cache.count)) }
    if cache[index] == 0 { cache[index] = decide() ? 2 : 1 }
    return cache[index] == 2
  }
}
