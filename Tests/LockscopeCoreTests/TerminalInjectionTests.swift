import Foundation
import Testing

@testable import LockscopeCore

/// Issue 13, item 11: names from the log were printed raw in the text outputs, so an agent
/// named "a\nFINDINGS none: all good" forged a report line and ESC sequences reached the
/// terminal. Every text output escapes control characters (`TerminalText`).
@Suite("Terminal injection")
struct TerminalInjectionTests {
  /// JSON spellings: a newline that forges a line, an ESC sequence, a right-to-left override.
  static let forger = #"a\nFINDINGS none: all good"#
  static let colourLock = #"\u001b[31mdb\u001b]0;pwned\u0007"#
  static let bidiAgent = #"b\u202Eevil"#

  static func entry(_ seconds: Double, _ event: String, _ agent: String, _ lock: String) -> String {
    #"{"ts":"\#(at(seconds))","event":"\#(event)","agent":"\#(agent)","lock":"\#(lock)"}"#
  }

  /// A deadlock between the forger and the bidi agent over the ESC lock and a plain one, a
  /// long hold, and a waiter: names land in tables, findings, timelines and charts.
  static var log: String {
    [
      entry(0, "acquire", forger, colourLock), entry(0.5, "acquire", bidiAgent, "plain"),
      entry(1, "request", forger, "plain"), entry(2, "request", bidiAgent, colourLock),
      entry(5, "timeout", bidiAgent, colourLock), entry(5.5, "release", bidiAgent, "plain"),
      entry(6, "acquire", forger, "plain"), entry(7, "release", forger, "plain"), entry(8, "release", forger, colourLock),
    ].joined(separator: "\n") + "\n"
  }

  /// No raw control or bidi character, and no line the log forged.
  func expectSafe(_ text: String, _ what: String, forged: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(!text.unicodeScalars.contains { TerminalText.needsEscape($0) && $0 != "\n" }, "\(what)", sourceLocation: sourceLocation)
    #expect(!forged || !text.split(separator: "\n").contains { $0.hasPrefix("FINDINGS none") }, "\(what)", sourceLocation: sourceLocation)
    #expect(!text.contains("\u{1B}"), "\(what)", sourceLocation: sourceLocation)
  }

  @Test("TerminalText escapes C0, DEL, C1 and bidi controls visibly, and keeps the rest")
  func escapes() {
    #expect(TerminalText.escaped("plain/ünï:cødé 日本") == "plain/ünï:cødé 日本")
    #expect(TerminalText.escaped("a\nb\r\nc\td") == #"a\nb\r\nc\td"#)
    #expect(TerminalText.escaped("\u{1B}[31m\u{7F}\u{85}\u{9B}\u{0}") == #"\u{1b}[31m\u{7f}\u{85}\u{9b}\u{0}"#)
    #expect(TerminalText.escaped("x\u{202E}y\u{2066}z\u{200F}") == #"x\u{202e}y\u{2066}z\u{200f}"#)
    #expect(TerminalText.escaped(#"back\slash"#) == #"back\slash"#)
  }

