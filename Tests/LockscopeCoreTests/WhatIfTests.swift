import Foundation
import Testing

@testable import LockscopeCore

@Suite("lockscope whatif: replaying a log with a changed critical section")
struct WhatIfTests {
  func predict(_ path: String, lock: String, _ change: WhatIfChange) throws -> WhatIfPrediction {
    var options = AnalysisOptions()
    options.lockGlobs = [Glob(lock)]
    let result = try WhatIfCommand.predict(paths: [path], analysis: options, change: change) { _ in }
    return try result.get()
  }

  @Test("serialized closed loop with its 2 s holds scaled to the 10 ms update predicts the fine-grained twin it was generated with")
  func predictsTheFineGrainedTwin() throws {
    // fixtures/whatif: the same 10 workers × 3 rounds, the 1.99 s call inside the lock or
    // outside it (fixtures/README.md). The twin is measured by the report, not the replay.
    let prediction = try predict(fixture("whatif/serialized-loop.jsonl"), lock: "state:global", .holdScale(0.005))
    let twin = try LogAnalysis.run(paths: [fixture("whatif/fine-grained-loop.jsonl")], options: AnalysisOptions()) { _ in }
    let measured = try #require(twin.lock("state:global"))
    let span = twin.summary.lastTime! - twin.summary.firstTime!
    func close(_ a: Int64, _ b: Int64) -> Bool { abs(Double(a - b)) <= 0.01 * Double(max(a, b)) }
    #expect(close(prediction.after.totalWait, Int64(measured.waitTotalNanos)), "\(prediction.after.totalWait) vs \(measured.waitTotalNanos)")
    #expect(close(prediction.after.p95, measured.wait.p95) && close(prediction.after.p99, measured.wait.p99))
    #expect(close(prediction.after.makespan, span), "\(prediction.after.makespan) vs \(span)")
    // By hand: 7m30s of waiting before, 60 s of work done in 6.09 s after.
    #expect(prediction.before.totalWait == 450_000_000_000 && prediction.before.makespan == 60_000_000_000)
    #expect(prediction.speedup > 9.8 && prediction.speedup < 9.9)
  }

  @Test("serialized-workers (a round barrier the log does not show): the hand-worked replay, 450 ms of wait and a 22 s makespan")
  func serializedWorkers() throws {
    // Round 1: all ask at 1.99 s (the cut 1.99 s moves before the request), FIFO 10 ms holds:
    // waits 0, 10, …, 90 ms = 450 ms. Round 2: each keeps its measured think time 18 − 2k s,
    // so the requests spread out and nobody waits; worker-00 ends last at 22.0 s. The
    // fine-grained fixture measured 900 ms: its round 2 starts all at once again, a barrier
    // that a closed-loop replay of this log cannot know about.
    let prediction = try predict(fixture("serialized-workers.jsonl"), lock: "llm:global", .holdScale(0.005))
    #expect(prediction.after.totalWait == 450_000_000)
    #expect(prediction.after.makespan == 22_000_000_000)
    #expect(prediction.before.totalWait == 180_000_000_000)
  }

  @Test("a scale of 1.0 reproduces the log's own wait statistics (within 1%), on FIFO logs", arguments: [
    ("serialized-workers.jsonl", "llm:global"), ("fine-grained.jsonl", "results:global"), ("rwlock.jsonl", "db:users"),
    ("semaphore.jsonl", "*"), ("leases.jsonl", "*"), ("whatif/serialized-loop.jsonl", "state:global"),
  ])
  func identityReplay(_ file: String, _ lock: String) throws {
    let prediction = try predict(fixture(file), lock: lock, .holdScale(1))
    for (before, after) in [
      (prediction.before.totalWait, prediction.after.totalWait), (prediction.before.p50, prediction.after.p50),
      (prediction.before.p95, prediction.after.p95), (prediction.before.p99, prediction.after.p99),
      (prediction.before.makespan, prediction.after.makespan),
    ] {
      #expect(abs(Double(before - after)) <= 0.01 * Double(max(before, 1)), "\(file): \(before) vs \(after)")
    }
    #expect(prediction.after.acquisitions == prediction.before.acquisitions)
  }

