import Foundation

/// Progress of reading large inputs, on a terminal's standard error: bytes read of the
/// total, the rate, and the time left, redrawn on one line at most five times a second and
/// erased when reading ends. Sources report each block they read (a compressed source its
/// compressed bytes, which is what the file sizes count).
final class ReadProgress {
  /// Inputs smaller than this together read too fast for progress to help.
  static let threshold: Int64 = 100 << 20

  private let total: Int64
  private let write: (String) -> Void
  private var done: Int64 = 0
  private let started = LogClock.wallNanos()
  private var lastDrawn: Int64 = 0
  private var shown = false

  init(total: Int64, write: @escaping (String) -> Void) {
    self.total = total
    self.write = write
  }

  /// Progress for `paths` when standard error is a terminal and the regular files among
  /// them add up past the threshold; nil otherwise (pipes have no size to measure against).
  static func forInputs(_ paths: [String], stderrIsTerminal: Bool) -> ReadProgress? {
    guard stderrIsTerminal else { return nil }
    var total: Int64 = 0
    for path in paths where path != "-" {
      var info = stat()
      if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
    }
    guard total >= threshold else { return nil }
    return ReadProgress(total: total) { text in
      _ = text.withCString { Foundation.write(STDERR_FILENO, $0, strlen($0)) }
    }
  }

  func advance(by bytes: Int) {
    done += Int64(bytes)
    let now = LogClock.wallNanos()
    guard now - lastDrawn >= 200_000_000 else { return }
    lastDrawn = now
    write("\r\u{1B}[K" + line(elapsed: now - started))
    shown = true
  }

  /// `reading 1.2 GB of 4.0 GB (30%) · 310 MB/s · 9s left`
  func line(elapsed: Int64) -> String {
    let seconds = max(Double(elapsed) / 1e9, 1e-3)
    let rate = Double(done) / seconds
    var text = "reading \(Self.megabytes(done)) of \(Self.megabytes(total)) (\(done * 100 / max(total, 1))%)"
    text += " · \(Self.megabytes(Int64(rate)))/s"
    if rate > 0 && done < total {
      text += " · " + HumanDuration.human(Int64(Double(total - done) / rate * 1e9)) + " left"
    }
    return text
  }

  /// Erases the line, once reading is over.
  func finish() {
    if shown { write("\r\u{1B}[K") }
    shown = false
  }

  private static func megabytes(_ bytes: Int64) -> String {
    bytes >= 1_000_000_000 ? formatFixed(Double(bytes) / 1e9, decimals: 1) + " GB" : "\(bytes / 1_000_000) MB"
  }
}
