/// Reads SLO rules (SPEC §4): one a line, `#` comments, `[lock:GLOB|agent:GLOB] metric op
/// threshold`. Every mistake is reported with its column, and all of a file's mistakes at
/// once, so the user fixes them in one round.
enum SLOParser {
  /// The rules of `text` (a file's contents, or one `--rule`), and its mistakes.
  static func parse(_ text: String, name: String) -> (rules: [SLORule], errors: [SLODiagnostic]) {
    var rules: [SLORule] = []
    var errors: [SLODiagnostic] = []
    // "\r\n" is a single Character in Swift: split on both, or CRLF files become one line.
    // A UTF-8 byte order mark (Windows editors write one) is not part of the first rule,
    // as it is not part of a log's first line.
    let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    for (index, line) in lines.enumerated() {
      let origin = SLOOrigin(name: name, line: index + 1)
      let lineText = String(line)
      do {
        if let rule = try parseLine(lineText, origin: origin) { rules.append(rule) }
      } catch {
        errors.append(error)
      }
    }
    return (rules, errors)
  }

  /// One rule, or nil for a blank or comment line.
  static func parseLine(_ line: String, origin: SLOOrigin) throws(SLODiagnostic) -> SLORule? {
    var scanner = RuleScanner(Array(line), origin: origin, lineText: line)
    scanner.dropComment()
    scanner.skipSpaces()
    guard !scanner.atEnd else { return nil }

    let (scope, scopeSpan) = try scanner.scope()
    scanner.skipSpaces()
    let metric = try scanner.metric(scope: scope)
    scanner.skipSpaces()
    let comparison = try scanner.comparison(after: metric.name)
    scanner.skipSpaces()
    let (threshold, thresholdText) = try scanner.threshold(for: metric, after: comparison)
    scanner.skipSpaces()
    if !scanner.atEnd {
      let rest = scanner.rest
      throw scanner.error(at: scanner.position, length: rest.count, "unexpected '\(String(rest))' after the threshold")
    }
    return SLORule(
      text: scanner.ruleText, lineText: line, origin: origin, scope: scope, metric: metric, comparison: comparison, threshold: threshold,
      thresholdText: thresholdText, scopeSpan: scopeSpan)
  }
}

/// A cursor over one rule line, in characters (columns are what a user counts).
private struct RuleScanner {
  var characters: [Character]
  var position = 0
  let origin: SLOOrigin
  let lineText: String

  init(_ characters: [Character], origin: SLOOrigin, lineText: String) {
    self.characters = characters
    self.origin = origin
    self.lineText = lineText
  }

  var atEnd: Bool { position >= characters.count }
  var rest: ArraySlice<Character> { characters[position...] }
  var ruleText: String { String(characters).trimmingSpaces }

  func error(at index: Int, length: Int, _ message: String) -> SLODiagnostic {
    SLODiagnostic(origin: origin, column: index + 1, length: length, message: message, lineText: lineText)
  }

  /// Cuts the line at the first `#` outside a quoted glob.
  mutating func dropComment() {
    var quoted = false
    for (index, character) in characters.enumerated() {
      if character == "\"" { quoted.toggle() }
      if character == "#" && !quoted {
        characters.removeSubrange(index...)
        return
      }
    }
  }

  mutating func skipSpaces() {
    while position < characters.count && characters[position].isWhitespace { position += 1 }
  }

  /// Characters while `accept` holds, and where they started.
  mutating func take(while accept: (Character) -> Bool) -> (String, Int) {
    let start = position
    while position < characters.count && accept(characters[position]) { position += 1 }
    return (String(characters[start..<position]), start)
  }

