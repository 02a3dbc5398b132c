/// `--help` in the sections swift-argument-parser uses: OVERVIEW, USAGE, ARGUMENTS,
/// OPTIONS, SUBCOMMANDS; generated from the option table.
enum HelpText {
  static let width = 80
  static let labelWidth = 26

  static func usage(_ command: Command) -> String {
    switch command {
    case .completions: "lockscope completions <shell>"
    case .diff: "lockscope diff [<options>] <before> <after>"
    case .route: "lockscope route --shards <n> --out <dir> [<options>] [<file> ...]"
    case .merge: "lockscope merge [<options>] <summary> ..."
    default: "lockscope \(command.rawValue) [<options>] [<file> ...]"
    }
  }

  static func render(_ command: Command, topLevel: Bool) -> String {
    let overview =
      topLevel
      ? "Make lock contention, orphaned locks and deadlocks in multi-agent systems visible, from JSON-lines lock event logs."
      : command.abstract
    var text = wrap("OVERVIEW: " + overview, hanging: 10) + "\n"
    text += "\nUSAGE: " + (topLevel ? "lockscope [<subcommand>] [<options>] [<file> ...]" : usage(command)) + "\n"
    text += "\nARGUMENTS:\n"
    if command == .completions && !topLevel {
      text += entry(
        "<shell>",
        "bash, zsh or fish. bash: source <(lockscope completions bash). zsh: source <(lockscope completions zsh), or save it as _lockscope in a directory of $fpath. fish: lockscope completions fish > ~/.config/fish/completions/lockscope.fish."
      )
    } else if command == .diff && !topLevel {
      text += entry(
        "<before> <after>",
        "Two lock event logs of the same system, before and after a change; or two sets of files, the before set and the after set separated by '--' (each set merged by timestamp)."
      )
    } else if command == .merge && !topLevel {
      text += entry(
        "<summary>",
        "Summaries written by 'report --format summary' (one per shard) and by 'route' (partition.summary.json, one per input partition), in any order. '-' reads one from standard input."
      )
    } else {
      let several =
        command == .watch && !topLevel
        ? "Several files are read as their lines arrive."
        : "Several files are merged into one stream ordered by timestamp."
      text += entry("<file>", "Lock event logs, one JSON object per line. '-' or no file reads standard input. " + several)
    }
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
    if command == .check && !topLevel { text += rules() }
    text += "\n" + wrap("EXIT STATUS: " + exitStatus(command, topLevel: topLevel), hanging: 13) + "\n"
    text += "See 'man lockscope' for the input format and the exact meaning of each metric.\n"
    return text
  }

  private static func exitStatus(_ command: Command, topLevel: Bool) -> String {
    switch (command, topLevel) {
    case (.check, false):
      "0 every rule holds; 1 a rule failed; 2 usage error, a mistake in a rule, unreadable input, or a bad line under --strict."
    case (.report, false):
      "0 success; 2 usage error, unreadable input, or a bad line under --strict."
    case (.whatif, false):
      "0 a prediction (or 'nothing to gain') was printed; 2 usage error, unreadable input, or a log it cannot model (no matching lock, an agent holding two chosen locks at once)."
    case (.diff, false):
      "0 the comparison was printed (and, with --fail-on-regression, the statistic did not get worse by more than PCT); 1 it did; 2 usage error, unreadable input, or a bad line under --strict."
    case (.route, false):
      "0 success; 2 usage error, unreadable input, a bad line under --strict, or an output that cannot be written."
    case (.merge, false):
      "0 success; 2 usage error, an unreadable summary, or one of another version or that is damaged."
    case (.completions, false):
      "0 success; 2 usage error (no shell, or one it does not know)."
    case (.watch, false):
      "0 success, also when ended by Ctrl-C (after the final report); 2 usage error, unreadable input, or a bad line under --strict."
    default:
      "0 success; 1 'check' found a violation; 2 usage error, unreadable input, or a bad line under --strict."
    }
  }

  /// The rule grammar and the metrics, for `check --help`.
  private static func rules() -> String {
    var text = "\nRULES:\n"
    for paragraph in [
      "[lock:<glob> | agent:<glob> | family:<glob> | site:<glob>] <metric> <operator> <threshold>, one a line; '#' starts a comment. No scope: over all locks. lock:/agent:/family:/site: check each matching lock, agent, lock family (--family) or code site; a glob that matches none is an error.",
      "Operators: < <= > >= == !=. Thresholds: durations take a unit (ns us ms s m h), shares a % (or a fraction 0-1), counts a plain number.",
      "With no --slo or --rule: \(DefaultSLO.text.split(separator: "\n").joined(separator: ", ")).",
      "A log with no events, or a statistic with no samples, fails the rule (no data) unless --allow-empty.",
    ] {
      text += wrapWords(paragraph, width: width - 2).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
    text += "\nMETRICS:\n"
    var listed: Set<String> = []
    for metric in SLOMetric.all where !listed.contains(metric.name) {
      let parts = metric.name.split(separator: ".")
      if parts.count == 2, ["wait", "hold"].contains(parts[0]), ["p50", "p90", "p95", "p99", "max", "mean"].contains(parts[1]) {
        let family = ["p50", "p90", "p95", "p99", "max", "mean"].map { "\(parts[0]).\($0)" }
        listed.formUnion(family)
        let what = parts[0] == "wait" ? "acquisition latency, request to acquire" : "hold time, acquire to release"
        text += entry("\(parts[0]).{p50,p90,p95,p99,max,mean}", "Percentiles, longest and mean \(what) (durations).")
        continue
      }
      listed.insert(metric.name)
      var help = metric.summary.prefix(1).uppercased() + metric.summary.dropFirst() + " (\(metric.quantity.helpWord))."
      if !metric.scopes.contains(.agent) { help += metric.scopes.contains(.lock) ? " No agent: scope." : " No scope." }
      text += entry(metric.name, help)
    }
    return text
  }

  /// `  label     help…`, the help wrapped in its own column; a label too wide for the
  /// column gets a line of its own.
  private static func entry(_ label: String, _ help: String) -> String {
    let padded = "  " + label
    let lines = wrapWords(help, width: width - labelWidth)
    let indent = String(repeating: " ", count: labelWidth)
    var text =
      padded.count + 2 <= labelWidth
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
