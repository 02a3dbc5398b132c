import Foundation

/// What `watch` needs beyond the shared analysis options.
struct WatchOptions: Sendable {
  /// `--follow`: files are followed like `tail -F` instead of read to their end.
  var follow = false
  /// `--interval`: how often the live summary is printed (wall clock).
  var interval: Int64 = 10_000_000_000
  var thresholds = LiveAlerts.Thresholds()
  var format: WatchFormat = .text

  init() {}
}

/// The formats `watch --format` accepts.
enum WatchFormat: String, CaseIterable, Sendable {
  case text, json
}

/// `lockscope watch`: the report's pass over a stream that is still being written. Events
/// are applied as their lines become readable; alerts go out at once; the log's clock runs
/// on between events; the report comes at the end of the input or on Ctrl-C.
enum WatchCommand {
  /// How long the loop sleeps when no input has anything: the bound on an alert's delay
  /// for a followed file (pipes wake it at once), and the cadence of the quiet-time scan.
  static let pollMillis: Int32 = 20
  /// Events applied before the loop looks at the clock and the other inputs again.
  static let batch = 4096
  /// How far the log's clock moves between two checks of the open holds while reading.
  static let scanStep: Int64 = 10_000_000

  static func run(
    paths: [String], analysis: AnalysisOptions, watch: WatchOptions, top: Int, style: TerminalStyle, io: ConsoleIO
  ) -> Int32 {
    let notice = { (line: String) in
      try? io.err.write(TerminalText.escaped(line) + "\n")
      try? io.err.flush()
    }
    var sources: [ByteSource] = []
    do {
      for path in paths.isEmpty ? ["-"] : paths {
        if path.hasSuffix(".gz") {
          sources.append(try GzipSource(path: path))  // an archive is read, not followed
        } else if watch.follow && path != "-" {
          sources.append(try FollowedFile(path: path, notice: notice))
        } else {
          sources.append(try LivePipe(path: path))
        }
      }
    } catch {
      notice("lockscope: \(error.message)")
      return LockscopeCLI.ExitStatus.failure
    }
    let output = LiveOutput(sink: io.out, format: watch.format == .json ? .json : .text, style: style)
    InterruptSignal.install()
    defer { InterruptSignal.uninstall() }
    do {
      let outcome = try LogAnalysis.run(
        sources: sources, options: analysis, warn: notice,
        observe: { analyzers, context in
          ObserverPair(
            analyzers,
            ObserverPair(LiveAlerts(context, thresholds: watch.thresholds, raise: output.alert), IntervalSummary(context)))
        },
        analyzers: { $0.first },
        drive: { streams, engine throws(InputError) in
          try follow(streams, into: engine, output: output, interval: watch.interval, top: top, style: style)
        })
      output.final(outcome.report, top: top)
    } catch {
      notice("lockscope: \(error.message)")
      return LockscopeCLI.ExitStatus.failure
    }
    return LockscopeCLI.ExitStatus.success
  }

  /// The live loop: drain what every input has, let the clock run, sleep until more comes.
  private static func follow(
    _ streams: [EventStream], into engine: TimelineEngine<WatchObservers>,
    output: LiveOutput, interval: Int64, top: Int, style: TerminalStyle
  ) throws(InputError) {
    var clock = LogClock()
    var nextSummary = LogClock.wallNanos() + interval
    // A backlog is read faster than it was written: holds are also checked as its events
    // move the clock, so one that was long while it lasted is announced even if it ended
    // within the same read.
    var nextScan = Int64.min
    while !InterruptSignal.requested && !output.isBroken {
      var applied = 0
      for stream in streams where !stream.isFinished {
        var count = 0
        while count < batch, let event = try stream.next() {
          // Before the event: a release at 3 s still finds the hold it ends open.
          if event.time >= nextScan && engine.firstTime != nil {
            engine.observer.scanAlerts(now: event.time, locks: engine.locks)
            nextScan = event.time &+ scanStep
          }
          engine.apply(event)
          count += 1
        }
        applied += count
      }
      if applied > 0 && engine.firstTime != nil { clock.eventApplied(at: engine.lastTime) }
      if let now = clock.now {
        engine.observer.scanAlerts(now: now, locks: engine.locks)
        if LogClock.wallNanos() >= nextSummary {
          output.show(summary: engine.observer.takeSummary(now: now, interval: interval, top: top, locks: engine.locks, style: style))
          nextSummary = LogClock.wallNanos() + interval
        }
      }
      if streams.allSatisfy(\.isFinished) { return }
      if applied == 0 { waitForInput(streams) }
    }
  }

  /// Sleeps until a pipe has bytes or `pollMillis` passes (files cannot be polled: they are
  /// always "readable", so they are simply looked at again).
  private static func waitForInput(_ streams: [EventStream]) {
    var pipes = streams.filter { !$0.isFinished && $0.reader.source is LivePipe }.map {
      pollfd(fd: $0.reader.source.fd, events: Int16(POLLIN), revents: 0)
    }
    _ = poll(&pipes, nfds_t(pipes.count), pollMillis)
  }
}

/// What `watch` feeds from one pass: the analyzers (for the final report), the alerts and
/// the interval summaries.
typealias WatchObservers = ObserverPair<Analyzers, ObserverPair<LiveAlerts, IntervalSummary>>

extension ObserverPair where First == Analyzers, Second == ObserverPair<LiveAlerts, IntervalSummary> {
  /// Checks the open holds and queues against the alert thresholds at `now`.
  mutating func scanAlerts(now: Int64, locks: LockTable) {
    second.first.scan(now: now, locks: locks)
  }

  /// The summary of the interval that ends at `now`.
  mutating func takeSummary(now: Int64, interval: Int64, top: Int, locks: LockTable, style: TerminalStyle) -> [String] {
    second.second.take(now: now, interval: interval, top: top, locks: locks, style: style)
  }
}
