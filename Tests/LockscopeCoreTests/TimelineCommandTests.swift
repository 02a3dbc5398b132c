import Foundation
import Testing

@testable import LockscopeCore

@Suite("lockscope timeline")
struct TimelineCommandTests {
  let postmortem = fixture("timeline/postmortem.jsonl")


  @Test("the text timeline of the post-mortem fixture matches its golden file")
  func textGolden() throws {
    let result = runCLI(["timeline", postmortem])
    #expect(result.status == 0 && result.err.isEmpty)
    try checkGolden(result.out, "timeline-postmortem.txt")
  }

  @Test("each event line shows the state it left: holder and queue in arrival order")
  func stateAfterEachEvent() {
    let lines = runCLI(["timeline", "--lock", "db:users", postmortem]).out.split(separator: "\n").map(String.init)
    // api-3 requested at 01.5 behind api-2: both queue behind the holder api-1.
    #expect(lines.contains { $0.hasPrefix("10:42:01.500000  api-3") && $0.hasSuffix("→ held by api-1 · queue: api-2, api-3") })
    // The release leaves the lock free with both still queued; the acquire moves api-2 from queue to holder.
    #expect(lines.contains { $0.hasPrefix("10:42:03.000000  api-1") && $0.hasSuffix("→ free · queue: api-2, api-3") })
    #expect(lines.contains { $0.hasPrefix("10:42:03.000000  api-2") && $0.hasSuffix("→ held by api-2 · queue: api-3") })
    #expect(!lines.contains { $0.contains("queue:A") })
  }

  @Test("the deadlock is flagged on the line that closed it")
  func deadlockLine() throws {
    let lines = runCLI(["timeline", "--lock", "queue:*", postmortem]).out.split(separator: "\n").map(String.init)
    let closing = try #require(lines.firstIndex { $0.hasPrefix("10:42:06.500000  worker-b") })
    #expect(closing + 1 < lines.count && lines[closing + 1].contains("!! deadlock: worker-b waits for queue:A → worker-a waits for queue:B"))
  }

  @Test("the Gantt chart of one lock matches its golden file")
  func ganttGolden() throws {
    let result = runCLI(["timeline", "--gantt", "--width", "72", "--lock", "db:users", postmortem])
    #expect(result.status == 0)
    try checkGolden(result.out, "gantt-postmortem.txt")
  }

  @Test("the Gantt chart stays readable for 200 agents: a row each, idle ones collapsed and counted")
  func ganttManyAgents() {
    var lines: [String] = []
    // 200 agents take L in turn, 10 ms each; 5 more only use M.
    for k in 0..<200 {
      lines.append(line(Double(k) * 0.01, "acquire", "agent-\(k)", "L"))
      lines.append(line(Double(k) * 0.01 + 0.01, "release", "agent-\(k)", "L"))
    }
    let result = runCLI(["timeline", "--gantt", "--width", "100", "--lock", "L", temporaryFile(lines.joined(separator: "\n"))])
    let rows = result.out.split(separator: "\n").filter { $0.hasPrefix("agent-") }
    #expect(rows.count == 200)
    #expect(rows.allSatisfy { $0.count <= 100 })
    #expect(rows.allSatisfy { $0.contains("█") })
    // A window that starts after the first second: agents 0–99 did nothing in it.
    let window = runCLI([
      "timeline", "--gantt", "--width", "100", "--lock", "L", "--since", "2026-11-22T10:00:01Z", temporaryFile(lines.joined(separator: "\n")),
    ])
    #expect(window.out.split(separator: "\n").filter { $0.hasPrefix("agent-") }.count == 100)
    #expect(window.out.contains("(100 agents with nothing on L in the window not shown)"))
  }

  @Test("JSON intervals: one line per wait and hold, how each ended, with trace context")
  func jsonIntervals() throws {
    let out = runCLI(["timeline", "--format", "json", "--lock", "db:users", postmortem]).out
    let objects = try out.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    // Waits of api-2 and api-3, holds of api-1, api-2 (crash) and api-3; api-1's bare acquire has no wait.
    #expect(objects.count == 5)
    let crashed = try #require(objects.first { $0["agent"] as? String == "api-2" && $0["kind"] as? String == "hold" })
    #expect(crashed["ended_by"] as? String == "crash")
    #expect(crashed["duration_ns"] as? Int == 1_000_000_000)
    // The hold carries the context of the request that led to it.
    #expect(crashed["trace_id"] as? String == "t-200" && crashed["span_id"] as? String == "s-2")
    let waited = try #require(objects.first { $0["agent"] as? String == "api-3" && $0["kind"] as? String == "wait" })
    #expect(waited["duration_ns"] as? Int == 2_500_000_000)
    #expect(waited["trace_id"] as? String == "t-300" && waited["span_id"] == nil)
    #expect(waited["start"] as? String == "2026-11-22T10:42:01.500000000Z")
  }

