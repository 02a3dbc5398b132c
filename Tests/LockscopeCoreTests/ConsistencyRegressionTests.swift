import Foundation
import Testing

@testable import LockscopeCore

/// Issue 13, item 12 (the parts outside Input/ and Parse/): places where one spelling was
/// read one way here and another way there, or a mistake was accepted in silence.
@Suite("Consistency regressions")
struct ConsistencyRegressionTests {
  static let log = [
    line(0, "acquire", "a", "L"), line(1, "request", "b", "L"), line(2, "release", "a", "L"), line(2, "acquire", "b", "L"),
    line(3, "release", "b", "L"),
  ].joined(separator: "\n") + "\n"

  func threshold(_ text: String) -> Double? {
    let parsed = SLOParser.parse(text, name: "t.slo")
    return parsed.errors.isEmpty ? parsed.rules.first?.threshold : nil
  }

  @Test("'99999999999999h' is too long, not an 'unknown time unit', in SLO rules")
  func hugeDurationInRuleIsTooLong() {
    let parsed = SLOParser.parse("wait.p99 < 99999999999999h\n", name: "t.slo")
    #expect(parsed.errors.count == 1)
    #expect(parsed.errors.first?.message == "'99999999999999h' is longer than lockscope can count: at most 2562047h")
    #expect(threshold("wait.p99 < 2562047h") == Double(2_562_047 * 3_600_000_000_000))
  }

  @Test("'1e3ms' is read in SLO rules as on the command line")
  func exponentInRuleThreshold() {
    #expect(threshold("wait.p99 < 1e3ms") == 1e9)
    #expect(threshold("wait.p99 < 2.5E-1s") == 2.5e8)
    #expect(threshold("contention.rate < 1e1%") == 0.1)
    #expect(threshold("deadlocks <= 1e2") == 100)
    #expect(DurationText.parse("1e3ms") == 1_000_000_000)
    // An 'e' that starts no exponent is still a unit mistake.
    #expect(threshold("wait.p99 < 1ems") == nil)
    let result = runCLI(["check", "--rule", "wait.p99 < 1e3ms", temporaryFile(Self.log)])
    #expect(result.status == 1)  // measured 1 s, not < 1 s
    #expect(result.out.contains("< 1e3ms"))
  }

  @Test("a UTF-8 BOM at the start of an SLO file is skipped, as at the start of a log")
  func byteOrderMarkInSLOFile() {
    let parsed = SLOParser.parse("\u{FEFF}wait.p99 < 2s\n", name: "t.slo")
    #expect(parsed.errors.isEmpty)
    #expect(parsed.rules.first?.text == "wait.p99 < 2s")
    let path = temporaryFile(bytes: [0xEF, 0xBB, 0xBF] + Array("wait.p99 < 2s\r\norphans == 0\r\n".utf8), name: "gate.slo")
    let result = runCLI(["check", "--slo", path, temporaryFile(Self.log)])
    #expect(result.status == 0, "\(result.err)")
  }

  @Test("an unclosed '[' in --lock or --agent is a usage error, as in SLO scopes, not a glob that matches nothing")
  func unclosedBracketInLockGlob() {
    for (option, glob) in [("--lock", "db[1"), ("--agent", "w[0-9"), ("--lock", "L\\")] {
      let result = runCLI(["report", option, glob, temporaryFile(Self.log)])
      #expect(result.status == 2, "\(option) \(glob)")
      #expect(result.err.hasPrefix("Error: \(option) takes a glob (* ? [set]); '\(glob)' is not one: "), "\(result.err)")
    }
    // Closed sets and escaped brackets still work.
    #expect(runCLI(["report", "--lock", "[KL]", temporaryFile(Self.log)]).status == 0)
    #expect(runCLI(["report", "--lock", "\\[L", temporaryFile(Self.log)]).status == 0)
  }

