import Foundation
import Testing

@testable import LockscopeCore

@Suite("Reading lines")
struct LineReaderTests {
  /// All lines of `bytes` read with a small block size, so lines straddle blocks.
  func lines(_ bytes: [UInt8], maximumLineLength: Int = 64, blockSize: Int = 7) throws -> [String] {
    let reader = LineReader(source: try ByteSource(path: temporaryFile(bytes: bytes)), maximumLineLength: maximumLineLength, blockSize: blockSize)
    var result: [String] = []
    while let line = try reader.next() {
      switch line {
      case .text(let text): result.append(String(decoding: text, as: UTF8.self))
      case .overlong(let length): result.append("<overlong \(length)>")
      }
    }
    return result
  }

  @Test("lines split across small blocks come out whole, and a last line without a newline counts")
  func blocks() throws {
    #expect(try lines(Array("first line\nsecond, longer line\n\nlast".utf8)) == ["first line", "second, longer line", "", "last"])
  }

  @Test("a UTF-8 byte order mark at the start is dropped")
  func byteOrderMark() throws {
    #expect(try lines([0xEF, 0xBB, 0xBF] + Array("a\nb\n".utf8)) == ["a", "b"])
  }

  @Test("CRLF line endings leave a carriage return that JSON treats as whitespace")
  func crlf() throws {
    let text = try lines(Array("{\"ts\":1,\"event\":\"release\",\"agent\":\"a\",\"lock\":\"L\"}\r\nx\r\n".utf8))
    #expect(text.count == 2)
    #expect(try parseLine(text[0]).get()?.kind == .release)
  }

  @Test("a line over the limit is skipped with its length, with bounded memory, and reading goes on")
  func overlong() throws {
    let long = String(repeating: "x", count: 1000)
    #expect(try lines(Array("ok\n\(long)\nafter\n".utf8)) == ["ok", "<overlong 1000>", "after"])
    #expect(try lines(Array("ok\n\(long)".utf8)) == ["ok", "<overlong 1000>"])
  }

  @Test("line numbers count every line, good or not")
  func lineNumbers() throws {
    let log = [line(0, "acquire", "a", "L"), "garbage", "", line(1, "release", "a", "L")].joined(separator: "\n")
    var seen: [String] = []
    let report = try LogAnalysis.run(paths: [temporaryFile(log)], options: AnalysisOptions()) { seen.append($0) }
    #expect(report.summary.events == 2)
    #expect(report.summary.skippedLines == 1)
    #expect(seen.count == 1 && seen[0].hasSuffix(":2: not a JSON object (column 1)"))
  }

  @Test("a missing file and a directory are input errors with one-line messages")
  func unreadable() {
    #expect(throws: InputError("cannot read '/nonexistent/x.jsonl': No such file or directory")) {
      try ByteSource(path: "/nonexistent/x.jsonl")
    }
    #expect(throws: InputError("cannot read '/tmp': Is a directory")) { try ByteSource(path: "/tmp") }
  }
}

@Suite("Merging inputs")
struct MergeTests {
  @Test("three files merge into one stream ordered by time, ties by command-line order")
  func threeFiles() throws {
    let a = temporaryFile([line(0, "request", "a", "L"), line(0, "acquire", "a", "L"), line(2, "release", "a", "L")].joined(separator: "\n"))
    let b = temporaryFile([line(1, "request", "b", "L"), line(2, "acquire", "b", "L"), line(3, "release", "b", "L")].joined(separator: "\n"))
    let c = temporaryFile([line(2, "request", "c", "L"), line(3, "acquire", "c", "L"), line(4, "release", "c", "L")].joined(separator: "\n"))
    let report = try LogAnalysis.run(paths: [a, b, c], options: AnalysisOptions()) { _ in }
    // In merged order the hand-offs are clean: no anomaly, b waits 1s, c waits 1s.
    #expect(report.anomalyCounts.isEmpty)
    #expect(report.summary.events == 9)
    let lock = try #require(report.lock("L"))
    #expect(lock.acquisitions == 3)
    #expect(lock.wait.max == second && lock.waitTotalNanos == 2 * second)
    // At t=2 'a' releases (file 1) before 'b' acquires (file 2) and 'c' requests (file 3).
    #expect(lock.contentionRate == 2.0 / 3.0)
  }

  @Test("equal timestamps keep file order: the earlier file's release comes first")
  func stableTies() throws {
    let holder = temporaryFile([line(0, "acquire", "a", "L"), line(1, "release", "a", "L")].joined(separator: "\n"))
    let taker = temporaryFile(line(1, "acquire", "b", "L"))
    let good = try LogAnalysis.run(paths: [holder, taker], options: AnalysisOptions()) { _ in }
    #expect(good.anomalyCounts.isEmpty)
    let swapped = try LogAnalysis.run(paths: [taker, holder], options: AnalysisOptions()) { _ in }
    #expect(swapped.anomalyCounts.map(\.kind.rawValue) == ["acquire-while-held"])
  }
}
