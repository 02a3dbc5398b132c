import Foundation
import Testing

@testable import LockscopeCore

@Suite("Compressed logs and reading progress")
struct CompressedInputTests {
  /// The report's numbers without the input names (which differ by file).
  func numbers(_ report: Report) -> [String] {
    ([report.overall] + report.locks + report.agents).map {
      "\($0.name ?? "overall") \($0.attempts) \($0.acquisitions) \($0.wait) \($0.hold) \($0.waitTotalNanos) \($0.causedWaitNanos)"
    }
  }

  @Test("a .gz log gives the same report as the plain log, line numbers included")
  func sameAsPlain() throws {
    let plain = try LogAnalysis.run(paths: [fixture("serialized-workers.jsonl")], options: AnalysisOptions()) { _ in }
    let packed = try LogAnalysis.run(paths: [fixture("compressed/serialized-workers.jsonl.gz")], options: AnalysisOptions()) { _ in }
    #expect(packed.summary.events == 60)
    #expect(numbers(packed) == numbers(plain))
    #expect(
      packed.findings.map(\.source)
        == plain.findings.map {
          $0.source.replacingOccurrences(of: "serialized-workers.jsonl", with: "compressed/serialized-workers.jsonl.gz")
        })
  }

  @Test("two gzip members one after another (cat a.gz b.gz) are read as one log")
  func concatenatedMembers() throws {
    let report = try LogAnalysis.run(paths: [fixture("compressed/two-members.jsonl.gz")], options: AnalysisOptions()) { _ in }
    #expect(report.summary.events == 120)
    #expect(report.lock("llm:global")?.acquisitions == 20)
    #expect(report.lock("results:global")?.acquisitions == 20)
  }

  @Test("a corrupt archive and a cut-off archive: exit 2 with one line each; a .gz name on plain text is read as text")
  func badArchives() {
    let corrupt = runCLI([fixture("compressed/corrupt.jsonl.gz")])
    #expect(corrupt.status == 2)
    #expect(corrupt.err.hasSuffix("corrupt.jsonl.gz': not a valid gzip archive (invalid distance too far back)\n"), "\(corrupt.err)")
    #expect(corrupt.out.isEmpty)
    let cut = runCLI([fixture("compressed/cut-off.jsonl.gz")])
    #expect(cut.status == 2)
    #expect(cut.err.hasSuffix("cut-off.jsonl.gz': the compressed data ends early (a cut-off gzip archive)\n"), "\(cut.err)")
    // Recognised by its first bytes, not its name (SPEC §1): this is a plain log with one bad line.
    let plainText = runCLI([temporaryFile("{}\n", name: "not-really.jsonl.gz")])
    #expect(plainText.status == 2)
    #expect(plainText.err.contains("not-really.jsonl.gz:1: missing field \"ts\""), "\(plainText.err)")
    #expect(corrupt.err.split(separator: "\n").count == 1 && cut.err.split(separator: "\n").count == 1)
  }

  @Test("an empty .gz file is an empty log, as an empty plain file is")
  func emptyArchive() throws {
    let report = try LogAnalysis.run(paths: [temporaryFile("", name: "empty.jsonl.gz")], options: AnalysisOptions()) { _ in }
    #expect(report.summary.events == 0)
  }

  @Test("progress is never shown off a terminal, nor for small inputs, nor for pipes; past 100 MB on a terminal it is")
  func progressOnlyWhenItHelps() throws {
    let small = fixture("serialized-workers.jsonl")
    // A sparse 200 MB file: its size counts, no disk is used.
    let big = scratchDirectory.path + "/lockscope-sparse-\(UUID().uuidString).jsonl"
    #expect(FileManager.default.createFile(atPath: big, contents: nil))
    #expect(truncate(big, 200 << 20) == 0)
    defer { try? FileManager.default.removeItem(atPath: big) }
    #expect(ReadProgress.forInputs([big], stderrIsTerminal: false) == nil)
    #expect(ReadProgress.forInputs([small], stderrIsTerminal: true) == nil)
    #expect(ReadProgress.forInputs(["-"], stderrIsTerminal: true) == nil)
    #expect(ReadProgress.forInputs([big, small], stderrIsTerminal: true) != nil)
  }

  @Test("the progress line: bytes of the total, rate and time left; redrawn at most 5 times a second; erased at the end")
  func progressLine() {
    var written: [String] = []
    let progress = ReadProgress(total: 4_000_000_000) { written.append($0) }
    progress.advance(by: 1_000_000_000)
    #expect(progress.line(elapsed: 2_000_000_000) == "reading 1.0 GB of 4.0 GB (25%) · 500 MB/s · 6.00s left")
    #expect(written.count == 1 && written[0].hasPrefix("\r\u{1B}[Kreading 1.0 GB of 4.0 GB (25%) · "))
    progress.advance(by: 1)  // within 200 ms of the last drawing: not redrawn
    #expect(written.count == 1)
    progress.finish()
    #expect(written.count == 2 && written[1] == "\r\u{1B}[K")
  }
}
