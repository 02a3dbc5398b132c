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
      #expect(text.parts.capacity <= text.parts.count + 4, "\(text.parts.count) parts in room for \(text.parts.capacity)")
    }
    #expect(message.named(names).hasPrefix("Inversion: 'w1' took 'db'; 'w1' took 'cache'; "))
    #expect(message.named(names).hasSuffix("'w1' took 'cache'. These agents can deadlock."))
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
