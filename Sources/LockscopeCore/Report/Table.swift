/// A text table: a header row, columns padded to their widest cell, numbers aligned right
/// (as lockstat and bcc print them), two spaces between columns.
struct Table {
  enum Alignment { case left, right }
  struct Column {
    var title: String
    var alignment: Alignment
  }

  var columns: [Column]
  var rows: [[String]] = []

  init(_ columns: [(String, Alignment)]) {
    self.columns = columns.map { Column(title: $0.0, alignment: $0.1) }
  }

  mutating func add(_ cells: [String]) { rows.append(cells) }

  func render(style: TerminalStyle, indent: String = "") -> String {
    var widths = columns.map { $0.title.count }
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      var parts: [String] = []
      for (index, cell) in cells.enumerated() {
        let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
        let last = index == cells.count - 1
        switch columns[index].alignment {
        case .left: parts.append(last ? cell : cell + padding)
        case .right: parts.append(padding + cell)
        }
      }
      // An empty last cell would leave padding behind: no trailing blanks.
      var line = indent + parts.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      return line
    }
    var text = style.bold(line(columns.map(\.title))) + "\n"
    for row in rows { text += line(row) + "\n" }
    return text
  }

  /// Shortens a long name in the middle so columns stay readable; its control characters
  /// escaped first (`TerminalText`), so the width counts what the terminal shows.
  static func fit(_ name: String, _ width: Int = 40) -> String {
    let name = TerminalText.escaped(name)
    guard name.count > width else { return name }
    let head = (width - 1) / 2
    return String(name.prefix(head)) + "…" + String(name.suffix(width - 1 - head))
  }
}
