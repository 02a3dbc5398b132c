import Testing

@testable import LockscopeCore

@Suite("A finding's text keeps ids until it is named")
struct FindingTextTests {
  let names = FindingNames(
    agentName: { ["w1", "w2"][$0.index] }, lockName: { ["db", "cache"][$0.index] },
    source: { "log\($0.input).jsonl:\($0.line)" }, siteName: { $0 == 0 ? "app.py:7 save" : nil })

  @Test("quoted locks and agents, a site, a source line and plain values are named in place")
  func named() {
    let text: FindingText =
      "\(quoted: AgentID(1)) took \(quoted: LockID(0), at: 0) then \(quoted: LockID(1), at: -1) (\(source: SourceLocation(input: 2, line: 9))), \(3) times by \(agent: AgentID(0))."
    #expect(text.named(names) == "'w2' took 'db' at app.py:7 save then 'cache' (log2.jsonl:9), 3 times by w1.")
  }

  @Test("texts join and add up as strings do")
  func joined() {
    let parts: [FindingText] = ["\(quoted: LockID(0))", "\(quoted: LockID(1))"]
    var text: FindingText = "Locks: " + parts.joined(separator: ", ")
    text += "."
    #expect(text.named(names) == "Locks: 'db', 'cache'.")
    #expect(FindingText("").isEmpty && !text.isEmpty)
  }

  @Test("a text made of other texts keeps no spare room (a report holds every finding's text)")
  func exactSize() {
    let steps: [FindingText] = (Int32(0)..<12).map { "\(quoted: AgentID(0)) took \(quoted: LockID($0 % 2))" }
    let message: FindingText = "Inversion: \(steps.joined(separator: "; ")). These agents can deadlock."
    var sum = message + " More."
    sum += "\(quoted: LockID(1))"
    for text in [message, sum, steps.joined(separator: ", ")] {
      #expect(text.bytes.capacity <= text.bytes.count + 32, "\(text.bytes.count) bytes in room for \(text.bytes.capacity)")
      #expect(text.holes.capacity <= text.holes.count + 2, "\(text.holes.count) holes in room for \(text.holes.capacity)")
    }
    #expect(message.named(names).hasPrefix("Inversion: 'w1' took 'db'; 'w1' took 'cache'; "))
    #expect(message.named(names).hasSuffix("'w1' took 'cache'. These agents can deadlock."))
  }

  @Test("texts equal in words and ids are equal however they were put together")
  func equality() {
    let whole: FindingText = "\(quoted: LockID(0)) then \(agent: AgentID(1))."
    var pieces: FindingText = "'"
    pieces += "\(lock: LockID(0))' then "
    pieces += "\(agent: AgentID(1))" + "."
    #expect(pieces == whole)
    #expect(pieces != "\(quoted: LockID(1)) then \(agent: AgentID(1)).")
    #expect(pieces.named(names) == "'db' then w2.")
  }

  @Test("a source is FILE:LINE as an interpolated string writes it, ? for an input not in the list")
  func sourceText() {
    let inputs = ["a.jsonl", "logs/日志-2026.jsonl", ""]
    var generator = SystemRandomNumberGenerator()
    var lines: [Int64] = [0, 1, 9, 10, 99, 100, -1, -3, .max, .min + 1]
    for _ in 0..<200 { lines.append(Int64.random(in: 0...Int64.max, using: &generator) >> Int64.random(in: 0...62)) }
    for input in Int32(-1)...Int32(3) {
      let name = input >= 0 && Int(input) < inputs.count ? inputs[Int(input)] : "?"
      for line in lines {
        #expect(SourceLocation(input: input, line: line).text(inputNames: inputs) == "\(name):\(line)")
      }
    }
  }

  @Test("unique keeps each element's first place, for short lists and long")
  func uniqueElements() {
    var generator = SystemRandomNumberGenerator()
    for length in 0...40 {
      let list = (0..<length).map { _ in Int32.random(in: 0..<12, using: &generator) }
      var expected: [Int32] = []
      for element in list where expected.firstIndex(of: element) == nil { expected.append(element) }
      #expect(unique(list) == expected, "\(list)")
    }
  }

  @Test("a draft becomes a report finding with names, its ids kept beside them")
  func draft() {
    let draft = FindingDraft(
      kind: .orphan, severity: .warning, locks: [LockID(1)], agents: [AgentID(0), AgentID(1)], time: 5, source: nil,
      message: "\(quoted: AgentID(0)) left \(quoted: LockID(1))", remedy: "Release \(quoted: LockID(1)).")
    let finding = draft.named(names)
    #expect(finding.locks == ["cache"] && finding.agents == ["w1", "w2"] && finding.source.isEmpty)
    #expect(finding.message == "'w1' left 'cache'" && finding.remedy == "Release 'cache'.")
    #expect(finding.lockIDs == [LockID(1)] && finding.agentIDs == [AgentID(0), AgentID(1)])
  }
}
