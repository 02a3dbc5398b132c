/// Names and messages from the log, made safe to print as text: a lock or agent name is any
/// string the log holds, and printed raw a newline in it forges a report line and an ESC
/// starts a terminal escape sequence. Every text output (report, check, timeline, Gantt
/// chart, watch, whatif, warnings) prints log-controlled strings through `escaped`.
/// JSON, Markdown, JUnit, Prometheus and GitHub annotations have their own escaping.
enum TerminalText {
  /// `text` with each control character written as a visible escape: `\n`, `\r`, `\t`,
  /// and `\u{1b}` (lowercase hex, Swift's spelling) for the rest of C0, DEL, C1
  /// (U+0080–U+009F), the bidirectional formatting characters (U+061C, U+200E, U+200F,
  /// U+202A–U+202E, U+2066–U+2069: "Trojan Source" reordering) and the line and
  /// paragraph separators U+2028, U+2029. Everything else, `\` included, is kept as is.
  /// Escape before measuring: column widths count the escaped text.
  static func escaped(_ text: String) -> String {
    // Names and messages are almost always clean: printable ASCII is found a word at a
    // time; only a string with other bytes is scanned by scalar. No copy either way.
    guard !isPrintableASCII(text), text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where needsEscape(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Whether every byte of `text` is printable ASCII (0x20 through 0x7E): nothing to
  /// escape. Eight bytes at a time: a word fails on a byte below 0x20, DEL, or one with its
  /// high bit set (UTF-8 beyond ASCII, which the scalar scan then decides).
  static func isPrintableASCII(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { utf8 in
      guard let base = utf8.baseAddress else { return true }
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highs = ones &* 0x80
      var index = 0
      while utf8.count - index >= 8 {
        let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
        let deletes = word ^ (ones &* 0x7F)
        // A byte below 0x20, or a zero byte where DEL was (exact for "is there one").
        let low = (word &- ones &* 0x20) & ~word
        let del = (deletes &- ones) & ~deletes
        if (word | low | del) & highs != 0 { return false }
        index += 8
      }
      while index < utf8.count {
        if utf8[index] < 0x20 || utf8[index] >= 0x7F { return false }
        index += 1
      }
      return true
    }
  }

  /// Whether `scalar` is one `escaped` rewrites.
  @inline(__always)
  static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: true
    case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
    default: false
    }
  }
}

extension Finding {
  /// The finding with every string from the log escaped for a terminal.
  var terminalSafe: Finding {
    var finding = self
    finding.locks = locks.map(TerminalText.escaped)
    finding.agents = agents.map(TerminalText.escaped)
    finding.source = TerminalText.escaped(source)
    finding.message = TerminalText.escaped(message)
    finding.remedy = TerminalText.escaped(remedy)
    finding.details = details.map { ($0.key, $0.value.terminalSafe) }
    return finding
  }
}

extension JSONValue {
  var terminalSafe: JSONValue {
    switch self {
    case .string(let text): .string(TerminalText.escaped(text))
    case .array(let values): .array(values.map(\.terminalSafe))
    case .object(let pairs): .object(pairs.map { ($0.0, $0.1.terminalSafe) })
    default: self
    }
  }
}

extension Report {
  /// The report with every string from the log (names, inputs, findings, skipped lines)
  /// escaped for a terminal: what the text renderers print.
  var terminalSafe: Report {
    var report = self
    report.summary.inputs = summary.inputs.map(TerminalText.escaped)
    report.summary.outOfOrder = summary.outOfOrder.map { (TerminalText.escaped($0.input), $0.events, $0.worstSkew) }
    report.locks = locks.terminalSafe
    report.agents = agents.terminalSafe
    report.findings = findings.map(\.terminalSafe)
    report.skipped = skipped.map { entry in
      var entry = entry
      entry.input = TerminalText.escaped(entry.input)
      entry.reason = TerminalText.escaped(entry.reason)
      return entry
    }
    return report
  }
}

extension MetricsRow {
  var terminalSafe: MetricsRow {
    var row = self
    row.name = name.map(TerminalText.escaped)
    return row
  }
}
