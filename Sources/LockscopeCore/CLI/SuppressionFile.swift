import Foundation

/// `--suppress FILE`: lock-order cycles the user has reviewed and accepts.
///
/// One cycle a line, its locks as names or globs separated by spaces or `->`/`→`, in any
/// rotation; `#` starts a comment. A cycle is silenced when it has as many locks as the line
/// and each lock matches one of the line's globs.
enum SuppressionFile {
  /// The cycles of the file; a glob with an unclosed `[` (or a trailing `\\`) is an error
  /// naming its line, as in SLO scopes, instead of a cycle that silently matches nothing.
  static func read(_ path: String) throws(InputError) -> [[Glob]] {
    let lines = parseLines(try ByteSource.readText(path))
    for (number, globs) in lines {
      if let bad = globs.first(where: { $0.syntaxError != nil }), let problem = bad.syntaxError {
        throw InputError("\(path):\(number): '\(bad.pattern)' is not a glob: \(problem) (write \\[ for a literal '[')")
      }
    }
    return lines.map(\.globs)
  }

  static func parse(_ text: String) -> [[Glob]] {
    parseLines(text).map(\.globs)
  }

  /// Each line with a cycle, and its line number (from 1).
  static func parseLines(_ text: String) -> [(line: Int, globs: [Glob])] {
    // "\r\n" is one Character in Swift: split on both, or a CRLF file is one long line.
    text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.enumerated().compactMap { index, line in
      let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let names = content.replacingOccurrences(of: "->", with: " ").replacingOccurrences(of: "→", with: " ")
        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      return names.isEmpty ? nil : (index + 1, names.map { Glob(String($0)) })
    }
  }
}