  @Test("a window keeps a hold that started before it and ends inside it, with its true start")
  func windowEdges() throws {
    let out = runCLI([
      "timeline", "--format", "json", "--since", "2026-11-22T10:42:02Z", "--until", "2026-11-22T10:42:03.500Z", "--lock", "db:users", postmortem,
    ]).out
    let objects = try out.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    let first = try #require(objects.first { $0["agent"] as? String == "api-1" && $0["kind"] as? String == "hold" })
    #expect(first["start"] as? String == "2026-11-22T10:42:00.000000000Z")
    #expect(first["ended_by"] as? String == "release")
    // api-2's hold goes on past the window: it ends with the window, and says so.
    let cut = try #require(objects.first { $0["agent"] as? String == "api-2" && $0["kind"] as? String == "hold" })
    #expect(cut["ended_by"] as? String == "window-end")
    #expect(cut["end"] as? String == "2026-11-22T10:42:03.500000000Z")
    // --around is the same window, given by its middle.
    let around = runCLI([
      "timeline", "--format", "json", "--around", "2026-11-22T10:42:02.750Z", "--window", "750ms", "--lock", "db:users", postmortem,
    ]).out
    #expect(around == out)
  }

  @Test("the Chrome trace has what Perfetto needs: phases, microsecond times, pid/tid, durations, paired flows")
  func chromeTrace() throws {
    let out = runCLI(["timeline", "--format", "chrome", postmortem]).out
    let root = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    let events = try #require(root["traceEvents"] as? [[String: Any]])
    #expect((root["otherData"] as? [String: Any])?["start"] as? String == "2026-11-22T10:42:00.000000000Z")
    for event in events {
      let phase = try #require(event["ph"] as? String)
      #expect(["X", "s", "f", "i", "M"].contains(phase))
      #expect(event["pid"] is Int)
      if phase != "M" { #expect(event["ts"] is Double || event["ts"] is Int, "\(event)") }
      if phase == "X" { #expect(event["dur"] is Double || event["dur"] is Int) }
    }
    let slices = events.filter { $0["ph"] as? String == "X" }
    // api-1 holds db:users from 0 to 3 s: ts 0 µs, dur 3,000,000 µs, on its own track.
    let hold = try #require(slices.first { ($0["args"] as? [String: Any])?["source"] as? String == "\(postmortem):1" })
    #expect(hold["name"] as? String == "db:users" && hold["cat"] as? String == "hold")
    #expect((hold["ts"] as? Double) == 0 && (hold["dur"] as? Double) == 3_000_000)
    #expect((hold["args"] as? [String: Any])?["trace_id"] as? String == "t-100")
    // Flows pair up: each id has one start and one end, the end bound to its slice.
    let flows = events.filter { ["s", "f"].contains($0["ph"] as? String) }
    let byID = Dictionary(grouping: flows) { $0["id"] as? Int ?? -1 }
    #expect(!byID.isEmpty)
    for (_, pair) in byID {
      #expect(pair.map { $0["ph"] as? String }.sorted { ($0 ?? "") > ($1 ?? "") } == ["s", "f"])
      #expect(pair.first { $0["ph"] as? String == "f" }?["bp"] as? String == "e")
    }
    // api-1's release let api-2 in at 3 s: a hand-off from api-1's track to api-2's.
    let handoff = try #require(byID.values.first { $0.contains { ($0["ts"] as? Double) == 3_000_000 } })
    #expect(Set(handoff.compactMap { $0["pid"] as? Int }).count == 2)
    // Findings are instant events; every agent track is named.
    #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "orphan" })
    #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "deadlock" })
    let names = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "process_name" }
      .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
    #expect(Set(names) == ["api-1", "api-2", "api-3", "worker-a", "worker-b"])
  }

  @Test("overlapping holds of one agent go on separate lanes, so no slice mis-nests")
  func lanes() throws {
    // a takes A, then B, releases A before B: the holds overlap without nesting.
    let log = temporaryFile(
      [line(0, "acquire", "a", "A"), line(1, "acquire", "a", "B"), line(2, "release", "a", "A"), line(3, "release", "a", "B")]
        .joined(separator: "\n"))
    let root = try #require(try JSONSerialization.jsonObject(with: Data(runCLI(["timeline", "--format", "chrome", log]).out.utf8)) as? [String: Any])
    let slices = (root["traceEvents"] as? [[String: Any]] ?? []).filter { $0["ph"] as? String == "X" }
    #expect(slices.count == 2)
    #expect(Set(slices.compactMap { $0["tid"] as? Int }) == [1, 2])
  }

  @Test("--around cannot be combined with --since or --until")
  func aroundConflicts() {
    let result = runCLI(["timeline", "--around", "2026-11-22T10:42:02Z", "--since", "2026-11-22T10:42:00Z", postmortem])
    #expect(result.status == 2)
    #expect(result.err.hasPrefix("Error: --around sets the window itself: give it or --since/--until, not both.\n"))
  }
}
