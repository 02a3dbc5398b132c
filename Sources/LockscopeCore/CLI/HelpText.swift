/// `--help` in the sections swift-argument-parser uses: OVERVIEW, USAGE, ARGUMENTS,
/// OPTIONS, SUBCOMMANDS; generated from the option table.
enum HelpText {
  static let width = 80
  static let labelWidth = 26

  static func usage(_ command: Command) -> String {
    "lockscope \(command.rawValue) [<options>] [<file> ...]"
  }

  static func render(_ command: Command, topLevel: Bool) -> String {
    let overview = topLevel
      ? "Make lock contention, orphaned locks and deadlocks in multi-agent systems visible, from JSON-lines lock event logs."
      : command.abstract
    var text = wrap("OVERVIEW: " + overview, hanging: 10) + "\n"
    text += "\nUSAGE: " + (topLevel ? "lockscope [<subcommand>] [<options>] [<file> ...]" : usage(command)) + "\n"
    text += "\nARGUMENTS:\n"
    text += entry("<file>", "Lock event logs, one JSON object per line. '-' or no file reads standard input. Several files are merged into one stream ordered by timestamp.")
    text += "\nOPTIONS:\n"
    for spec in OptionTable.all where spec.commands.contains(command) {
      var help = spec.help
      if let value = spec.defaultValue { help += " (default: \(value))" }
      text += entry(spec.synopsis, help)
    }
    if topLevel {
      text += "\nSUBCOMMANDS:\n"
      for command in Command.allCases {
        text += entry(command.rawValue + (command == .report ? " (default)" : ""), command.abstract)
      }
      text += "\n  See 'lockscope <subcommand> --help' for detailed help.\n"
    }
    text += "\n" + wrap("EXIT STATUS: 0 success; 2 usage error, unreadable input, or a bad line under --strict.", hanging: 13) + "\n"
    text += "See 'man lockscope' for the input format and the exact meaning of each metric.\n"
    return text
  }

  /// `  label     help…`, the help wrapped in its own column; a label too wide for the
  /// column gets a line of its own.
  private static func entry(_ label: String, _ help: String) -> String {
    let padded = "  " + label
    let lines = wrapWords(help, width: width - labelWidth)
    let indent = String(repeating: " ", count: labelWidth)
    var text = padded.count + 2 <= labelWidth
      ? padded + String(repeating: " ", count: labelWidth - padded.count) + lines[0] + "\n"
      : padded + "\n" + indent + lines[0] + "\n"
    for line in lines.dropFirst() { text += indent + line + "\n" }
    return text
  }

  /// Greedy word wrap into lines of at most `width` characters.
  static func wrapWords(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
      if !current.isEmpty && current.count + 1 + word.count > width {
        lines.append(current)
        current = String(word)
      } else {
        current += (current.isEmpty ? "" : " ") + word
      }
    }
    lines.append(current)
    return lines
  }

  /// Wraps a paragraph at `width`, continuation lines indented by `hanging` spaces.
  static func wrap(_ text: String, hanging: Int) -> String {
    let first = wrapWords(text, width: width)[0]
    let rest = wrapWords(String(text.dropFirst(first.count)), width: width - hanging).filter { !$0.isEmpty }
    let indent = String(repeating: " ", count: hanging)
    return ([first] + rest.map { indent + $0 }).joined(separator: "\n")
  }
}
