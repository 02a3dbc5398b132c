/// A finding's message or remedy as an analyzer writes it: words, with the run's locks,
/// agents, source lines and sites in it as ids, named only when the report is built
/// (`FindingDraft.named`). Written as a string with `\(quoted: lock)`, `\(agent: id)`, ….
struct FindingText: Sendable, Equatable, ExpressibleByStringInterpolation {
  enum Part: Sendable, Equatable {
    case text(String)
    case lock(LockID)
    case agent(AgentID)
    case source(SourceLocation)
    /// ` at NAME` for a `site` id; nothing for -1 (the event had none).
    case atSite(Int32)
  }

  private(set) var parts: [Part] = []

  init(stringLiteral text: String) { parts = text.isEmpty ? [] : [.text(text)] }

  /// Kept at its exact size: a report holds every finding's text until it is named, and
  /// the parts' array, doubled as the last words were appended, held twice the room.
  init(stringInterpolation: StringInterpolation) {
    let written = stringInterpolation.parts
    guard written.capacity > written.count + 4 else {
      parts = written
      return
    }
    parts.reserveCapacity(written.count)
    parts += written
  }

  var isEmpty: Bool { parts.isEmpty }

  /// Makes room for `count` parts in all.
  mutating func reserve(_ count: Int) { parts.reserveCapacity(count) }

  /// The text with every id named.
  func named(_ names: FindingNames) -> String {
    var text = ""
    // About its length (a name guessed at 24 bytes), so it is not grown by doubling.
    text.reserveCapacity(
      parts.reduce(0) { size, part in
        if case .text(let words) = part { return size + words.utf8.count }
        return size + 24
      })
    for part in parts {
      switch part {
      case .text(let words): text += words
      case .lock(let lock): text += names.lockName(lock)
      case .agent(let agent): text += names.agentName(agent)
      case .source(let location): text += names.source(location)
      case .atSite(let site): text += names.siteName(site).map { " at \($0)" } ?? ""
      }
    }
    return text
  }

  static func + (a: FindingText, b: FindingText) -> FindingText {
    var sum = a
    sum += b
    return sum
  }

  /// Grown to the exact size, for the same reason.
  static func += (a: inout FindingText, b: FindingText) {
    a.parts.reserveCapacity(a.parts.count + b.parts.count)
    a.parts += b.parts
  }

  struct StringInterpolation: StringInterpolationProtocol {
    fileprivate var parts: [Part] = []

    /// Room for every literal and interpolation, a quoted name being three parts.
    init(literalCapacity: Int, interpolationCount: Int) { parts.reserveCapacity(4 * interpolationCount + 1) }

    mutating func appendLiteral(_ literal: String) {
      if !literal.isEmpty { parts.append(.text(literal)) }
    }

    mutating func appendInterpolation(_ value: some CustomStringConvertible) { appendLiteral(value.description) }
    mutating func appendInterpolation(_ text: FindingText) {
      parts.reserveCapacity(parts.count + text.parts.count)
      parts += text.parts
    }
    mutating func appendInterpolation(lock: LockID) { parts.append(.lock(lock)) }
    mutating func appendInterpolation(agent: AgentID) { parts.append(.agent(agent)) }
    mutating func appendInterpolation(source: SourceLocation) { parts.append(.source(source)) }

    /// `'ledger'`.
    mutating func appendInterpolation(quoted lock: LockID) { parts += [.text("'"), .lock(lock), .text("'")] }

    /// `'ledger' at worker.py:41 process_item`, or `'ledger'` with no site.
    mutating func appendInterpolation(quoted lock: LockID, at site: Int32) {
      appendInterpolation(quoted: lock)
      parts.append(.atSite(site))
    }

    /// ` at NAME` of a `site` id, or nothing.
    mutating func appendInterpolation(at site: Int32) { parts.append(.atSite(site)) }

    /// `'worker-1'`.
    mutating func appendInterpolation(quoted agent: AgentID) { parts += [.text("'"), .agent(agent), .text("'")] }
  }
}

extension Array where Element == FindingText {
  func joined(separator: String) -> FindingText {
    var text: FindingText = ""
    text.reserve(reduce(Swift.max(0, count - 1)) { $0 + $1.parts.count })
    for (index, element) in enumerated() {
      if index > 0 { text += FindingText(stringLiteral: separator) }
      text += element
    }
    return text
  }
}
