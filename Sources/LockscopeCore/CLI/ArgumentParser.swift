import Foundation

/// Hand-written parsing of `lockscope [command] [options] [file...]` against `OptionTable`.
enum ArgumentParser {
  static func parse(_ arguments: [String]) throws(UsageError) -> CommandLineOptions {
    var options = CommandLineOptions()
    var rest = arguments[...]
    if let first = rest.first, let command = Command(rawValue: first) {
      options.command = command
      options.commandNamed = true
      rest = rest.dropFirst()
    } else if let first = rest.first, first == "help" {
      options.showHelp = true
      rest = rest.dropFirst()
      if let name = rest.first, let command = Command(rawValue: name) {
        options.command = command
        options.commandNamed = true
        rest = rest.dropFirst()
      } else if let name = rest.first, !name.hasPrefix("-") {
        throw UsageError("unknown command '\(name)'." + commandSuggestion(for: name))
      }
    } else if let first = rest.first, let message = unknownCommand(first) {
      throw UsageError(message)
    }
    var onlyPaths = false
    while let argument = rest.popFirst() {
      if onlyPaths || argument == "-" || !argument.hasPrefix("-") {
        options.paths.append(argument)
      } else if argument == "--" {
        onlyPaths = true
        options.pathSeparator = options.paths.count
      } else if argument.hasPrefix("--") {
        var name = String(argument.dropFirst(2))
        var inline: String?
        if let equals = name.firstIndex(of: "=") {
          inline = String(name[name.index(after: equals)...])
          name = String(name[..<equals])
        }
        guard let spec = OptionTable.named(name, for: options.command) else {
          if OptionTable.all.contains(where: { $0.long == name }) {
            let owners = OptionTable.all.filter { $0.long == name }.flatMap(\.commands).map(\.rawValue)
            throw UsageError("Option '--\(name)' belongs to 'lockscope \(owners[0])', not '\(options.command.rawValue)'.")
          }
          throw UsageError("Unknown option '--\(name)'." + suggestion(for: name, command: options.command))
        }
        try apply(spec, inline: inline, rest: &rest, to: &options)
      } else {
        // Short options: -h, and -f for watch; a cluster like -hf is not supported.
        let letters = Array(argument.dropFirst())
        guard letters.count == 1, let spec = OptionTable.short(letters[0], for: options.command) else {
          throw UsageError("Unknown option '\(argument)'.")
        }
        try apply(spec, inline: nil, rest: &rest, to: &options)
      }
    }
    try checkMaps(options.analysis.fieldMap)
    return options
  }

  /// `--event`/`--field` maps that read two things from one spelling cannot both hold: the
  /// later one used to win in silence. Checked after all options, so a swap
  /// (`--event acquire=release --event release=acquire`) is fine.
  static func checkMaps(_ map: FieldMap) throws(UsageError) {
    for (index, name) in map.eventNames.enumerated() {
      if let other = map.eventNames[..<index].firstIndex(of: name) {
        let kinds = EventKind.allCases
        throw UsageError(
          "--event: '\(name)' would be both \(kinds[other].name) and \(kinds[index].name); give each event kind its own name.")
      }
    }
    for (index, key) in map.keys.enumerated() {
      if let other = map.keys[..<index].firstIndex(of: key) {
        let fields = Field.allCases
        throw UsageError(
          "--field: the key '\(key)' would be read as both \(fields[other].defaultKey) and \(fields[index].defaultKey); give each field its own key."
        )
      }
    }
  }

  private static func apply(
    _ spec: OptionSpec, inline: String?, rest: inout ArraySlice<String>, to options: inout CommandLineOptions
  ) throws(UsageError) {
    guard spec.value != nil else {
      if inline != nil { throw UsageError("Option '--\(spec.long)' takes no value.") }
      try spec.apply(&options, "")
      return
    }
    if let inline {
      try spec.apply(&options, inline)
    } else if let value = rest.popFirst() {
      try spec.apply(&options, value)
    } else {
      throw UsageError("Missing value for '\(spec.synopsis)'.")
    }
  }

  /// The error for a first word that looks like a mistyped command rather than a file:
  /// not an existing path, and either within two edits of a command (`repot`) or with no
  /// `.` or `/` (`reprot`; a log name almost always has one). Nil for a file to read.
  static func unknownCommand(_ word: String) -> String? {
    guard !word.hasPrefix("-"), !word.isEmpty, !FileManager.default.fileExists(atPath: word) else { return nil }
    let names = Command.allCases.map(\.rawValue) + ["help"]
    let close = names.contains { NearMiss.editDistance($0, word) <= 2 }
    guard close || !(word.contains(".") || word.contains("/")) else { return nil }
    return "unknown command '\(word)'." + commandSuggestion(for: word)
  }

  /// ` Did you mean 'report'?`, or the list of commands.
  static func commandSuggestion(for word: String) -> String {
    let names = Command.allCases.map(\.rawValue) + ["help"]
    if let scored = names.map({ ($0, NearMiss.editDistance($0, word)) }).min(by: { $0.1 < $1.1 }), scored.1 <= 2 {
      return " Did you mean '\(scored.0)'?"
    }
    return " Commands: \(Command.allCases.map(\.rawValue).joined(separator: ", ")), help; a log file to read must exist."
  }

  /// ` Did you mean '--format'?` for a near miss.
  static func suggestion(for name: String, command: Command) -> String {
    let names = OptionTable.all.filter { $0.commands.contains(command) }.map(\.long)
    return NearMiss.closest(to: name, among: names).map { " Did you mean '--\($0)'?" } ?? ""
  }
}
