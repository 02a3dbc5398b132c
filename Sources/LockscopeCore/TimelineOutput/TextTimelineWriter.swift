/// `lockscope timeline` as text: the events of the chosen locks and window in order, each
/// with the state it left behind (who holds the lock, who queues for it), so a reader can
/// follow who waited for whom. Deadlocks and anomalies are flagged on the line that caused
/// them.
struct TextTimelineWriter: TimelineObserver {
  let scope: TimelineScope
  let out: StreamWriter
  let style: TerminalStyle
  /// Waiters named in a state before "+N more".
  static let shownWaiters = 4
  private var printed = 0
  private var currentDay: Int64 = .min
  private var agentWidth = 10
  private var lockWidth = 12
  /// Said about the event being applied, printed under its line.
  private var notes: [String] = []

  init(_ context: LogAnalysis.Context, out: StreamWriter, style: TerminalStyle) {
    scope = context
    self.out = out
    self.style = style
  }

  var wantsCycles: Bool { false }
  var wantsEvents: Bool { true }
  var isDone: Bool { out.isBroken }
  /// Events shown.
  var shown: Int { printed }

  mutating func anomaly(_ anomaly: Anomaly) {
    notes.append(style.yellow("! anomaly: \(anomaly.kind.rawValue)"))
  }

  mutating func cycleFormed(_ cycle: WaitCycle) {
    var chain: [String] = []
    for (agent, lock) in zip(cycle.agents, cycle.locks) { chain.append("\(agentName(agent)) waits for \(lockName(lock))") }
    notes.append(style.red("!! deadlock: " + chain.joined(separator: " → ") + " → back to \(cycle.agents.first.map(agentName) ?? "")"))
  }

  mutating func applied(_ event: LockEvent, at time: Int64, state: LockState?) {
    defer { notes.removeAll(keepingCapacity: true) }
    guard time >= scope.selection.since, scope.selection.includes(event.agent) else { return }
    let day = Timestamp.floorDivide(time, 86_400_000_000_000).0
    if day != currentDay {
      currentDay = day
      let date = String(Timestamp.rfc3339(time).prefix(10))
      out.write((printed == 0 ? "" : "\n") + style.bold("\(date) (UTC)") + "\n")
    }
    printed += 1
    let agent = agentName(event.agent)
    agentWidth = max(agentWidth, min(agent.count, 32))
    var line = Self.timeOfDay(time) + "  " + pad(Table.fit(agent, 32), agentWidth) + "  " + pad(event.kind.name, 7) + "  "
    if let state {
      let lock = lockName(event.lock)
      lockWidth = max(lockWidth, min(lock.count, 40))
      line += pad(Table.fit(lock, 40), lockWidth) + "  " + style.dim("→ ") + describe(state, at: time)
      if let site = scope.siteName(event.site) { line += style.dim("  @ " + Table.fit(site, 60)) }
    } else {
      line += style.dim("(everything it held or waited for is abandoned)")
    }
    out.write(line + "\n")
    for note in notes { out.write(String(repeating: " ", count: 17) + note + "\n") }
  }

  /// `held by a (2.00s) · queue: b, c +3` or `free`.
  private func describe(_ state: LockState, at time: Int64) -> String {
    var parts: [String] = []
    if state.holders.isEmpty {
      parts.append("free")
    } else {
      let holders = state.holders.prefix(Self.shownWaiters).map { holder in
        agentName(holder.agent) + (holder.mode == .shared ? " (shared)" : "")
      }
      let slots = state.capacity > 0 ? " [\(state.holders.count)/\(state.capacity) slots]" : ""
      parts.append("held by " + list(holders, of: state.holders.count) + slots)
    }
    if !state.waiters.isEmpty {
      let waiters = state.waiters.prefix(Self.shownWaiters).map { agentName($0.agent) + ($0.mode == .shared ? " (shared)" : "") }
      parts.append("queue: " + list(waiters, of: state.waiters.count))
    }
    return parts.joined(separator: " · ")
  }

  /// The first names of `count`, and how many more: only the shown ones are looked up.
  private func list(_ names: [String], of count: Int) -> String {
    let shown = names.joined(separator: ", ")
    return count > names.count ? shown + " +\(count - names.count)" : shown
  }

  /// Names as printed: control characters escaped (`TerminalText`).
  private func agentName(_ id: AgentID) -> String { TerminalText.escaped(scope.agentName(id)) }
  private func lockName(_ id: LockID) -> String { TerminalText.escaped(scope.lockName(id)) }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  /// `10:00:02.000000`
  static func timeOfDay(_ nanos: Int64) -> String {
    let text = Timestamp.rfc3339(nanos)  // 2026-11-22T10:00:02.123456789Z
    let start = text.index(text.startIndex, offsetBy: 11)
    return String(text[start...].prefix(15))
  }
}
