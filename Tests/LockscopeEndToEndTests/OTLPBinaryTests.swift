import Foundation
import Testing

/// `--from otlp` through the built binary: spans from a pipe, and `check` as a CI gate.
@Suite("The built binary reads OpenTelemetry spans")
struct OTLPBinaryTests {
  @Test("spans on standard input are read whole and reported")
  func standardInput() throws {
    let result = try shell(#"cat fixtures/otlp/sdk-ledger.jsonl | "$LOCKSCOPE" report --from otlp --format json -"#)
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out.contains(#""events": 17"#) && result.out.contains(#""otlp_spans_ignored": 1"#))
  }

  @Test("check --from otlp gates on the spans: the ledger's 1 timeout in 6 attempts fails 'timeout.rate < 10%'")
  func checkGate() throws {
    let failing = try shell(#""$LOCKSCOPE" check --from otlp --rule 'timeout.rate < 10%' fixtures/otlp/sdk-ledger.jsonl"#)
    #expect(failing.status == 1)
    let passing = try shell(#""$LOCKSCOPE" check --from otlp --rule 'wait.max <= 600ms' fixtures/otlp/sdk-ledger.jsonl"#)
    #expect(passing.status == 0, "\(passing.out)\(passing.err)")
  }

  @Test("a bad OTLP line is reported as FILE:LINE: reason on stderr")
  func badLine() throws {
    let result = try shell(#""$LOCKSCOPE" report --from otlp fixtures/otlp/edge-cases.jsonl > /dev/null"#)
    #expect(result.status == 0)
    #expect(result.err.contains("fixtures/otlp/edge-cases.jsonl:3: unexpected end of line inside an object"))
  }
}
