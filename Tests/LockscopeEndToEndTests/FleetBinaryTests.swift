import Foundation
import Testing

/// SPEC §7 through the built binary, with every step reading standard input: route a log
/// piped in, summarise each shard piped in, merge with one summary piped in.
@Suite("Fleet: route → summary → merge on standard input")
struct FleetBinaryTests {
  @Test("route, summary and merge read standard input and merge to the report of the log", arguments: [1, 2, 7])
  func stdinPipeline(shards: Int) throws {
    let directory = scratchDirectory.appendingPathComponent("lockscope-fleet-e2e-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let log = "fixtures/findings/ABBA-sequential.jsonl"
    let script = """
      set -e
      d='\(directory)'
      cat \(log) | "$LOCKSCOPE" route --shards \(shards) --out "$d/p" -
      for f in "$d"/p/shard-*.jsonl; do cat "$f" | "$LOCKSCOPE" report --format summary - > "$f.summary"; done
      first=$(ls "$d"/p/*.summary | head -1)
      cat "$first" | "$LOCKSCOPE" merge --format json - $(ls "$d"/p/*.summary | tail -n +2) "$d/p/partition.summary.json"
      """
    let merged = try shell(script)
    #expect(merged.status == 0, "\(merged.err)")
    let whole = try shell("\"$LOCKSCOPE\" report --format json \(log)")
    let a = try #require(try JSONSerialization.jsonObject(with: Data(merged.out.utf8)) as? [String: Any])
    let b = try #require(try JSONSerialization.jsonObject(with: Data(whole.out.utf8)) as? [String: Any])
    let (sa, sb) = (a["summary"] as? [String: Any] ?? [:], b["summary"] as? [String: Any] ?? [:])
    for key in ["events", "first_ts", "last_ts", "locks", "agents"] {
      #expect("\(sa[key] ?? "-")" == "\(sb[key] ?? "-")", "summary.\(key)")
    }
    func overall(_ report: [String: Any], _ stat: String) -> String {
      "\(((report["overall"] as? [String: Any])?[stat] as? [String: Any] ?? [:]).sorted { $0.key < $1.key })"
    }
    for stat in ["wait", "hold", "blocked"] { #expect(overall(a, stat) == overall(b, stat), "overall \(stat)") }
    func kinds(_ report: [String: Any]) -> [String] {
      (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }.sorted()
    }
    #expect(kinds(a) == kinds(b))
    #expect(kinds(b).contains("lock-order-inversion"))
  }

  @Test("route without --shards or --out, and merge without summaries, are usage errors (exit 2)")
  func usageErrors() throws {
    #expect(try shell("\"$LOCKSCOPE\" route --shards 2 fixtures/rwlock.jsonl").status == 2)
    #expect(try shell("\"$LOCKSCOPE\" route --shards 0 --out /tmp/x fixtures/rwlock.jsonl").status == 2)
    #expect(try shell("\"$LOCKSCOPE\" merge").status == 2)
    let refused = try shell("\"$LOCKSCOPE\" merge fixtures/rwlock.jsonl")
    #expect(refused.status == 2 && refused.err.split(separator: "\n").count == 1)
  }
}
