/// Every line that could not be read as an event: counted, the first few shown.
public final class SkippedLines {
  public struct Entry: Equatable, Sendable {
    public var input: String
    public var line: Int64
    public var reason: String
    /// `FILE:LINE: reason`, as printed on standard error.
    public var description: String { "\(input):\(line): \(reason)" }
  }

  /// How many are printed as they happen.
  public let shownLimit: Int
  /// Under `--strict` the first bad line is an error.
  public let strict: Bool
  public private(set) var count = 0
  public private(set) var shown: [Entry] = []
  private let warn: (String) -> Void

  public init(shownLimit: Int = 10, strict: Bool = false, warn: @escaping (String) -> Void) {
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
