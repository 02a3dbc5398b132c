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
    text += "\nEXIT STATUS: 0 success, 2 usage error, unreadable input, or a bad line under --strict.\n"
    text += "See 'man lockscope' for the input format and the exact meaning of each metric.\n"
    return text
  }

  private static func entry(_ label: String, _ help: String) -> String {
    let padded = "  " + label
    if padded.count + 2 <= labelWidth {
      let first = padded + String(repeating: " ", count: labelWidth - padded.count)
      return wrap(first + help, hanging: labelWidth) + "\n"
    }
    return padded + "\n" + wrap(String(repeating: " ", count: labelWidth) + help, hanging: labelWidth) + "\n"
  }

  /// Wraps one paragraph at `width` columns. Leading spaces are kept; continuation lines
  /// are indented by `hanging` spaces.
  static func wrap(_ text: String, hanging: Int) -> String {
    let leading = text.prefix { $0 == " " }
    var lines: [String] = []
    var current = String(leading)
    var hasWord = false
    for word in text.dropFirst(leading.count).split(separator: " ") {
      if hasWord && current.count + 1 + word.count > width {
        lines.append(current)
        current = String(repeating: " ", count: hanging) + word
      } else {
        current += (hasWord && !current.hasSuffix(" ") ? " " : "") + word
      }
      hasWord = true
    }
    lines.append(current)
    return lines.joined(separator: "\n")
  }
}
