/// Before and after a change, as `whatif` prints them (text or JSON).
struct WhatIfPrediction {
  struct Side {
    var totalWait: Int64
    var p50: Int64
    var p95: Int64
    var p99: Int64
    var makespan: Int64
    var acquisitions: Int
    var throughput: Double { makespan > 0 ? Double(acquisitions) / (Double(makespan) / 1e9) : 0 }

    init(_ outcome: WhatIfReplay.Outcome, start: Int64) {
      totalWait = outcome.totalWait
      let percentiles = outcome.waits.percentiles([50, 95, 99])
      (p50, p95, p99) = (percentiles[0], percentiles[1], percentiles[2])
      makespan = max(0, outcome.end.subtractingSaturating(start))  // the command refuses spans past Int64
      acquisitions = outcome.acquisitions
    }
  }

  let inputs: [String]
  let locks: [String]
  let change: WhatIfChange
  let before: Side
  let after: Side
  /// Why there is nothing to predict (never contended, nothing to share), or nil.
  let nothingToGain: String?

  static let model = [
    "closed-loop replay: each agent makes its next request its measured think time after its previous release;",
    "time cut from a hold is spent outside the lock just before the request (the slow call moves out, it is not free);",
    "the chosen locks grant in FIFO order; waits and holds of other locks stay inside the think times, as logged;",
    "timeouts and cancels wait as long as logged and never hold; the makespan runs from the first to the last event of the chosen locks.",
  ]

  var speedup: Double { after.makespan > 0 ? Double(before.makespan) / Double(after.makespan) : 1 }

  /// How much less total wait, as a fraction of before (0 when there was none).
  var waitCut: Double { before.totalWait > 0 ? 1 - Double(after.totalWait) / Double(before.totalWait) : 0 }

  func text(style: TerminalStyle) -> String {
    let locks = locks.map(TerminalText.escaped)
    let inputs = inputs.map(TerminalText.escaped)
    let subject =
      locks.count == 1
      ? "'\(locks[0])'"
      : "\(locks.count) locks (\(locks.prefix(3).map { "'\($0)'" }.joined(separator: ", "))\(locks.count > 3 ? ", …" : ""))"
    var text =
      style.bold("lockscope whatif") + ": " + (inputs.count <= 3 ? inputs.joined(separator: ", ") : "\(inputs.count) inputs") + "\n"
    text += "  change   " + change.describe(subject) + "\n"
    if let nothingToGain {
      return text + "\n" + style.yellow("Nothing to gain: " + TerminalText.escaped(nothingToGain)) + "\n"
    }
    var table = Table([("", .left), ("BEFORE (log)", .right), ("AFTER (predicted)", .right), ("", .left)])
    table.add([
      "total wait", HumanDuration.human(before.totalWait), HumanDuration.human(after.totalWait),
      percentChange(Double(before.totalWait), Double(after.totalWait)),
    ])
    table.add(["wait p50", HumanDuration.human(before.p50), HumanDuration.human(after.p50), ""])
    table.add(["wait p95", HumanDuration.human(before.p95), HumanDuration.human(after.p95), ""])
    table.add(["wait p99", HumanDuration.human(before.p99), HumanDuration.human(after.p99), ""])
    table.add([
      "makespan", HumanDuration.human(before.makespan), HumanDuration.human(after.makespan),
      percentChange(Double(before.makespan), Double(after.makespan)),
    ])
    table.add(["throughput", rate(before.throughput), rate(after.throughput), ""])
    text += "\n" + table.render(style: style)
    text += "\n" + style.bold("speed-up \(formatFixed(speedup, decimals: 2))×") + " (makespan before ÷ after)\n"
    text += "\nmodel: " + Self.model.joined(separator: "\n       ") + "\n"
    return text
  }

  func json() -> String {
    var json = JSONWriter()
    json.beginObject()
    json.beginArray("inputs")
    for input in inputs { json.string(input) }
    json.endArray()
    json.beginArray("locks")
    for lock in locks { json.string(lock) }
    json.endArray()
    json.beginObject("change")
    switch change {
    case .holdScale(let factor): json.field("hold_scale", factor)
    case .holdCap(let cap): json.field("hold_cap_ns", cap)
    case .shard(let n): json.field("shard", n)
    case .sharedReads: json.field("shared_reads", true)
    }
    json.endObject()
    json.field("nothing_to_gain", nothingToGain)
    for (key, side) in [("before", before), ("after", after)] {
      json.beginObject(key)
      json.field("total_wait_ns", side.totalWait)
      json.field("wait_p50_ns", side.p50)
      json.field("wait_p95_ns", side.p95)
      json.field("wait_p99_ns", side.p99)
      json.field("makespan_ns", side.makespan)
      json.field("acquisitions", side.acquisitions)
      json.field("throughput_per_s", side.throughput)
      json.endObject()
    }
    json.field("speedup", speedup)
    json.field("wait_cut", waitCut)
    json.beginArray("model")
    for line in Self.model { json.string(line) }
    json.endArray()
    json.endObject()
    return json.text + "\n"
  }

  private func percentChange(_ before: Double, _ after: Double) -> String {
    guard before > 0 else { return "" }
    let change = (after - before) / before * 100
    return (change <= 0 ? "−" : "+") + formatFixed(abs(change), decimals: 1) + "%"
  }

  private func rate(_ perSecond: Double) -> String { formatFixed(perSecond, decimals: 2) + "/s" }
}
