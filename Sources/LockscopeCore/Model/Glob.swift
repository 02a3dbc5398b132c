/// A shell-style pattern for lock and agent names: `*` any run of characters (including
/// `/` and `:`), `?` one character, `[abc]`, `[a-z]`, `[!abc]` a set; `\` escapes.
struct Glob: Sendable, Equatable {
  let pattern: String
  private let bytes: [UInt8]

  init(_ pattern: String) {
    self.pattern = pattern
    bytes = Array(pattern.utf8)
  }

  func matches(_ name: String) -> Bool { matches(Array(name.utf8)[...]) }

  /// A pattern that matches exactly `literal`: its `*`, `?`, `[` and `\` escaped.
  static func escaped(_ literal: String) -> String {
    var pattern = ""
    for character in literal {
      if "*?[\\".contains(character) { pattern.append("\\") }
      pattern.append(character)
    }
    return pattern
  }

  /// What is wrong with the pattern, for places where a typo must not pass silently (SLO
  /// scopes): an unclosed `[`, or a `\` with nothing to escape. Matching itself treats
  /// those as literals, as shells do.
  var syntaxError: String? {
    var p = 0
    while p < bytes.count {
      switch bytes[p] {
      case UInt8(ascii: "\\"):
        guard p + 1 < bytes.count else { return "a trailing '\\' escapes nothing" }
        p += 2
      case UInt8(ascii: "["):
        guard let (_, next) = matchSet(at: p, 0) else { return "an unclosed '['" }
        p = next
      default:
        p += 1
      }
    }
    return nil
  }

  /// Iterative matching with one backtrack point per `*`: linear in practice, never exponential.
  func matches(_ name: ArraySlice<UInt8>) -> Bool {
    let text = Array(name)
    var p = 0
    var t = 0
    var starP = -1
    var starT = 0
    while t < text.count {
      if p < bytes.count {
        switch bytes[p] {
        case UInt8(ascii: "*"):
          starP = p
          starT = t
          p += 1
          continue
        case UInt8(ascii: "?"):
          p += 1
          t += 1
          continue
        case UInt8(ascii: "["):
          if let (matched, next) = matchSet(at: p, text[t]), matched {
            p = next
            t += 1
            continue
          } else if matchSet(at: p, text[t]) == nil, text[t] == UInt8(ascii: "[") {
            p += 1  // an unclosed '[' is a literal
            t += 1
            continue
          }
        case UInt8(ascii: "\\") where p + 1 < bytes.count:
          if bytes[p + 1] == text[t] {
            p += 2
            t += 1
            continue
          }
        default:
          if bytes[p] == text[t] {
            p += 1
            t += 1
            continue
          }
        }
      }
      guard starP >= 0 else { return false }
      p = starP + 1
      starT += 1
      t = starT
    }
    while p < bytes.count && bytes[p] == UInt8(ascii: "*") { p += 1 }
    return p == bytes.count
  }

  /// Matches `byte` against the set starting at `bytes[start] == '['`; nil if unclosed.
  private func matchSet(at start: Int, _ byte: UInt8) -> (Bool, Int)? {
    var i = start + 1
    var negated = false
    if i < bytes.count && (bytes[i] == UInt8(ascii: "!") || bytes[i] == UInt8(ascii: "^")) {
      negated = true
      i += 1
    }
    var matched = false
    var first = true
    while i < bytes.count && (first || bytes[i] != UInt8(ascii: "]")) {
      first = false
      if i + 2 < bytes.count && bytes[i + 1] == UInt8(ascii: "-") && bytes[i + 2] != UInt8(ascii: "]") {
        if bytes[i] <= byte && byte <= bytes[i + 2] { matched = true }
        i += 3
      } else {
        if bytes[i] == byte { matched = true }
        i += 1
      }
    }
    guard i < bytes.count else { return nil }
    return (matched != negated, i + 1)
  }
}
