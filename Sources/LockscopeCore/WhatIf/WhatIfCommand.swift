/// `lockscope whatif`: read the log once with only the chosen locks analysed, keep their
/// uses per agent, replay them with the change, and print the prediction.
enum WhatIfCommand {
  /// The prediction, or a reason it cannot be made (usage or model limits: exit 2).
  static func predict(paths: [String], analysis: AnalysisOptions, change: WhatIfChange, warn: @escaping (String) -> Void)
    throws(InputError) -> Result<WhatIfPrediction, UsageError>
  {
    guard !analysis.lockGlobs.isEmpty else { return .failure(UsageError("whatif needs --lock GLOB: the lock (or locks) to change.")) }
    var options = analysis
    options.findings.enabled = false
    var names: NameTable?
    var agentNames: NameTable?
    let outcome = try LogAnalysis.run(
      paths: paths, options: options, warn: warn,
      observe: { analyzers, context in
        names = context.locks
        agentNames = context.agents
        return ObserverPair(analyzers, LockUseRecorder())
      },
      analyzers: { $0.first })
    let locks = outcome.report.locks.map { $0.name ?? "" }
    guard !locks.isEmpty, let agentNames, names != nil else {
      let globs = analysis.lockGlobs.map(\.pattern).joined(separator: ", ")
      return .failure(UsageError("no lock in the log matches --lock \(globs): nothing to replay."))
    }
    return prediction(
      from: outcome.observer.second, inputs: outcome.report.summary.inputs, locks: locks, change: change,
      agentName: { agentNames.name($0.rawValue) })
  }

  /// The prediction from uses already recorded (by this command's pass, or by a report's:
  /// `HotLockEvents` replayed), or why it cannot be made.
  static func prediction(
    from uses: LockUseRecorder, inputs: [String], locks: [String], change: WhatIfChange, agentName: (AgentID) -> String
  ) -> Result<WhatIfPrediction, UsageError> {
    if let nested = uses.nested {
      return .failure(
        UsageError(
          "'\(agentName(nested.agent))' holds two of the chosen locks at once (at \(TextReportRenderer.shortTime(nested.time))): "
            + "nested uses cannot be replayed one after the other. Choose one lock, or locks never held together."))
    }
    let start = uses.firstEvent ?? 0
    let measured = WhatIfReplay.measured(uses)
    let replayed = WhatIfReplay.run(uses, change: change, agentName: { agentName(AgentID(Int32($0))) })
    // Times are Int64 nanoseconds (1677 to 2262): a replay that runs past them, or a span
    // longer than 292 years, cannot be predicted. Said, not trapped or saturated silently.
    if replayed.overflowed || measured.end.subtractingReportingOverflow(start).overflow
      || replayed.end.subtractingReportingOverflow(start).overflow
    {
      return .failure(
        UsageError(
          "with \(change.option) the replay runs past the times lockscope can represent (Int64 nanoseconds: "
            + "292 years, up to the year 2262); choose a smaller change."))
    }
    var nothing: String?
    let subject = locks.count == 1 ? "'\(locks[0])'" : "these locks"
    // Attempts that gave up after waiting were contended too: they are replayed as logged.
    let gaveUp = uses.uses.joined().filter { $0.timedOut && $0.wait > 0 }.count
    if measured.totalWait == 0 && gaveUp > 0 {
      nothing =
        "no granted acquisition of \(subject) waited in the log, but \(gaveUp) \(gaveUp == 1 ? "attempt" : "attempts") waited and gave up "
        + "(timeout or cancel): contended, yet the replay repeats such attempts as logged, so it cannot predict what the change would save."
    } else if measured.totalWait == 0 {
      nothing = "no acquisition of \(subject) waited in the log (never contended): a narrower critical section changes no wait."
    } else if change == .sharedReads && !uses.uses.joined().contains(where: \.shared) {
      nothing = "no hold of the chosen locks is marked as a read (\"mode\":\"shared\"): there is nothing to share."
    }
    return .success(
      WhatIfPrediction(
        inputs: inputs, locks: locks, change: change, before: .init(measured, start: start),
        after: .init(nothing == nil ? replayed : measured, start: start), nothingToGain: nothing))
  }
}
