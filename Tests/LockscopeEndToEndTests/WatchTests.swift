import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `lockscope watch` running as a child, fed line by line through a pipe (or a file it
/// follows); its output is read as it comes, so a test can tell an alert arrived before the
/// next line was written.
final class WatchProcess {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private let errors = Pipe()
  private var pending: [UInt8] = []

  init(_ arguments: [String]) throws {
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["watch"] + arguments
    process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
    process.currentDirectoryURL = root
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
  }

  func send(_ line: String) {
    input.fileHandleForWriting.write(Data((line + "\n").utf8))
  }

  func closeInput() throws { try input.fileHandleForWriting.close() }

  /// The next whole output line, or nil when none comes within `seconds`.
  func nextLine(within seconds: Double) -> String? {
    let deadline = Date().addingTimeInterval(seconds)
    let fd = output.fileHandleForReading.fileDescriptor
    while true {
      if let newline = pending.firstIndex(of: 0x0A) {
        let line = String(decoding: pending[..<newline], as: UTF8.self)
        pending.removeSubrange(...newline)
        return line
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else { return nil }
      var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&request, 1, Int32(left * 1000) + 1) > 0 else { continue }
      var block = [UInt8](repeating: 0, count: 65536)
      let n = read(fd, &block, block.count)
      if n <= 0 { return nil }
      pending += block[..<n]
    }
  }

  /// Everything still to come, until the process exits.
  func rest() -> (status: Int32, out: String, err: String) {
    // A watch that does not end is a failure, not a hung test run.
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning {
      Issue.record("lockscope watch did not exit within 30 s; killed")
      kill(process.processIdentifier, SIGKILL)
    }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: pending, as: UTF8.self) + String(decoding: out, as: UTF8.self),
      String(decoding: err, as: UTF8.self)
    )
  }
}

