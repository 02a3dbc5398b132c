import Foundation

/// The log's clock for `watch`: the time of the latest event, moved on by the wall clock
/// while the stream is quiet — so a hold is seen growing ("held 30s and counting") even when
/// nothing more arrives. Reading a backlog faster than real time, the events set the pace.
struct LogClock {
  private var latestEvent: Int64?
  private var wallAtLatestEvent: Int64 = 0

  /// An event at `time` was applied (the engine's time: never earlier than before).
  mutating func eventApplied(at time: Int64) {
    latestEvent = time
    wallAtLatestEvent = LogClock.wallNanos()
  }

  /// Now on the log's clock; nil before the first event.
  var now: Int64? {
    latestEvent.map { $0 &+ max(0, LogClock.wallNanos() - wallAtLatestEvent) }
  }

  /// Monotonic nanoseconds (never jumps with the system time).
  static func wallNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }
}
