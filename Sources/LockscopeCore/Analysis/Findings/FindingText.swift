/// A finding's message or remedy as an analyzer writes it: words, with the run's locks,
/// agents, source lines and sites in it as ids, named only when the report is built
/// (`FindingDraft.named`). Written as a string with `\(quoted: lock)`, `\(agent: id)`, ….
///
/// Kept as the words' UTF-8 bytes and a list of holes, each an id and the byte offset where
/// its name goes: joining texts copies bytes, and naming one is a copy of runs of bytes
/// and names into one buffer. A list of parts, each a `String` or an id, was retained and
/// released part by part at every join, and named one `String` append at a time: on a log
/// with a thousand lock-order inversions, over a third of the findings' end-of-run work.
struct FindingText: Sendable, Equatable, ExpressibleByStringInterpolation {
  /// Where a name goes, and whose.
  struct Hole: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
      case lock, agent
      /// `FILE:LINE` of (`id`: input, `line`).
      case source
      /// ` at NAME` for a `site` id; nothing for -1 (the event had none).
      case atSite
    }
    /// Bytes of the words before it.
    var offset: Int32
    var kind: Kind
    var id: Int32
    var line: Int64 = 0
  }

  private(set) var bytes: [UInt8] = []
  private(set) var holes: [Hole] = []

  init(stringLiteral text: String) { bytes = Array(text.utf8) }

  /// Kept at its exact size: a report holds every finding's text until it is named, and
  /// arrays grown by doubling as the last words were appended held up to twice the room.
  init(stringInterpolation: StringInterpolation) {
    bytes = Self.exact(stringInterpolation.bytes, spare: 32)
    holes = Self.exact(stringInterpolation.holes, spare: 2)
  }

  /// `array` itself when it has at most `spare` elements' room to spare, or a copy of it
  /// with none (`Array(array)` would share its memory).
  private static func exact<Element>(_ array: [Element], spare: Int) -> [Element] {
    guard array.capacity > array.count + spare else { return array }
    var copy: [Element] = []
    copy.reserveCapacity(array.count)
    copy += array
    return copy
  }

  var isEmpty: Bool { bytes.isEmpty && holes.isEmpty }

  /// Makes room for `bytes` bytes and `holes` holes in all.
  mutating func reserve(bytes byteCount: Int, holes holeCount: Int) {
    bytes.reserveCapacity(byteCount)
    holes.reserveCapacity(holeCount)
  }

  /// The text with every id named.
  func named(_ names: FindingNames) -> String {
    guard !holes.isEmpty else { return String(decoding: bytes, as: UTF8.self) }
    var text: [UInt8] = []
    // About its length (a name guessed at 24 bytes), so it is not grown by doubling.
    text.reserveCapacity(bytes.count + 24 * holes.count)
    var start = 0
    bytes.withUnsafeBufferPointer { words in
      for hole in holes {
        let end = Int(hole.offset)
        text.append(contentsOf: UnsafeBufferPointer(rebasing: words[start..<end]))
        start = end
        switch hole.kind {
        case .lock: text += names.lockName(LockID(hole.id)).utf8
        case .agent: text += names.agentName(AgentID(hole.id)).utf8
        case .source: text += names.source(SourceLocation(input: hole.id, line: hole.line)).utf8
        case .atSite:
          if let site = names.siteName(hole.id) {
            text += " at ".utf8
            text += site.utf8
          }
        }
      }
      text.append(contentsOf: UnsafeBufferPointer(rebasing: words[start...]))
    }
    return String(decoding: text, as: UTF8.self)
  }

  static func + (a: FindingText, b: FindingText) -> FindingText {
    var sum = a
    sum += b
    return sum
  }

  /// Grown to the exact size, for the same reason.
  static func += (a: inout FindingText, b: FindingText) {
    a.reserve(bytes: a.bytes.count + b.bytes.count, holes: a.holes.count + b.holes.count)
    a.append(b)
  }

  fileprivate mutating func append(_ text: FindingText) { text.append(to: &bytes, &holes) }

  /// These words and holes after `bytes` and `holes`, the holes moved past those words.
  fileprivate func append(to bytes: inout [UInt8], _ holes: inout [Hole]) {
    let shift = Int32(bytes.count)
    bytes += self.bytes
    for var hole in self.holes {
      hole.offset += shift
      holes.append(hole)
    }
  }

  struct StringInterpolation: StringInterpolationProtocol {
    fileprivate var bytes: [UInt8] = []
    fileprivate var holes: [Hole] = []

    /// Room for every literal, a few bytes of each value, and a hole for each interpolation.
    init(literalCapacity: Int, interpolationCount: Int) {
      bytes.reserveCapacity(literalCapacity + 2 * interpolationCount)
      holes.reserveCapacity(interpolationCount)
    }

    mutating func appendLiteral(_ literal: String) { bytes += literal.utf8 }

    private mutating func hole(_ kind: Hole.Kind, _ id: Int32, line: Int64 = 0) {
      holes.append(Hole(offset: Int32(bytes.count), kind: kind, id: id, line: line))
    }

    mutating func appendInterpolation(_ value: some CustomStringConvertible) { appendLiteral(value.description) }
    mutating func appendInterpolation(_ text: FindingText) {
      bytes.reserveCapacity(bytes.count + text.bytes.count)
      holes.reserveCapacity(holes.count + text.holes.count)
      text.append(to: &bytes, &holes)
    }
    mutating func appendInterpolation(lock: LockID) { hole(.lock, lock.rawValue) }
    mutating func appendInterpolation(agent: AgentID) { hole(.agent, agent.rawValue) }
    mutating func appendInterpolation(source: SourceLocation) { hole(.source, source.input, line: source.line) }

    /// `'ledger'`.
    mutating func appendInterpolation(quoted lock: LockID) {
      bytes.append(UInt8(ascii: "'"))
      hole(.lock, lock.rawValue)
      bytes.append(UInt8(ascii: "'"))
    }

    /// `'ledger' at worker.py:41 process_item`, or `'ledger'` with no site.
    mutating func appendInterpolation(quoted lock: LockID, at site: Int32) {
      appendInterpolation(quoted: lock)
      hole(.atSite, site)
    }

    /// ` at NAME` of a `site` id, or nothing.
    mutating func appendInterpolation(at site: Int32) { hole(.atSite, site) }

    /// `'worker-1'`.
    mutating func appendInterpolation(quoted agent: AgentID) {
      bytes.append(UInt8(ascii: "'"))
      hole(.agent, agent.rawValue)
      bytes.append(UInt8(ascii: "'"))
    }
  }
}

extension Array where Element == FindingText {
  func joined(separator: String) -> FindingText {
    var text: FindingText = ""
    let separator = FindingText(stringLiteral: separator)
    text.reserve(
      bytes: reduce(Swift.max(0, count - 1) * separator.bytes.count) { $0 + $1.bytes.count },
      holes: reduce(0) { $0 + $1.holes.count })
    for (index, element) in enumerated() {
      if index > 0 { text.append(separator) }
      text.append(element)
    }
    return text
  }
}