/// A log line at `seconds` after a fixed epoch second.
private func event(_ seconds: Double, _ kind: String, _ agent: String, _ lock: String? = nil, extra: String = "") -> String {
  let lock = lock.map { #","lock":"\#($0)""# } ?? ""
  return #"{"ts":\#(1_795_341_600 + seconds),"event":"\#(kind)","agent":"\#(agent)"\#(lock)\#(extra)}"#
}

@Suite("lockscope watch through a pipe", .serialized)
struct WatchTests {
  @Test("each alert arrives, in order, before the next line is written; lines that raise none print nothing")
  func alertsInOrder() throws {
    let watch = try WatchProcess(["--format", "json", "--long-hold", "1h", "--max-queue", "1"])
    // (line, the alert kind it must raise, or nil for none)
    let script: [(String, String?)] = [
      (event(0, "acquire", "a", "L1"), nil),
      (event(0.1, "acquire", "b", "L2"), nil),
      (event(0.2, "request", "a", "L2"), nil),
      (event(0.3, "request", "b", "L1"), "deadlock"),
      (event(0.4, "request", "c", "L1"), "long-queue"),  // a second waiter: over --max-queue 1
      (event(0.5, "crash", "b"), "orphan"),
    ]
    for (line, alert) in script {
      watch.send(line)
      if let alert {
        let got = try #require(watch.nextLine(within: 10), "no alert after \(line)")
        #expect(got.contains(#""type":"alert","kind":"\#(alert)""#), "\(got)")
      } else {
        #expect(watch.nextLine(within: 0.3) == nil, "an alert after \(line)")
      }
    }
    try watch.closeInput()
    let (status, out, _) = watch.rest()
    #expect(status == 0)
    // The last line is the report, with the same findings the report command finds.
    #expect(out.hasPrefix(#"{"type":"report","report":{"summary":{"events":6"#), "\(out.prefix(200))")
  }

  @Test("the deadlock alert names the cycle: who waits for which lock held by whom, and the line that closed it")
  func deadlockMessage() throws {
    let watch = try WatchProcess([])
    for line in [
      event(0, "acquire", "a", "L1"), event(1, "acquire", "b", "L2"), event(2, "request", "a", "L2"), event(3, "request", "b", "L1"),
    ] {
      watch.send(line)
    }
    let alert = try #require(watch.nextLine(within: 10))
    #expect(alert.contains("CRITICAL  deadlock  b waits for 'L1' held by a; a waits for 'L2' held by b  (<stdin>:4)"), "\(alert)")
    #expect(alert.hasPrefix("2026-11-22T10:00:03Z"))
    try watch.closeInput()
    _ = watch.rest()
  }

  @Test("a quiet stream: the hold passes --long-hold on the log's clock, run on by the wall clock, with no more input")
  func quietLongHold() throws {
    let watch = try WatchProcess(["--format", "json", "--long-hold", "300ms"])
    let start = Date()
    watch.send(event(0, "acquire", "a", "L"))
    let alert = try #require(watch.nextLine(within: 10), "no long-hold alert while the stream was quiet")
    #expect(alert.contains(#""kind":"long-hold""#) && alert.contains("and counting"), "\(alert)")
    // Due 300 ms after the acquire on the log's clock: never before that much wall time.
    #expect(Date().timeIntervalSince(start) >= 0.3)
    #expect(alert.contains(#""ts":"2026-11-22T10:00:00.300000000Z""#), "\(alert)")
    // Raised once per hold.
    #expect(watch.nextLine(within: 0.5) == nil)
    try watch.closeInput()
    _ = watch.rest()
  }

  @Test("a lease that runs out with no renew is alerted on the log's clock, before any later line")
  func leaseRunsOut() throws {
    let watch = try WatchProcess(["--format", "json"])
    watch.send(event(0, "acquire", "a", "L", extra: #","lease_ms":200"#))
    let alert = try #require(watch.nextLine(within: 10))
    #expect(alert.contains(#""kind":"lease-expired""#) && alert.contains(#""ts":"2026-11-22T10:00:00.200000000Z""#), "\(alert)")
    try watch.closeInput()
    _ = watch.rest()
  }

  @Test("a renewed lease raises nothing while the renewals keep coming")
  func renewedLease() throws {
    let watch = try WatchProcess(["--format", "json"])
    watch.send(event(0, "acquire", "a", "L", extra: #","lease_ms":400"#))
    for step in 1...3 {
      Thread.sleep(forTimeInterval: 0.15)
      watch.send(event(Double(step) * 0.15, "renew", "a", "L", extra: #","lease_ms":400"#))
    }
    #expect(watch.nextLine(within: 0.2) == nil)
    watch.send(event(0.6, "release", "a", "L"))
    try watch.closeInput()
    let (status, out, _) = watch.rest()
    #expect(status == 0)
    #expect(!out.contains("lease-expired"))
  }

  @Test("a backlog (the post-mortem fixture, read at once) gives every alert in log-time order, long holds included")
  func backlog() throws {
    // fixtures/timeline/postmortem.jsonl: api-1 holds db:users 10:42:00–03 (long at 02),
    // api-2 crashes holding it at 04, worker-a/b deadlock at 06.5 holding queue:A/B since
    // 06 (long at 08).
    let watch = try WatchProcess(["--long-hold", "2s", "fixtures/timeline/postmortem.jsonl"])
    let (status, out, _) = watch.rest()
    #expect(status == 0)
    let alerts = out.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }.map {
      $0.split(separator: " ", omittingEmptySubsequences: true).prefix(3).joined(separator: " ")
    }
    #expect(
      alerts == [
        "2026-11-22T10:42:02Z WARNING long-hold", "2026-11-22T10:42:04Z CRITICAL orphan", "2026-11-22T10:42:06.5Z CRITICAL deadlock",
        "2026-11-22T10:42:08Z WARNING long-hold", "2026-11-22T10:42:08Z WARNING long-hold",
      ])
    #expect(out.contains("api-1 has held 'db:users' for 2.00s and counting"))
  }

  @Test("Ctrl-C (SIGINT) ends the watch with the final report and exit status 0")
  func interrupt() throws {
    let watch = try WatchProcess([])
    watch.send(event(0, "acquire", "a", "L"))
    watch.send(event(1, "release", "a", "L"))
    Thread.sleep(forTimeInterval: 0.3)
    kill(watch.process.processIdentifier, SIGINT)
    let (status, out, err) = watch.rest()
    #expect(status == 0, "\(err)")
    #expect(out.contains("lockscope report: <stdin>"))
    #expect(out.contains("events   2"))
  }

  @Test("a bad line is reported on stderr at once, as FILE:LINE, and the watch goes on")
  func badLine() throws {
    let watch = try WatchProcess(["--format", "json"])
    watch.send("{not json")
    watch.send(event(0, "acquire", "a", "L"))
    watch.send(event(1, "request", "a", "L"))
    let alert = try #require(watch.nextLine(within: 10))
    #expect(alert.contains(#""kind":"deadlock""#))  // asking again for a lock it holds
    try watch.closeInput()
    let (_, out, err) = watch.rest()
    #expect(err.hasPrefix("<stdin>:1: "), "\(err)")
    #expect(out.contains(#""skipped_lines":1"#))
  }
}

@Suite("lockscope watch --follow", .serialized)
struct WatchFollowTests {
  @Test("follows a file through rotation (renamed, new file) and truncation, alerting on lines of the new file")
  func rotation() throws {
    let path = scratchDirectory.path + "/lockscope-follow-\(UUID().uuidString).log"
    try (event(0, "acquire", "a", "L1") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    let watch = try WatchProcess(["--follow", "--format", "json", path])
    defer { kill(watch.process.processIdentifier, SIGTERM) }
    func append(_ line: String) throws {
      let handle = try #require(FileHandle(forWritingAtPath: path))
      try handle.seekToEnd()
      handle.write(Data((line + "\n").utf8))
      try handle.close()
    }
    try append(event(1, "acquire", "b", "L2"))
    try append(event(2, "request", "a", "L2"))
    Thread.sleep(forTimeInterval: 0.2)
    // Rotated: the old file moves away and a new one takes its name.
    try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
    try (event(3, "request", "b", "L1") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    let deadlock = try #require(watch.nextLine(within: 10), "no alert from the rotated-in file")
    #expect(deadlock.contains(#""kind":"deadlock""#), "\(deadlock)")
    // Truncated in place (copytruncate), then written again.
    Thread.sleep(forTimeInterval: 0.2)
    let truncate = try #require(FileHandle(forWritingAtPath: path))
    try truncate.truncate(atOffset: 0)
    try truncate.close()
    Thread.sleep(forTimeInterval: 0.2)
    try append(event(4, "crash", "b"))
    let orphan = try #require(watch.nextLine(within: 10), "no alert after the truncation")
    #expect(orphan.contains(#""kind":"orphan""#), "\(orphan)")
    kill(watch.process.processIdentifier, SIGINT)
    let (status, out, err) = watch.rest()
    #expect(status == 0)
    #expect(out.contains(#""events":5"#), "\(out.suffix(300))")
    #expect(err.contains("was replaced (rotated)") && err.contains("was truncated"), "\(err)")
  }

  @Test("a file that does not exist yet is waited for, as tail -F does; after a rotation line numbers restart")
  func waitsForMissingFileAndRestartsLineNumbers() throws {
    let path = scratchDirectory.path + "/lockscope-later-\(UUID().uuidString).log"
    let watch = try WatchProcess(["--follow", "--format", "json", path])
    defer { kill(watch.process.processIdentifier, SIGTERM) }
    Thread.sleep(forTimeInterval: 0.5)
    #expect(watch.process.isRunning, "watch gave up on a file that does not exist yet")
    let first = [
      event(0, "acquire", "a", "L1"), event(1, "acquire", "b", "L2"), event(2, "request", "a", "L2"), event(3, "request", "b", "L1"),
    ]
    try (first.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    let deadlock = try #require(watch.nextLine(within: 10), "no alert from the file that appeared")
    #expect(deadlock.contains(#""kind":"deadlock""#), "\(deadlock)")
    Thread.sleep(forTimeInterval: 0.2)
    try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
    try ("not json\n" + event(4, "crash", "b") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    let orphan = try #require(watch.nextLine(within: 10), "no alert from the rotated-in file")
    #expect(orphan.contains(#""kind":"orphan""#), "\(orphan)")
    kill(watch.process.processIdentifier, SIGINT)
    let (status, _, err) = watch.rest()
    #expect(status == 0)
    #expect(err.contains("does not exist yet; waiting for it to appear"), "\(err)")
    // The bad line is line 1 of the new file, not line 5 of the stream.
    #expect(err.contains("\(path):1: not a JSON object"), "\(err)")
  }
}