  @Test("an unclosed '[' in a --suppress file is an error naming its line")
  func unclosedBracketInSuppressionFile() {
    let path = temporaryFile("# reviewed\nA -> B\ndb:[12 -> cache:*\n", name: "suppress.txt")
    let result = runCLI(["report", "--suppress", path, temporaryFile(Self.log)])
    #expect(result.status == 2)
    #expect(result.err == "lockscope: \(path):3: 'db:[12' is not a glob: an unclosed '[' (write \\[ for a literal '[')\n")
    #expect(SuppressionFile.parse("A -> B\n").map { $0.map(\.pattern) } == [["A", "B"]])
  }

  @Test("--since after --until is a usage error, not an empty report")
  func sinceAfterUntil() {
    let path = temporaryFile(Self.log)
    for command in ["report", "check", "timeline", "whatif"] {
      let result = runCLI([command, "--lock", "L", "--hold-scale", "0.5", "--since", at(2), "--until", at(1), path].filter {
        command == "whatif" || ($0 != "--hold-scale" && $0 != "0.5")
      })
      #expect(result.status == 2, "\(command)")
      #expect(result.err.hasPrefix("Error: --since (\(at(2))) is after --until (\(at(1))): the window would be empty."), "\(command): \(result.err)")
    }
    // Equal bounds are a window of one instant; the order given is the order meant.
    #expect(runCLI(["report", "--since", at(1), "--until", at(1), path]).status == 0)
    #expect(runCLI(["report", "--since", at(1), "--until", at(2), path]).status == 0)
  }

  @Test("conflicting --event maps are a usage error: one spelling for two kinds, or one kind spelled two ways")
  func conflictingEventMaps() {
    let path = temporaryFile(Self.log)
    for (arguments, message) in [
      (["--event", "acquire=x", "--event", "release=x"], "Error: --event: 'x' would be both acquire and release; give each event kind its own name."),
      (["--event", "acquire=release"], "Error: --event: 'release' would be both acquire and release; give each event kind its own name."),
      (["--event", "acquire=x", "--event", "acquire=y"], "Error: --event acquire is given twice, as 'x' and as 'y'; a kind has one name in a log."),
      (["--field", "ts=time", "--field", "lock=time"], "Error: --field: the key 'time' would be read as both ts and lock; give each field its own key."),
    ] {
      let result = runCLI(["report"] + arguments + [path])
      #expect(result.status == 2, "\(arguments)")
      #expect(result.err.hasPrefix(message + "\n"), "\(arguments): \(result.err)")
    }
    // A swap is no conflict, nor the same map given twice.
    let swapped = runCLI(["report", "--format", "json", "--event", "acquire=release", "--event", "release=acquire", path])
    #expect(swapped.status == 0)
    #expect(runCLI(["report", "--event", "acquire=x", "--event", "acquire=x", path]).status == 0)
  }

  @Test("whatif does not call a lock 'never contended' when its contended attempt timed out")
  func whatifTimedOutAttemptIsContention() throws {
    let log = temporaryFile(
      [
        line(0, "acquire", "a", "L"), line(1, "request", "b", "L"), line(2, "timeout", "b", "L"), line(3, "release", "a", "L"),
      ].joined(separator: "\n"))
    var options = AnalysisOptions()
    options.lockGlobs = [Glob("L")]
    let prediction = try WhatIfCommand.predict(paths: [log], analysis: options, change: .holdScale(0.1)) { _ in }.get()
    let said = try #require(prediction.nothingToGain)
    #expect(!said.contains("never contended"))
    #expect(said.contains("1 attempt waited and gave up (timeout or cancel)"))
    // A lock nobody waited for at all is still "never contended".
    let quiet = temporaryFile([line(0, "acquire", "a", "L"), line(1, "release", "a", "L")].joined(separator: "\n"))
    let none = try WhatIfCommand.predict(paths: [quiet], analysis: options, change: .holdScale(0.1)) { _ in }.get()
    #expect(none.nothingToGain?.contains("never contended") == true)
  }
}
