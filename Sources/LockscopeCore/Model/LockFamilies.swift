/// `--family GLOB` (repeatable) and `--family auto` (SPEC §2 lock families): which family
/// a lock belongs to, worked out from its name alone. A lock in several families' globs
/// belongs to the first; under `auto`, a lock whose name has variable parts (UUIDs,
/// hexadecimal runs of 8 or more with a digit, decimal runs of 4 or more digits) belongs to
/// the family named by the name with them replaced by `*`.
struct LockFamilies: Sendable {
  var globs: [Glob] = []
  var auto = false

  init(globs: [Glob] = [], auto: Bool = false) {
    self.globs = globs
    self.auto = auto
  }

  /// No `--family` was given.
  var isEmpty: Bool { globs.isEmpty && !auto }

  /// The family of the lock named `name`, or nil. Globs given by name come first.
  func family(of name: ArraySlice<UInt8>) -> String? {
    if let glob = globs.first(where: { $0.matches(name) }) { return glob.pattern }
    guard auto else { return nil }
    let pattern = PerKeyNames.pattern(name, shortestDecimalRun: 4)
    return pattern.elementsEqual(name) ? nil : String(decoding: pattern, as: UTF8.self)
  }
}
