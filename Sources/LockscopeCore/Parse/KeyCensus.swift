/// The keys of the lines that lacked a required field, counted so that when most lines
/// lack one the error can say which keys the log does use and suggest the `--field` remap
/// (`did you mean --field ts=timestamp?`). Only bad lines are looked at, and only the
/// first `sampleLimit` of them are rescanned: a good log never pays for it.
final class KeyCensus {
  /// Lines that lacked a required field.
  private(set) var lines: Int64 = 0
  /// How often each required field was the one missing.
  private var missing: [Field: Int64] = [:]
  /// Top-level keys of the sampled lines, with how many lines had each, in first-seen order.
  private var keys: [(key: String, lines: Int)] = []
  private var keyIndex: [String: Int] = [:]
  private var sampled = 0
  static let sampleLimit = 1000

  /// The common spellings of each required field, for guessing a remap.
  static let synonyms: [Field: [String]] = [
    .ts: ["timestamp", "time", "@timestamp", "ts", "t", "date", "datetime", "when", "time_ns", "timestamp_ns"],
    .event: ["action", "type", "op", "event", "event_type", "kind", "operation", "what"],
    .agent: ["worker", "thread", "host", "process", "agent", "pid", "tid", "client", "owner", "node", "who"],
    .lock: ["resource", "key", "name", "mutex", "lock", "lock_name", "lock_id", "object", "target"],
  ]

  /// Counts the line the scanner read (its object from the first `{`): `seen` has a bit
  /// per field found; the lock counts as missing when its event needs one (or is unknown).
  func count(line scanner: JSONScanner, seen: UInt16, needsLock: Bool) {
    lines += 1
    let eventFound = seen & (1 << UInt16(Field.event.rawValue)) != 0
    for field in [Field.ts, .event, .agent, .lock] where seen & (1 << UInt16(field.rawValue)) == 0 {
      if field == .lock && eventFound && !needsLock { continue }
      missing[field, default: 0] += 1
    }
    guard sampled < Self.sampleLimit else { return }
    sampled += 1
    var reader = JSONScanner(start: scanner.start, end: scanner.end)
    while reader.position < reader.end && reader.position.pointee != UInt8(ascii: "{") { reader.position += 1 }
    guard reader.position < reader.end else { return }
    reader.position += 1
    var seenHere = Set<String>()
    while true {
      reader.skipWhitespace()
      guard !reader.atEnd, reader.peek == UInt8(ascii: "\""), let token = try? reader.scanString() else { return }
      let key = String(decoding: UnsafeBufferPointer(start: token.start, count: token.count), as: UTF8.self)
      if seenHere.insert(key).inserted {
        if let index = keyIndex[key] {
          keys[index].lines += 1
        } else {
          keyIndex[key] = keys.count
          keys.append((key, 1))
        }
      }
      reader.skipWhitespace()
      guard !reader.atEnd, reader.peek == UInt8(ascii: ":") else { return }
      reader.position += 1
      guard (try? reader.skipValue(depth: 1)) != nil else { return }
      reader.skipWhitespace()
      guard !reader.atEnd, reader.peek == UInt8(ascii: ",") else { return }
      reader.position += 1
    }
  }

  /// The remaps worth suggesting: for each missing field, a key the lines have that is a
  /// common spelling of it (most frequent key first).
  func suggestedRemaps(fieldMap: FieldMap) -> [(field: Field, key: String)] {
    var taken = Set<String>()
    var result: [(Field, String)] = []
    for field in [Field.ts, .event, .agent, .lock] where missing[field, default: 0] > 0 {
      let candidates = Self.synonyms[field] ?? []
      let present = keys.filter { entry in
        !taken.contains(entry.key) && entry.key != fieldMap.key(field)
          && candidates.contains(entry.key.lowercased())
      }
      // The most common spelling in the synonym list's order of preference.
      guard
        let best = present.min(by: { a, b in
          (candidates.firstIndex(of: a.key.lowercased()) ?? 99) < (candidates.firstIndex(of: b.key.lowercased()) ?? 99)
        })
      else { continue }
      taken.insert(best.key)
      result.append((field, best.key))
    }
    return result
  }

  /// The one-paragraph hint: which fields were missing, which keys the lines have, and the
  /// remap to try. Nil when no line lacked a field.
  func hint(fieldMap: FieldMap) -> String? {
    guard lines > 0 else { return nil }
    let lacking = [Field.ts, .event, .agent, .lock].filter { missing[$0, default: 0] > 0 }.map { "\"\(fieldMap.key($0))\"" }
    let shownKeys = keys.sorted { $0.lines > $1.lines }.prefix(12).map(\.key)
    var text = "\(lines) \(lines == 1 ? "line lacks" : "lines lack") \(lacking.joined(separator: "/"))"
    if !shownKeys.isEmpty { text += "; their keys are: " + shownKeys.joined(separator: ", ") }
    let remaps = suggestedRemaps(fieldMap: fieldMap)
    if remaps.isEmpty {
      text += ". Name the keys to read with --field NAME=KEY (such as --field ts=timestamp)."
    } else {
      text += ". Did you mean " + remaps.map { "--field \($0.field.defaultKey)=\($0.key)" }.joined(separator: " ") + "?"
    }
    return text
  }
}
