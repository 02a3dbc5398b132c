import Foundation

/// `--suppress FILE`: lock-order cycles the user has reviewed and accepts.
///
/// One cycle a line, its locks as names or globs separated by spaces or `->`/`→`, in any
/// rotation; `#` starts a comment. A cycle is silenced when it has as many locks as the line
/// and each lock matches one of the line's globs.
public enum SuppressionFile {
  public static func read(_ path: String) throws(InputError) -> [[Glob]] {
    parse(try ByteSource.readText(path))
  }

  public static func parse(_ text: String) -> [[Glob]] {
    // "\r\n" is one Character in Swift: split on both, or a CRLF file is one long line.
    text.split { $0 == "\n" || $0 == "\r\n" }.compactMap { line in
      let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let names = content.replacingOccurrences(of: "->", with: " ").replacingOccurrences(of: "→", with: " ")
        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      return names.isEmpty ? nil : names.map { Glob(String($0)) }
    }
  }
}
