import Foundation

/// Ctrl-C (SIGINT) and SIGTERM end `watch` like the end of its input: the loop notices at
/// its next wake-up (within one poll interval) and the final report is printed.
enum InterruptSignal {
  /// Set by the signal handler; a plain word is all a handler may safely write.
  nonisolated(unsafe) private static var received: sig_atomic_t = 0

  static var requested: Bool { received != 0 }

  static func install() {
    received = 0
    for number in [SIGINT, SIGTERM] {
      signal(number) { _ in InterruptSignal.received = 1 }
    }
    // A parent may have started us with them blocked (blocked signals survive exec).
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// Back to the default: a second Ctrl-C after the final report started still stops it.
  static func uninstall() {
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }
}
