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
      }
    }
    var onlyPaths = false
    while let argument = rest.popFirst() {
      if onlyPaths || argument == "-" || !argument.hasPrefix("-") {
        options.paths.append(argument)
      } else if argument == "--" {
        onlyPaths = true
      } else if argument.hasPrefix("--") {
        var name = String(argument.dropFirst(2))
        var inline: String?
        if let equals = name.firstIndex(of: "=") {
          inline = String(name[name.index(after: equals)...])
          name = String(name[..<equals])
        }
        guard let spec = OptionTable.named(name), spec.commands.contains(options.command) else {
          throw UsageError("Unknown option '--\(name)'." + suggestion(for: name))
        }
        try apply(spec, inline: inline, rest: &rest, to: &options)
      } else {
        // Short options: only -h exists today; a cluster like -hx is not supported.
        let letters = Array(argument.dropFirst())
        guard letters.count == 1, let spec = OptionTable.short(letters[0]) else {
          throw UsageError("Unknown option '\(argument)'.")
        }
        try apply(spec, inline: nil, rest: &rest, to: &options)
      }
    }
    return options
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

  /// ` Did you mean '--format'?` for a near miss.
  static func suggestion(for name: String) -> String {
    let scored = OptionTable.all.map { ($0.long, editDistance($0.long, name)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return "" }
    return " Did you mean '--\(best)'?"
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...max(1, b.count) where !b.isEmpty {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
