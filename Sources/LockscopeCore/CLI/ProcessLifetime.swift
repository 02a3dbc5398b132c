/// Memory left to the process's exit instead of freed. A report of a big log holds every
/// lock's and agent's digests, thousands of allocations: freeing them one by one, after the
/// last byte was written, took 2% of a run on the bench log (13 ms of 0.6 s), for memory
/// the exit gives back at once.
enum ProcessLifetime {
  /// Keeps `value` until the process exits. Only for a command whose process ends when it
  /// returns (`ConsoleIO.endsWithProcess`): in a test it would be a leak.
  static func outlive<Value>(_ value: consuming Value) {
    _ = Unmanaged.passRetained(Kept(value))
  }

  private final class Kept<Value> {
    let value: Value
    init(_ value: consuming Value) { self.value = value }
  }
}
