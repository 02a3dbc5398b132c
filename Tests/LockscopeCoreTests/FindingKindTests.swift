import Foundation
import Testing

@testable import LockscopeCore

@Suite("Finding kinds")
struct FindingKindTests {
  @Test("the kinds a report counts are SPEC §5's names (and §7's possible-deadlock), most urgent first; watch's two come after")
  func spelledAsTheSpec() {
    #expect(
      FindingKind.reported.map(\.rawValue) == [
        "deadlock", "possible-deadlock", "two-holders", "fencing", "orphan", "lock-order-inversion", "hot-lock", "starvation", "long-hold", "timeout",
        "anomaly",
      ])
    #expect(FindingKind.allCases.filter { !FindingKind.reported.contains($0) } == [.longQueue, .leaseExpired])
    #expect(FindingKind.deadlock < .orphan && FindingKind.hotLock < .timeout && !(FindingKind.anomaly < .timeout))
    #expect("\(FindingKind.lockOrderInversion)" == "lock-order-inversion")  // interpolated as the report spells it
  }

  @Test("findings of one severity come in kind order, then in time order")
  func reportOrder() throws {
    // The postmortem has findings of several kinds and severities.
    let report = try LogAnalysis.run(paths: [fixture("timeline/postmortem.jsonl")], options: AnalysisOptions()) { _ in }
    for severity in [Finding.Severity.critical, .warning, .info] {
      let kinds = report.findings.filter { $0.severity == severity }.map(\.kind)
      #expect(kinds == kinds.sorted(), "\(severity): \(kinds)")
    }
    #expect(Set(report.findings.map(\.kind)).count >= 3)
  }
}