  @Test("a lock that is never contended: nothing to gain, no change predicted")
  func neverContended() throws {
    let prediction = try predict(fixture("whatif/serialized-loop.jsonl"), lock: "config", .holdCap(1_000))
    #expect(prediction.nothingToGain?.contains("never contended") == true)
    #expect(prediction.after.totalWait == prediction.before.totalWait && prediction.after.makespan == prediction.before.makespan)
    #expect(prediction.text(style: .plain).contains("Nothing to gain"))
    #expect(!prediction.text(style: .plain).contains("speed-up"))
  }

  @Test("reads marked shared but serialized by a mutex: --shared-reads lets them overlap (by hand: 3 s of wait to none)")
  func sharedReads() throws {
    // Three readers ask at 0 and the lock (a mutex) serves them one after another, 1 s each.
    let log = temporaryFile(
      [
        line(0, "request", "r1", "cfg", extra: #","mode":"shared""#), line(0, "acquire", "r1", "cfg", extra: #","mode":"shared""#),
        line(0, "request", "r2", "cfg", extra: #","mode":"shared""#), line(0, "request", "r3", "cfg", extra: #","mode":"shared""#),
        line(1, "release", "r1", "cfg"), line(1, "acquire", "r2", "cfg", extra: #","mode":"shared""#),
        line(2, "release", "r2", "cfg"), line(2, "acquire", "r3", "cfg", extra: #","mode":"shared""#), line(3, "release", "r3", "cfg"),
      ].joined(separator: "\n"))
    let prediction = try predict(log, lock: "cfg", .sharedReads)
    #expect(prediction.before.totalWait == 3_000_000_000)
    #expect(prediction.after.totalWait == 0)
    #expect(prediction.after.makespan == 1_000_000_000)
    // Without the flag the same log replays as it ran: the lock never let two in at once.
    #expect(try predict(log, lock: "cfg", .holdScale(1)).after.totalWait == 3_000_000_000)
  }

  @Test("--shard 10 gives each of ten agents its own key when the hash spreads them; waits can only fall")
  func shard() throws {
    let prediction = try predict(fixture("whatif/serialized-loop.jsonl"), lock: "state:global", .shard(10))
    #expect(prediction.after.totalWait < prediction.before.totalWait)
    #expect(prediction.after.acquisitions == prediction.before.acquisitions)
    #expect(WhatIfChange.stableHash("worker-00".utf8) == WhatIfChange.stableHash("worker-00".utf8))
    #expect(WhatIfChange.stableHash([]) == 0xcbf2_9ce4_8422_2325)  // FNV-1a offset basis
  }

  @Test("refusals: no matching lock, an agent holding two chosen locks at once, no change or two changes (exit 2)")
  func refusals() {
    let none = runCLI(["whatif", "--lock", "nope", "--hold-cap", "1ms", fixture("serialized-workers.jsonl")])
    #expect(none.status == 2 && none.err == "lockscope: cannot predict: no lock in the log matches --lock nope: nothing to replay.\n")
    let nested = runCLI(["whatif", "--lock", "queue:*", "--hold-scale", "0.5", fixture("timeline/postmortem.jsonl")])
    #expect(nested.status == 2 && nested.err.contains("holds two of the chosen locks at once"), "\(nested.err)")
    let neither = runCLI(["whatif", "--lock", "x", fixture("serialized-workers.jsonl")])
    #expect(neither.status == 2 && neither.err.hasPrefix("Error: whatif takes one change"))
    let both = runCLI(["whatif", "--lock", "x", "--hold-cap", "1ms", "--shard", "2", fixture("serialized-workers.jsonl")])
    #expect(both.status == 2 && both.err.contains("several given"))
  }

  @Test("the hot-lock remedy quotes the replay's predicted gain when it is large")
  func hotLockRemedy() throws {
    let result = runCLI(["--format", "json", fixture("serialized-workers.jsonl")])
    #expect(result.out.contains("Capping the holds of 'llm:global' at 200ms (a tenth of the median) would cut its total wait by 95%"), "\(result.out)")
    #expect(result.out.contains("\"predicted_wait_cut\""))
    // A lock whose replay gains little is not quoted: fine-grained holds are short already.
    #expect(!runCLI([fixture("fine-grained.jsonl")]).out.contains("Capping the holds"))
  }

  /// A report of `path` with the hot-lock remedy, its events kept in the one pass under
  /// `budget` (0: every lock dropped).
  func annotatedReport(_ path: String, budget: Int = HotLockEvents.defaultBudget) throws -> (Report, HotLockEvents) {
    var options = AnalysisOptions()
    if path.contains("/otlp/") { options.inputFormat = .otlp }
    let kept = HotLockEvents(budget: budget)
    var report = try LogAnalysis.run(
      paths: [path], options: options, warn: { _ in }, observe: { analyzers, _ in analyzers }, analyzers: { $0 }, keeping: kept
    ).report
    HotLockPrediction.annotate(&report, kept: kept, analysis: options)
    return (report, kept)
  }

  /// What `lockscope whatif --lock LOCK --hold-cap CAP` predicts from its own pass over `path`:
  /// the independent reference for the remedy replayed from the report's kept events.
  func whatifPrediction(_ path: String, lock: String, cap: Int64) throws -> WhatIfPrediction {
    var options = AnalysisOptions()
    if path.contains("/otlp/") { options.inputFormat = .otlp }
    options.lockGlobs = [Glob(Glob.escaped(lock))]
    return try WhatIfCommand.predict(paths: [path], analysis: options, change: .holdCap(cap), warn: { _ in }).get()
  }

  @Test("the remedy replayed from the report's own pass predicts what whatif's own pass over the file does, on every fixture")
  func recordedEqualsWhatIf() throws {
    let root = URL(fileURLWithPath: fixture(""))
    let paths = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
      .filter { $0.hasSuffix(".jsonl") }.sorted()
    #expect(paths.count > 50)
    var predicted = 0
    for path in paths.map({ root.appendingPathComponent($0).path }) {
      let (recorded, kept) = try annotatedReport(path)
      #expect(!kept.droppedAny, "\(path)")
      for finding in recorded.findings where finding.detail("predicted_speedup") != nil {
        let lock = try #require(finding.locks.first)
        let row = try #require(recorded.locks.first { $0.name == lock })
        let reference = try whatifPrediction(path, lock: lock, cap: max(1_000, row.hold.p50 / 10))
        #expect(finding.detail("predicted_speedup") == .double(reference.speedup), "\(path) \(lock)")
        #expect(finding.detail("predicted_wait_cut") == .double(reference.waitCut), "\(path) \(lock)")
        predicted += 1
      }
      // A budget of 8: locks dropped and the kept events compacted (crashes stay among
      // them), or the crashes alone past half of it. A hot lock still kept gets the same
      // remedy; one dropped names the whatif command instead of a gain.
      let (tight, small) = try annotatedReport(path, budget: 8)
      for (full, cut) in zip(recorded.findings, tight.findings) {
        let kept = full.lockIDs.first.map { small.recorder(for: $0, options: AnalysisOptions()) != nil } ?? true
        // Hot because a hold was never released: no replay either way (it gains nothing).
        if full.kind != .hotLock || kept || full.detail("cause") == .string("orphan") {
          #expect(cut.remedy == full.remedy, "\(path)")
        } else {
          #expect(cut.detail("predicted_speedup") == nil && cut.remedy.contains("lockscope whatif"), "\(path): \(cut.remedy)")
        }
      }
    }
    #expect(predicted >= 2)  // serialized-workers and the postmortem at least
  }

  /// 'H': agents a, b and c take turns holding it 3 s each, each waiting 6 s for its turn
  /// (12 holds, 9 of them after a wait): a hot lock. 'C': agent d holds it 1 s every 2 s,
  /// 60 times, never contended. 'C' makes most of the events (120 to 'H''s 36).
  func hotAndColdLog() -> String {
    var events: [(time: Int, order: Int, text: String)] = []
    func add(_ time: Int, _ event: String, _ agent: String, _ lock: String) {
      events.append((time, events.count, #"{"ts":\#(1_795_341_600 + time),"event":"\#(event)","agent":"\#(agent)","lock":"\#(lock)"}"#))
    }
    let agents = ["a", "b", "c"]
    for k in 0..<12 {
      let agent = agents[k % 3]
      add(k < 3 ? 0 : 3 * k - 6, "request", agent, "H")
    }
    for k in 0..<12 {
      add(3 * k, "acquire", agents[k % 3], "H")
      add(3 * k + 3, "release", agents[k % 3], "H")
    }
    for t in 0..<60 {
      add(2 * t, "acquire", "d", "C")
      add(2 * t + 1, "release", "d", "C")
    }
    // Time order; at one time, releases before requests before acquires, then as added.
    let rank = { (text: String) in text.contains("release") ? 0 : text.contains("request") ? 1 : 2 }
    let log = events.sorted { ($0.time, rank($0.text), $0.order) < ($1.time, rank($1.text), $1.order) }.map(\.text).joined(separator: "\n") + "\n"
    return temporaryFile(log, name: "hot-cold.jsonl")
  }

  @Test("past its budget the report drops the events of the locks waited for least and keeps the hot one's; dropped, it is not read again")
  func recorderBudget() throws {
    let path = hotAndColdLog()
    let (whole, all) = try annotatedReport(path)
    #expect(!all.droppedAny && all.recorder(forLockNamed: "C", options: AnalysisOptions()) != nil)
    let hot = try #require(whole.findings.first { $0.kind == .hotLock })
    #expect(hot.locks == ["H"] && hot.detail("predicted_wait_cut") != nil, "\(hot.remedy)")
    // 80 events: 'C' (no wait) goes when they run out, 'H' (36 events) stays.
    let (tight, some) = try annotatedReport(path, budget: 80)
    #expect(some.droppedAny && some.recorder(forLockNamed: "C", options: AnalysisOptions()) == nil && some.recorder(forLockNamed: "H", options: AnalysisOptions()) != nil)
    #expect(tight.findings.map(\.remedy) == whole.findings.map(\.remedy))
    // Nothing kept: no second reading; the remedy names the command that predicts the gain.
    let (unkept, none) = try annotatedReport(path, budget: 0)
    #expect(none.recorder(forLockNamed: "H", options: AnalysisOptions()) == nil)
    let dropped = try #require(unkept.findings.first { $0.kind == .hotLock })
    #expect(dropped.detail("predicted_wait_cut") == nil)
    #expect(dropped.remedy.contains("lockscope whatif --lock 'H' --hold-cap"), "\(dropped.remedy)")
  }

  @Test("json output carries before, after, the speed-up and the model")
  func json() throws {
    let text = try predict(fixture("whatif/serialized-loop.jsonl"), lock: "state:global", .holdScale(0.005)).json()
    for key in [#""hold_scale": 0.005"#, #""total_wait_ns": 450000000"#, #""makespan_ns": 6090000000"#, #""speedup": 9.852217"#, #""model": ["#] {
      #expect(text.contains(key), "\(key)")
    }
  }
}

extension HotLockEvents {
  /// The recorder of the lock with this name (nil: no such lock, or not kept).
  func recorder(forLockNamed name: String, options: AnalysisOptions) -> LockUseRecorder? {
    lockNames?.lookup(name).flatMap { recorder(for: LockID($0), options: options) }
  }
}