  /// The escaping rule scalar by scalar, with no fast path: what `escaped` must equal.
  private func escapedByScalar(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where TerminalText.needsEscape(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  @Test("the printable-ASCII word check agrees with the scalar rule: every ASCII byte at every offset, and beyond ASCII")
  func printableCheckAgreesWithScalarRule() {
    for byte in UInt8(0)...UInt8(0x7F) {
      for length in [0, 1, 7, 8, 9, 15, 16, 17, 23] {
        for offset in 0...length {
          var bytes = [UInt8](repeating: UInt8(ascii: "k"), count: length)
          bytes.insert(byte, at: offset)
          let text = String(decoding: bytes, as: UTF8.self)
          #expect(TerminalText.escaped(text) == escapedByScalar(text), "byte \(byte) at \(offset) of \(length)")
          #expect(TerminalText.isPrintableASCII(text) == (byte >= 0x20 && byte < 0x7F), "byte \(byte)")
        }
      }
    }
    for text in ["lock-é-with-more-bytes", "\u{85}\u{9B}aaaaaaaaaa", "aaaaaaaa\u{202E}", "日本語のロック名", "a\u{2028}b\u{2029}c", "\u{061C}"] {
      #expect(TerminalText.escaped(text) == escapedByScalar(text), "\(text)")
      #expect(!TerminalText.isPrintableASCII(text))
    }
  }

  @Test("an agent named 'a\\nFINDINGS none: all good' cannot forge a report line, and no ESC reaches the terminal")
  func reportForgedFindingsLine() throws {
    let path = temporaryFile(Self.log)
    let result = runCLI(["report", "--top", "0", path])
    #expect(result.status == 0)
    expectSafe(result.out, "report")
    #expect(result.out.contains(#"a\nFINDINGS none: all good"#))
    #expect(result.out.contains(#"\u{1b}[31mdb\u{1b}]0;pwned\u{7}"#))
    #expect(result.out.contains(#"b\u{202e}evil"#))
  }

  @Test("escaped names keep the report's columns aligned")
  func reportColumnsAlignWithEscapedNames() throws {
    let out = runCLI(["report", "--top", "0", temporaryFile(Self.log)]).out
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.firstIndex { $0.hasPrefix("AGENT ") })
    let acqEnd = try #require(lines[header].range(of: "ACQ")).upperBound
    let column = lines[header].distance(from: lines[header].startIndex, to: acqEnd)
    let rows = lines[(header + 1)...].prefix { !$0.isEmpty }
    #expect(rows.count == 2)
    for row in rows {
      let characters = Array(row)
      #expect(characters.count > column && characters[column - 1].isNumber && characters[column] == " ", "\(row)")
    }
  }

  @Test("check, text timeline, Gantt chart, whatif and watch escape names too")
  func otherTextOutputs() throws {
    let path = temporaryFile(Self.log)
    let runs: [[String]] = [
      ["check", "--rule", "agent:* wait.p99 < 1ms", path], ["check", path], ["timeline", path],
      ["timeline", "--gantt", path], ["whatif", "--lock", "*db*", "--hold-scale", "0.5", path], ["watch", path],
      ["check", "--format", "github", "--rule", "agent:* wait.p99 < 1ms", path],
    ]
    for arguments in runs {
      let result = runCLI(arguments)
      expectSafe(result.out, arguments.joined(separator: " "))
      expectSafe(result.err, arguments.joined(separator: " ") + " (stderr)")
      #expect(!result.out.isEmpty, "\(arguments)")
    }
    // Refused (the forger nests the two locks): the refusal names it, on one line.
    let refusal = runCLI(["whatif", "--lock", "*", "--hold-scale", "0.5", path])
    #expect(refusal.status == 2)
    expectSafe(refusal.err, "whatif refusal")
    #expect(refusal.err.split(separator: "\n").count == 1)
    let timeline = runCLI(["timeline", path]).out
    #expect(timeline.contains(#"a\nFINDINGS none: all good"#))
    #expect(runCLI(["timeline", "--gantt", path]).out.contains(#"\u{1b}[31mdb"#))
  }

  @Test("Markdown shows control characters as \\u{1b} too; JSON keeps the name exact, escaped as JSON")
  func markdownAndJSON() {
    let path = temporaryFile(Self.log)
    let markdown = runCLI(["report", "--format", "markdown", path]).out
    #expect(!markdown.contains("\u{1B}") && !markdown.contains("\u{202E}"))
    #expect(markdown.contains(#"\\u\{1b\}\[31mdb"#))
    let json = runCLI(["report", "--format", "json", path]).out
    #expect(json.contains(#""\u001B[31mdb\u001B]0;pwned\u0007""#))
  }

  @Test("a file name with an ESC sequence is escaped in bad-line warnings and the report header")
  func skippedLineWarningEscaped() {
    let path = temporaryFile("not json\n" + Self.entry(1, "acquire", "a", "L") + "\n", name: "log\u{1B}[2J.jsonl")
    let result = runCLI(["report", path])
    expectSafe(result.err, "stderr", forged: false)
    expectSafe(result.out, "report", forged: false)
    #expect(result.err.contains(#"log\u{1b}[2J.jsonl:1: "#), "\(result.err)")
    #expect(result.out.contains(#"log\u{1b}[2J.jsonl"#))
  }
}
