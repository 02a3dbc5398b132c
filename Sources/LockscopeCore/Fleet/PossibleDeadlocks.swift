/// The `possible-deadlock` finding (SPEC §7): a wait-for cycle whose edges were seen in
/// different shards at overlapping times. No shard sees such a cycle whole — each holds
/// only its own locks' waits — so the merge joins the shards' wait spans: agent A waited
/// for B on a lock of one shard while B waited for A on a lock of another, at one instant.
enum PossibleDeadlocks {
  /// Agents in one cycle, and search steps in all: bounded like lockdep's own search.
  static let longestCycle = 4
  static let searchLimit = 200_000

  private struct Edge {
    var holder: String
    var span: FleetSummary.WaitSpan
    var shard: Int
  }

  /// `spans`: every shard's wait spans, with the shard's position among the summaries.
  static func find(_ spans: [(shard: Int, span: FleetSummary.WaitSpan)]) -> [Finding] {
    var outgoing: [String: [Edge]] = [:]
    for (shard, span) in spans where span.waiter != span.holder {
      outgoing[span.waiter, default: []].append(Edge(holder: span.holder, span: span, shard: shard))
    }
    var findings: [Finding] = []
    var reported = Set<[String]>()
    var steps = 0
    // Each cycle is found from its least agent name, so once.
    for start in outgoing.keys.sorted() {
      var path: [Edge] = []
      func extend(_ agent: String, low: Int64, high: Int64) {
        guard steps < searchLimit else { return }
        for edge in outgoing[agent] ?? [] {
          steps += 1
          let (from, to) = (max(low, edge.span.start), min(high, edge.span.end ?? .max))
          guard from < to || (from == to && edge.span.end == nil) else { continue }
          if edge.holder == start {
            let cycle = path + [edge]
            let agents = cycle.map(\.span.waiter)
            guard Set(cycle.map(\.shard)).count > 1, reported.insert(agents).inserted else { continue }
            findings.append(finding(cycle, from: from, to: to))
            continue
          }
          guard edge.holder > start, path.count + 1 < longestCycle, !path.contains(where: { $0.span.waiter == edge.holder }) else {
            continue
          }
          path.append(edge)
          extend(edge.holder, low: from, high: to)
          path.removeLast()
        }
      }
      extend(start, low: .min, high: .max)
    }
    return findings
  }

  private static func finding(_ cycle: [Edge], from: Int64, to: Int64) -> Finding {
    let steps = cycle.map { edge in
      "'\(edge.span.waiter)' waited for '\(edge.span.lock)' held by '\(edge.holder)' (shard summary \(edge.shard + 1))"
    }
    let stillThere = to == .max
    // The first wait to end broke the cycle; of waits ending at once, the one whose own
    // event ended it (a timeout), not the release that followed from it.
    let ending = cycle.filter { $0.span.end == to }.compactMap(\.span.endedBy)
    let breaking = ending.first { !["release", "acquire"].contains($0) } ?? ending.first
    let until = stillThere ? "still there at the end of the log" : "until \(Timestamp.rfc3339(to))"
    return Finding(
      kind: .possibleDeadlock, severity: .critical, locks: cycle.map(\.span.lock), agents: cycle.map(\.span.waiter), time: from,
      source: cycle[0].span.source,
      message: "Possible deadlock across shards: " + steps.joined(separator: ", ")
        + ", all at once from \(Timestamp.rfc3339(from)) \(until).",
      remedy: "Run lockscope report over these locks' events together to confirm it, then take the locks in one global order.",
      details: [
        (
          "cycle",
          .array(cycle.map { .object([("agent", .string($0.span.waiter)), ("lock", .string($0.span.lock))]) })
        ),
        ("resolved_by", breaking.map(JSONValue.string) ?? .null),
      ])
  }
}
