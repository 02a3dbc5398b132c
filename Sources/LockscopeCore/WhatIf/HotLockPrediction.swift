/// The hot-lock finding's remedy, with the gain a replay predicts: "capping the holds of
/// 'llm:global' at 200ms would cut total wait by 99%". The events it replays were kept
/// during the report's one reading (`HotLockEvents`), standard input included: a report
/// never reads its input twice. A hot lock whose events did not fit that budget gets the
/// `whatif` command that predicts its gain instead (that command reads the log itself).
enum HotLockPrediction {
  /// At most this many hot locks get a replay.
  static let limit = 3
  /// A gain smaller than this is not quoted: the remedy stands on its own.
  static let quotedCut = 0.5

  static func annotate(_ report: inout Report, kept: HotLockEvents, analysis: AnalysisOptions) {
    guard analysis.findings.enabled else { return }
    var replayed = 0
    // A lock hot because a hold was never released gains nothing from shorter holds.
    for index in report.findings.indices
    where report.findings[index].kind == .hotLock && report.findings[index].detail("cause") != .string("orphan") && replayed < limit {
      guard let lock = report.findings[index].locks.first, let row = report.locks.first(where: { $0.name == lock }) else { continue }
      replayed += 1
      // A tenth of the median hold: the state update left once the slow call moved out.
      let cap = max(1_000, row.hold.p50 / 10)
      let command =
        "lockscope whatif\(analysis.inputFormat == .otlp ? " --from otlp" : "") --lock '\(lock)' --hold-cap \(HumanDuration.human(cap).replacingOccurrences(of: " ", with: ""))"
      guard let id = report.findings[index].lockIDs.first, let uses = kept.recorder(for: id, options: analysis) else {
        report.findings[index].remedy +=
          " Its events were too many to keep for a replay in this report's one reading: \(command) predicts the gain of capping its holds at a tenth of the median."
        continue
      }
      let result = WhatIfCommand.prediction(
        from: uses, inputs: report.summary.inputs, locks: [lock], change: .holdCap(cap), agentName: kept.agentName)
      guard case .success(let prediction) = result, prediction.nothingToGain == nil, prediction.waitCut >= quotedCut
      else { continue }
      let percent = Int((prediction.waitCut * 100).rounded(.down))
      report.findings[index].remedy +=
        " Capping the holds of '\(lock)' at \(HumanDuration.human(cap)) (a tenth of the median) would cut its total wait by \(percent)%"
        + " and run \(formatFixed(prediction.speedup, decimals: 1))× faster, by a replay of this log (\(command))."
      report.findings[index].details.append(("predicted_wait_cut", .double(prediction.waitCut)))
      report.findings[index].details.append(("predicted_speedup", .double(prediction.speedup)))
    }
  }
}
