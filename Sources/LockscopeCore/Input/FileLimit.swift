import Foundation

/// The open-file limit: merging thousands of per-process logs keeps one descriptor per
/// input open, past the usual soft limit of 1,024. The soft limit is raised to the hard
/// one (as any process may) before many inputs are opened.
enum FileLimit {
  /// Raises the soft RLIMIT_NOFILE to the hard limit when `inputs` might not fit under it.
  static func makeRoom(for inputs: Int) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    guard rlim_t(inputs + 64) > limit.rlim_cur, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
  }
}