  /// `lock:GLOB`, `agent:GLOB` (the glob may be quoted to hold spaces), or no scope.
  mutating func scope() throws(SLODiagnostic) -> (SLOScope, (column: Int, length: Int)?) {
    let start = position
    var end = position
    while end < characters.count && !characters[end].isWhitespace { end += 1 }
    guard let colon = characters[start..<end].firstIndex(of: ":") else { return (.overall, nil) }
    let prefix = String(characters[start..<colon])
    let kinds = ["lock", "agent", "family", "site"]
    guard kinds.contains(prefix) else {
      let hint =
        NearMiss.closest(to: prefix, among: kinds).map { "; did you mean '\($0):'?" }
        ?? "; a scope is lock:GLOB, agent:GLOB, family:GLOB or site:GLOB"
      throw error(at: start, length: colon - start + 1, "unknown scope '\(prefix):'\(hint)")
    }
    position = colon + 1
    let globStart = position
    var pattern: String
    if position < characters.count && characters[position] == "\"" {
      guard let close = characters[(position + 1)...].firstIndex(of: "\"") else {
        throw error(at: position, length: characters.count - position, "unclosed '\"' in the \(prefix) glob")
      }
      pattern = String(characters[(position + 1)..<close])
      position = close + 1
    } else {
      (pattern, _) = take { !$0.isWhitespace }
    }
    let span = (column: globStart + 1, length: position - globStart)
    guard !pattern.isEmpty else {
      throw error(
        at: start, length: position - start,
        "'\(prefix):' needs a glob, such as \(prefix):\(["lock": "db/*", "agent": "worker-*", "family": "job:*", "site": "*billing*"][prefix] ?? "*")"
      )
    }
    let glob = Glob(pattern)
    if let problem = glob.syntaxError {
      throw error(at: globStart, length: span.length, "\(problem) in the glob '\(pattern)'")
    }
    let scope: SLOScope =
      switch prefix {
      case "lock": .lock(glob)
      case "agent": .agent(glob)
      case "family": .family(glob)
      default: .site(glob)
      }
    return (scope, span)
  }

  mutating func metric(scope: SLOScope) throws(SLODiagnostic) -> SLOMetric {
    let (name, start) = take { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }
    guard !name.isEmpty else {
      throw error(at: start, length: 1, "expected a metric, such as wait.p95 or deadlocks")
    }
    guard let metric = SLOMetric.named(name) else {
      let names = SLOMetric.all.flatMap { [$0.name] + $0.aliases }
      let hint =
        NearMiss.closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? "; 'lockscope check --help' lists the metrics"
      throw error(at: start, length: name.count, "unknown metric '\(name)'\(hint)")
    }
    guard metric.allows(scope.kind) else {
      let message: String
      switch scope.kind {
      case .family: message = "\(metric.name) is counted over the whole log only; drop the family: scope"
      case .site:
        message =
          metric.allows(.lock)
          ? "\(metric.name) counts findings, which sites do not have; use a lock: or family: scope"
          : "\(metric.name) is counted over the whole log only; drop the site: scope"
      case .overall: message = "\(metric.name) needs a scope"
      case .lock: message = "\(metric.name) is counted over the whole log only; drop the lock: scope"
      case .agent:
        message =
          metric.scopes.contains(.lock)
          ? "\(metric.name) is counted per lock, not per agent; use a lock: scope or none"
          : "\(metric.name) is counted over the whole log only; drop the agent: scope"
      }
      throw error(at: start, length: name.count, message)
    }
    return metric
  }

  mutating func comparison(after metric: String) throws(SLODiagnostic) -> SLOComparison {
    let (text, start) = take { "<>=!".contains($0) }
    guard !text.isEmpty else {
      throw error(at: start, length: 1, "expected an operator (<, <=, >, >=, ==, !=) after '\(metric)'")
    }
    if let comparison = SLOComparison(rawValue: text) { return comparison }
    let fixes = ["=": "==", "=<": "<=", "=>": ">=", "<>": "!=", "===": "==", "=!": "!="]
    let hint = fixes[text].map { "; did you mean '\($0)'?" } ?? "; use <, <=, >, >=, == or !="
    throw error(at: start, length: text.count, "unknown operator '\(text)'\(hint)")
  }

  /// A number and the unit the metric needs: a time unit for durations, `%` (or a
  /// fraction) for shares, nothing for counts.
  mutating func threshold(for metric: SLOMetric, after comparison: SLOComparison) throws(SLODiagnostic) -> (Double, String) {
    if position < characters.count && characters[position] == "-" {
      throw error(at: position, length: 1, "a threshold cannot be negative")
    }
    var (number, start) = take { $0.isASCII && ($0.isNumber || $0 == ".") }
    number += exponent()
    guard !number.isEmpty, let value = Double(number), number.first != "." else {
      let shown = number.isEmpty ? (atEnd ? "" : " '\(String(rest.prefix { !$0.isWhitespace }))'") : " '\(number)'"
      throw error(
        at: start, length: max(1, number.count),
        "expected a threshold\(shown.isEmpty ? "" : ", not\(shown),") after '\(comparison.rawValue)', such as \(example(metric))")
    }
    skipSpaces()
    let (unit, unitStart) = take { !$0.isWhitespace }
    let written = unit.isEmpty ? number : number + unit
    let fault = unit.isEmpty ? (start, number.count) : (unitStart, unit.count)
    func mistake(_ message: String) -> SLODiagnostic { error(at: fault.0, length: fault.1, message) }
    let timeUnits = DurationText.units.map(\.0)

    switch metric.quantity {
    case .duration:
      if unit.isEmpty {
        guard value == 0 else {
          throw mistake("\(metric.name) is a duration: give the threshold a time unit (ns, us, ms, s, m, h), such as \(number)ms")
        }
        return (0, written)
      }
      if unit == "%" {
        throw mistake("\(metric.name) is a duration, not a share: give the threshold a time unit (ns, us, ms, s, m, h)")
      }
      guard timeUnits.contains(unit) else { throw mistake("unknown time unit '\(unit)'; use ns, us, ms, s, m or h") }
      switch DurationText.read(number + unit) {
      case .success(let nanos): return (Double(nanos), written)
      case .failure(.tooLong):
        throw error(
          at: start, length: number.count + unit.count,
          "'\(written)' is longer than lockscope can count: at most \(DurationText.maximumText)")
      case .failure:
        throw error(at: start, length: number.count, "expected a number before '\(unit)', not '\(number)'")
      }
    case .ratio:
      if unit == "%" {
        guard value <= 100 else { throw error(at: start, length: number.count + 1, "\(metric.name) is a share: at most 100%") }
        return (value / 100, written)
      }
      if unit.isEmpty {
        guard value <= 1 else {
          throw mistake("\(metric.name) is a share: write \(number)% or a fraction from 0 to 1, not \(number)")
        }
        return (value, written)
      }
      if timeUnits.contains(unit) {
        throw mistake("\(metric.name) is a share, not a duration: write a percentage, such as 10%")
      }
      throw mistake("unknown unit '\(unit)' for a share; write a percentage, such as 10%")
    case .count, .number:
      guard unit.isEmpty else {
        throw mistake(
          "\(metric.name) is \(metric.quantity == .count ? "a count" : "a plain number"): the threshold takes no unit, not '\(unit)'")
      }
      return (value, written)
    }
  }

  /// `e3`, `E-2`, `e+6` after a threshold's digits (as `1e3ms` is read on the command
  /// line); nothing, and the position kept, when what follows is not one.
  mutating func exponent() -> String {
    guard position < characters.count, characters[position] == "e" || characters[position] == "E" else { return "" }
    var end = position + 1
    if end < characters.count && (characters[end] == "+" || characters[end] == "-") { end += 1 }
    let digitsStart = end
    while end < characters.count && characters[end].isASCII && characters[end].isNumber { end += 1 }
    guard end > digitsStart else { return "" }
    defer { position = end }
    return String(characters[position..<end])
  }

  private func example(_ metric: SLOMetric) -> String {
    switch metric.quantity {
    case .duration: "10ms"
    case .ratio: "10%"
    case .count, .number: "0"
    }
  }
}

extension String {
  var trimmingSpaces: String {
    String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
