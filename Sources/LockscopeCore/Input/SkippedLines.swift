/// Every line that could not be read as an event: counted, the first few shown.
final class SkippedLines {
  struct Entry: Equatable, Sendable {
    var input: String
    var line: Int64
    var reason: String
    /// `FILE:LINE: reason`, as printed on standard error.
    var description: String { "\(input):\(line): \(reason)" }
  }

  /// How many are printed as they happen.
  let shownLimit: Int
  /// Under `--strict` the first bad line is an error.
  let strict: Bool
  private(set) var count = 0
  private(set) var shown: [Entry] = []
  private let warn: (String) -> Void

  init(shownLimit: Int = 10, strict: Bool = false, warn: @escaping (String) -> Void) {
    self.shownLimit = shownLimit
    self.strict = strict
    self.warn = warn
  }

  /// Records a skipped line; under `--strict`, throws it as an input error instead.
  func record(input: String, line: Int64, reason: String) throws(InputError) {
    count += 1
    let entry = Entry(input: input, line: line, reason: reason)
    if strict { throw InputError("\(entry.description) (--strict)") }
    if shown.count < shownLimit {
      shown.append(entry)
      warn(entry.description)
    }
  }
}
