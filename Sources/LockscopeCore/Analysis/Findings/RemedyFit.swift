/// Makes each finding's advice follow from what the whole log shows, once every analyzer
/// has spoken (issue: remedies that fit the cause):
/// - a lock held all the time because its holder leaked it or died with it (an orphan) is
///   not "hot": the remedy is to release it on every path, not to shard or shorten holds;
/// - a lock whose holders were deadlocked is the deadlock's, not a hot lock, and long holds
///   by agents caught in a deadlock on that lock point at the deadlock;
/// - a lock that is already one of many per-key locks (`job:1041`, `job:1042`, …) is never
///   told to "use per-key locks".
enum RemedyFit {
  static func apply(
    to findings: [Finding], lockNames: @autoclosure () -> [String], families: LockFamilies = LockFamilies()
  ) -> [Finding] {
    // Most reports have no hot lock: then nothing below needs the names' patterns.
    guard findings.contains(where: { $0.kind == .hotLock || $0.kind == .longHold }) else { return findings }
    // The longest orphaned hold of each lock: it explains a hot lock when it covers half
    // of the lock's active span or more.
    var orphaned: [String: Int64] = [:]
    for orphan in findings where orphan.kind == .orphan {
      guard let lock = orphan.locks.first, case .int(let held)? = orphan.detail("held_ns") else { continue }
      orphaned[lock] = max(orphaned[lock] ?? 0, held)
    }
    let deadlocks = findings.filter { $0.kind == .deadlock }
    let deadlocked = Set(deadlocks.flatMap(\.locks))
    lazy var perKey = PerKeyNames(lockNames())
    var fitted: [Finding] = []
    for var finding in findings {
      let lock = finding.locks.first ?? ""
      switch finding.kind {
      case .hotLock where deadlocked.contains(lock):
        continue  // held because its holders could not move: the deadlock finding says so
      case .hotLock where orphanExplains(finding, orphaned[lock]):
        finding.remedy =
          "'\(lock)' was busy because a hold of it was never released (see the orphan finding): release it on every path (finally, defer, `async with`), and give leased locks a heartbeat so a dead holder's lease runs out."
        finding.details.append(("cause", .string("orphan")))
      case .hotLock where families.family(of: Array(lock.utf8)[...]) != nil || perKey.isPerKey(lock):
        finding.remedy = finding.remedy.replacingOccurrences(
          of: ", or use per-key locks so agents working on different keys do not queue", with: "")
        finding.remedy = finding.remedy.replacingOccurrences(
          of: "split '\(lock)' into per-key locks (sharding), use a read-write lock",
          with:
            "'\(lock)' is already one of many per-key locks, so the same key is contended: batch the work on a key, use a read-write lock")
      case .longHold
      where deadlocks.contains { deadlock in deadlock.locks.contains(lock) && !Set(deadlock.agents).isDisjoint(with: finding.agents) }:
        finding.remedy =
          "These holds lasted because their holders were deadlocked on '\(lock)' (see the deadlock finding): fix the lock order, and the holds end."
      default: break
      }
      fitted.append(finding)
    }
    return fitted
  }

  private static func orphanExplains(_ hot: Finding, _ orphanHeld: Int64?) -> Bool {
    guard let orphanHeld, case .int(let span)? = hot.detail("active_span_ns") else { return false }
    return orphanHeld * 2 >= span
  }
}

/// Which lock names are per-key: their variable parts (runs of digits, hexadecimal runs of 8
/// or more with a digit, UUIDs) replaced by `*`, at least three names share the pattern.
struct PerKeyNames {
  private var counts: [String: Int] = [:]

  init(_ names: [String]) {
    for name in names {
      let pattern = Self.pattern(name)
      if pattern != name { counts[pattern, default: 0] += 1 }
    }
  }

  func isPerKey(_ name: String) -> Bool {
    let pattern = Self.pattern(name)
    return pattern != name && counts[pattern, default: 0] >= 3
  }

  /// `name` with each UUID, and each run of hexadecimal characters that holds a digit and
  /// is all digits or 8 characters or more, replaced by `*`.
  static func pattern(_ name: String) -> String {
    String(decoding: pattern(Array(name.utf8)[...], shortestDecimalRun: 1), as: UTF8.self)
  }

  /// The same over bytes (it runs over every lock name). A run of `shortestDecimalRun`
  /// digits or more (`--family auto` asks for 4), or a hexadecimal run of 8 or more with a
  /// digit, becomes `*`; a shorter mixed run keeps its letters, but a decimal run of 4 or
  /// more in it becomes `*`.
  static func pattern(_ bytes: ArraySlice<UInt8>, shortestDecimalRun: Int) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var start = bytes.startIndex
    while start < bytes.endIndex {
      guard isHex(bytes[start]) else {
        result.append(bytes[start])
        start += 1
        continue
      }
      // A UUID (8-4-4-4-12 hexadecimal digits) is one key, dashes and all.
      if let uuidEnd = uuid(in: bytes, at: start) {
        result.append(UInt8(ascii: "*"))
        start = uuidEnd
        continue
      }
      var end = start
      while end < bytes.endIndex && isHex(bytes[end]) { end += 1 }
      let run = bytes[start..<end]
      if run.allSatisfy(isDigit) ? run.count >= shortestDecimalRun : run.count >= 8 && run.contains(where: isDigit) {
        result.append(UInt8(ascii: "*"))
      } else {
        // Letters around a number (`abc12345`): the number alone is the key.
        appendReplacingDecimalRuns(run, shortest: max(shortestDecimalRun, 4), to: &result)
      }
      start = end
    }
    return result
  }

  /// The end of the UUID that starts at `start`, if one does (and the hexadecimal run
  /// before it does not go on into it).
  private static func uuid(in bytes: ArraySlice<UInt8>, at start: Int) -> Int? {
    guard bytes.endIndex - start >= 36 else { return nil }
    for (offset, byte) in bytes[start..<start + 36].enumerated() {
      let dash = offset == 8 || offset == 13 || offset == 18 || offset == 23
      guard dash ? byte == UInt8(ascii: "-") : isHex(byte) else { return nil }
    }
    let end = start + 36
    return end < bytes.endIndex && isHex(bytes[end]) ? nil : end
  }

  /// `run` with its decimal runs of `shortest` digits or more replaced by `*`.
  private static func appendReplacingDecimalRuns(_ run: ArraySlice<UInt8>, shortest: Int, to result: inout [UInt8]) {
    var index = run.startIndex
    while index < run.endIndex {
      var end = index
      while end < run.endIndex && isDigit(run[end]) { end += 1 }
      if end - index >= shortest {
        result.append(UInt8(ascii: "*"))
        index = end
      } else if end > index {
        result.append(contentsOf: run[index..<end])
        index = end
      } else {
        result.append(run[index])
        index += 1
      }
    }
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private static func isHex(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
      || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
  }
}
