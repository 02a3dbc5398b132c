import Foundation
import Testing

@testable import LockscopeCore

/// Summaries come from other machines: a damaged or hostile one is refused with one line
/// (SPEC §7), never trusted into a trap.
@Suite("Summary reader: hostile summaries")
struct SummaryReaderTests {
  static let valid: [UInt8] = {
    let log = [
      line(0, "request", "a", "L"), line(0.1, "acquire", "a", "L"), line(0.2, "request", "b", "L"), line(0.5, "release", "a", "L"),
      line(0.5, "acquire", "b", "L"), line(0.6, "acquire", "b", "M"), line(0.7, "release", "b", "M"), line(0.9, "crash", "b"),
    ]
    let summary = try! LogAnalysis.summarize(paths: [temporaryFile(log.joined(separator: "\n") + "\n")], options: AnalysisOptions()) { _ in }
    return SummaryWriter.bytes(summary)
  }()

  /// Reads, and when the reader accepts, merges and renders every format: nothing may trap.
  func survive(_ bytes: [UInt8]) -> SummaryError? {
    do {
      let summary = try SummaryReader.read(bytes, name: "s.json")
      let report = SummaryMerge.merge([summary, summary], names: ["s.json", "s.json"]).report
      for format in ReportFormat.allCases { _ = format.renderer(style: .plain, top: 0).render(report) }
      _ = PrometheusRenderer(histograms: true).render(report)
      return nil
    } catch {
      return error
    }
  }

  func text(_ edit: (inout String) -> Void) -> [UInt8] {
    var text = String(decoding: SummaryReaderTests.valid, as: UTF8.self)
    edit(&text)
    return Array(text.utf8)
  }

  @Test("a valid summary is read")
  func valid() {
    #expect(survive(SummaryReaderTests.valid) == nil)
  }

  @Test("every truncation is refused with one line naming the file")
  func truncations() {
    let bytes = SummaryReaderTests.valid
    for cut in stride(from: 0, to: bytes.count - 2, by: max(1, bytes.count / 97)) {
      let error = survive(Array(bytes[..<cut]))
      #expect(error != nil, "cut at \(cut)")
      #expect(error.map { $0.message.hasPrefix("s.json: ") && !$0.message.contains("\n") } ?? false)
    }
  }

  @Test("random byte changes are refused or read, never a trap")
  func mutations() {
    var random = SplitMix(seed: 2020)
    for _ in 0..<400 {
      var bytes = SummaryReaderTests.valid
      for _ in 0..<(1 + random.below(3)) {
        let position = random.below(bytes.count)
        bytes[position] = [UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "["), 0xFF, UInt8(random.below(256))][random.below(6)]
      }
      if let error = survive(bytes) { #expect(!error.message.contains("\n")) }
    }
  }

  @Test("a summary of another version is refused, saying which")
  func otherVersion() {
    let error = survive(text { $0 = $0.replacingOccurrences(of: #""version":1"#, with: #""version":2"#) })
    #expect(error?.message.contains("summary version 2") == true)
    #expect(survive(text { $0 = $0.replacingOccurrences(of: "lockscope-summary", with: "something-else") })?.message.contains("not a lockscope summary") == true)
    #expect(survive(Array("[]".utf8)) != nil)
  }

  @Test("values out of range, contradictions and deep nesting are refused")
  func hostileValues() {
    let cases: [(String, String)] = [
      (#""events":"#, #""events":-"#),
      (#""events":"#, #""events":99999999999999999999999"#),
      (#""seen_locks":"#, #""seen_locks":1e400,"x":"#),
      (#""n":2"#, #""n":3"#),
      (#""n":2"#, #""n":281474976710657"#),
      (#""wait_ns":"#, #""wait_ns":999999999999999999999999999999999999999999999"#),
      (#""first_ns":"#, #""first_ns":null,"y":"#),
      (#""findings_analyzed":true"#, #""findings_analyzed":"yes""#),
      (#""locks":["#, #""locks":[{"name":"x"},"#),
      (#""kind":"shard""#, #""kind":"galaxy""#),
    ]
    for (old, new) in cases {
      let bytes = text { $0 = $0.replacingOccurrences(of: old, with: new) }
      #expect(bytes != SummaryReaderTests.valid, "the edit \(new) applies")
      #expect(survive(bytes) != nil, "\(new) is refused")
    }
    let deep = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
    #expect(survive(deep)?.message.contains("nested too deeply") == true)
  }

  @Test("a digest whose buckets contradict its count, or lie past the last bucket, is refused")
  func hostileDigests() {
    #expect(LatencyDigest(count: 200, sum: 200, min: 1, max: 1, samples: [], buckets: [(1, 200)]) != nil)
    #expect(LatencyDigest(count: 200, sum: 200, min: 1, max: 1, samples: [], buckets: [(1, 199)]) == nil)
    #expect(LatencyDigest(count: 200, sum: 200, min: 1, max: 1, samples: [], buckets: [(1_000_000_000, 200)]) == nil)
    #expect(LatencyDigest(count: 200, sum: 200, min: 1, max: 1, samples: [], buckets: [(5, 100), (3, 100)]) == nil)
    #expect(LatencyDigest(count: 2, sum: 3, min: 1, max: 2, samples: [1, 2], buckets: []) != nil)
    #expect(LatencyDigest(count: 2, sum: 4, min: 1, max: 2, samples: [1, 2], buckets: []) == nil)
    #expect(LatencyDigest(count: 2, sum: 3, min: 2, max: 1, samples: [1, 2], buckets: []) == nil)
  }

  @Test("merge of a hostile summary exits 2 with one line on stderr")
  func mergeExitStatus() {
    let path = temporaryFile(bytes: Array(SummaryReaderTests.valid.dropLast(20)), name: "broken.summary.json")
    let result = runCLI(["merge", path])
    #expect(result.status == 2)
    #expect(result.err.split(separator: "\n").count == 1)
    #expect(result.err.hasPrefix("lockscope: \(path): not a valid summary"))
    #expect(result.out.isEmpty)
  }
}
