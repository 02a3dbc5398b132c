import Foundation

/// The C library's knobs for giving memory back, where it has them: glibc's `malloc_trim`
/// and `mallopt`, looked up at run time (the Glibc module does not import them, and other
/// C libraries have neither: there they do nothing).
enum FreedMemory {
  private typealias Trim = @convention(c) (Int) -> Int32
  private typealias Option = @convention(c) (Int32, Int32) -> Int32

  private static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
    #if os(Linux)
      // A null handle is glibc's RTLD_DEFAULT: the symbol wherever the process has it.
      guard let address = dlsym(nil, name) else { return nil }
      return unsafeBitCast(address, to: type)
    #else
      return nil
    #endif
  }

  /// Returns the pages of freed memory inside the heap to the system: after the inputs are
  /// read, the parser's and reader's freed buffers would otherwise count towards the peak
  /// while the report is built.
  static func giveBack() {
    _ = symbol("malloc_trim", as: Trim.self)?(0)
  }

  /// One malloc arena for the whole process (glibc's M_ARENA_MAX, -8): the parsing
  /// thread's batches are freed on the engine's thread, and an arena of its own kept
  /// their pages apart (some 2.5 MB more peak memory on the 256 MB bench log).
  static func useOneArena() {
    _ = symbol("mallopt", as: Option.self)?(-8, 1)
  }
}
