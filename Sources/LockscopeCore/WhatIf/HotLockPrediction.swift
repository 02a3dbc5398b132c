import Foundation

/// The hot-lock finding's remedy, with the gain a replay predicts: "capping the holds of
/// 'llm:global' at 200ms would cut total wait by 99%". The events it replays were kept
/// during the report's pass (`HotLockEvents`), standard input included; a hot lock whose
/// events did not fit that budget is replayed by a second pass over the files, with only
/// that lock analysed, when every input is a regular file (else it gets no prediction).
enum HotLockPrediction {
  /// At most this many hot locks get a replay.
  static let limit = 3
  /// A gain smaller than this is not quoted: the remedy stands on its own.
  static let quotedCut = 0.5

  static func annotate(_ report: inout Report, kept: HotLockEvents, paths: [String], analysis: AnalysisOptions) {
    guard analysis.findings.enabled else { return }
    let rereadable = !paths.isEmpty && paths.allSatisfy(isRegularFile)
    var replayed = 0
    // A lock hot because a hold was never released gains nothing from shorter holds.
    for index in report.findings.indices
    where report.findings[index].kind == .hotLock && report.findings[index].detail("cause") != .string("orphan") && replayed < limit {
      guard let lock = report.findings[index].locks.first, let row = report.locks.first(where: { $0.name == lock }) else { continue }
      replayed += 1
      // A tenth of the median hold: the state update left once the slow call moved out.
      let cap = max(1_000, row.hold.p50 / 10)
      let result: Result<WhatIfPrediction, UsageError>?
      if let id = report.findings[index].lockIDs.first, let uses = kept.recorder(for: id, options: analysis) {
        result = WhatIfCommand.prediction(
          from: uses, inputs: report.summary.inputs, locks: [lock], change: .holdCap(cap), agentName: kept.agentName)
      } else if rereadable {
        var options = analysis
        options.lockGlobs = [Glob(Glob.escaped(lock))]
        result = try? WhatIfCommand.predict(paths: paths, analysis: options, change: .holdCap(cap), warn: { _ in })
      } else {
        result = nil
      }
      guard case .success(let prediction)? = result, prediction.nothingToGain == nil, prediction.waitCut >= quotedCut
      else { continue }
      let percent = Int((prediction.waitCut * 100).rounded(.down))
      report.findings[index].remedy +=
        " Capping the holds of '\(lock)' at \(HumanDuration.human(cap)) (a tenth of the median) would cut its total wait by \(percent)%"
        + " and run \(formatFixed(prediction.speedup, decimals: 1))× faster, by a replay of this log"
        + " (lockscope whatif\(analysis.inputFormat == .otlp ? " --from otlp" : "") --lock '\(lock)' --hold-cap \(HumanDuration.human(cap).replacingOccurrences(of: " ", with: "")))."
      report.findings[index].details.append(("predicted_wait_cut", .double(prediction.waitCut)))
      report.findings[index].details.append(("predicted_speedup", .double(prediction.speedup)))
    }
  }

  private static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return path != "-" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }
}
