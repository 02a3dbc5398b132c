/// Formats one event as one JSON line, straight into the output buffer.
///
/// Besides the fields lockscope reads, each line carries what real services log around
/// them — trace/span ids, host, pid, a level, sometimes a nested "meta" object and a "msg"
/// with JSON escapes — laid out in one of three logger styles (key order and spacing differ),
/// so a parser has to really parse, not pattern-match.

enum EventName: UInt8, CaseIterable {
  case request, acquire, release, timeout, cancel, renew, expire, crash

  var text: StaticString {
    switch self {
    case .request: return "request"
    case .acquire: return "acquire"
    case .release: return "release"
    case .timeout: return "timeout"
    case .cancel: return "cancel"
    case .renew: return "renew"
    case .expire: return "expire"
    case .crash: return "crash"
    }
  }
}

/// Messages, already JSON-escaped: quotes, newline, tab, backslash, \u escapes (one a
/// surrogate pair), escaped slash, raw UTF-8, and an empty string.
private let messages: [StaticString] = [
  "lock acquired",
  "waiting on \\\"hot\\\" lock",
  "retrying after backoff\\nsecond line of the message",
  "r\\u00e9essai programm\\u00e9 apr\\u00e8s d\\u00e9lai",
  "tab\\tseparated \\\\ windows\\\\path",
  "Übernahme erfolgreich – Sperre gehalten",
  "lock \\ud83d\\udd12 held by worker",
  "",
  "path \\/var\\/lib\\/app escaped",
  "ok",
]

/// `--extra-fields` messages: each has escapes a parser must step over (quotes, newlines,
/// tabs, backslashes, \u escapes) or raw UTF-8, at the length services usually log.
private let escapedMessages: [StaticString] = [
  "got \\\"it\\\"\\tq=4",
  "renewed\\nok",
  "r\\u00e9essai",
  "\\/var\\/lock",
  "Sperre gehalten",
  "c:\\\\locks",
]

/// "meta" objects; each is written after `{"attempt":N`. Variant 2 has a string full of
/// braces, brackets and an escaped quote, which defeats naive brace matching.
private let metaTails: [StaticString] = [
  ",\"tags\":[\"a\",\"b\"],\"ok\":true,\"ratio\":0.25}",
  ",\"tags\":[],\"ok\":false,\"ratio\":1.5e-3,\"retry\":null}",
  ",\"nested\":{\"k\":[1,2,{\"x\":-3.25E+2}],\"s\":\"}{\\\"][\"},\"ok\":true}",
  ",\"tags\":[\"db\",\"hot\"],\"weights\":[0.5,0.25,0.125],\"ok\":true,\"ratio\":0}",
]

final class Emitter {
  let world: World
  let sinks: [Sink]  // one (stdout / --out) or one per agent (--split-by-agent)
  let split: Bool
  /// `--extra-fields`: every line carries a level, trace and span ids, host, pid and a
  /// message with escapes, like a service's structured log (~275 bytes a line).
  let extraFields: Bool
  var ts: TsWriter
  private(set) var events = 0
  private(set) var bytes = 0
  private(set) var lastTs: Int64 = 0

  init(world: World, sinks: [Sink], split: Bool, format: TsFormat, extraFields: Bool = false) {
    self.world = world
    self.extraFields = extraFields
    self.sinks = sinks
    self.split = split
    self.ts = TsWriter(format: format)
  }

  func finish() {
    for s in sinks { s.flush() }
  }

  func line(
    _ e: EventName, now: Int64, agent a: Int, lock l: Int, shared: Bool,
    trace: (UInt64, UInt64), span: UInt64, pid: Int32, attempt: Int32,
    token: Int64, timeoutMs: Int, rng: inout Rng
  ) {
    let sink = split ? sinks[a] : sinks[0]
    var w = LineWriter(p: sink.cursor)
    let start = w.p
    let ag = world.agents[a]
    // `expire` lines come from the lock manager's own logger.
    let fromManager = e == .expire
    let style: LogStyle = fromManager ? .compact : ag.style
    let py = style == .python
    let php = style == .php
    let warn = e == .timeout || e == .crash || e == .expire || e == .cancel

    // Small closures would allocate; these are inlined local helpers on `w`.
    @inline(__always) func key(_ w: inout LineWriter, _ k: StaticString, first: Bool = false) {
      if !first { if py { w.str(", ") } else { w.byte(44) } }
      w.byte(34)
      w.str(k)
      if py { w.str("\": ") } else { w.str("\":") }
    }
    @inline(__always) func quoted(_ w: inout LineWriter, _ s: StaticString) {
      w.byte(34)
      w.str(s)
      w.byte(34)
    }
    @inline(__always) func name(_ w: inout LineWriter, _ r: NameRef) {
      w.byte(34)
      world.arena.write(r, to: &w)
      w.byte(34)
    }
    @inline(__always) func ids(_ w: inout LineWriter, first: Bool) {
      guard ag.traced || fromManager || extraFields else { return }
      key(&w, "trace_id", first: first)
      w.byte(34)
      w.hex64(trace.0)
      w.hex64(trace.1)
      w.byte(34)
      key(&w, "span_id")
      w.byte(34)
      w.hex64(span)
      w.byte(34)
    }
    @inline(__always) func lockFields(_ w: inout LineWriter) {
      guard l >= 0 else { return }
      let c = world.locks[l]
      key(&w, "lock")
      name(&w, php ? c.phpName : c.name)
      switch c.kind {
      case .rw:
        key(&w, "mode")
        if shared { quoted(&w, "shared") } else { quoted(&w, "exclusive") }
      case .mutex, .leased:
        if py {
          key(&w, "mode")
          quoted(&w, "exclusive")
        }
      case .semaphore:
        key(&w, "capacity")
        w.int(Int64(c.capacity))
      }
      if c.kind == .leased && (e == .acquire || e == .renew) {
        key(&w, "lease_ms")
        w.int(Int64(c.leaseMs))
      }
      if token > 0 {
        key(&w, "token")
        w.int(token)
      }
      if e == .request && !php {
        key(&w, "timeout_ms")
        w.int(Int64(timeoutMs))
      }
    }
    @inline(__always) func hostPid(_ w: inout LineWriter) {
      if fromManager {
        key(&w, "host")
        quoted(&w, "lockd-1")
        key(&w, "pid")
        w.int(1)
      } else {
        key(&w, "host")
        name(&w, ag.host)
        key(&w, "pid")
        w.int(Int64(pid))
      }
    }
    @inline(__always) func extras(_ w: inout LineWriter) {
      if rng.below(100) < 8 {
        key(&w, "meta")
        w.str("{\"attempt\":")
        w.int(Int64(attempt))
        w.str(metaTails[rng.below(metaTails.count)])
      }
      if warn {
        key(&w, "msg")
        switch e {
        case .timeout: quoted(&w, "deadline exceeded while waiting for the lock")
        case .cancel: quoted(&w, "request cancelled by caller")
        case .crash: quoted(&w, "process terminated: signal 9 (SIGKILL)")
        default: quoted(&w, "lease expired: holder missed its renewal")
        }
      } else if rng.below(100) < 10 {
        key(&w, "msg")
        quoted(&w, messages[rng.below(messages.count)])
      } else if extraFields {
        key(&w, "msg")
        quoted(&w, escapedMessages[rng.below(escapedMessages.count)])
      }
    }
    @inline(__always) func level(_ w: inout LineWriter, first: Bool = false) {
      key(&w, "level", first: first)
      if warn { quoted(&w, "warning") } else { quoted(&w, "info") }
    }

    w.byte(123)
    switch style {
    case .compact:
      key(&w, "ts", first: true)
      ts.write(now, to: &w)
      key(&w, "event")
      quoted(&w, e.text)
      key(&w, "agent")
      name(&w, ag.name)
      lockFields(&w)
      if extraFields { level(&w) }
      ids(&w, first: false)
      hostPid(&w)
      extras(&w)
    case .python:
      level(&w, first: true)
      key(&w, "event")
      quoted(&w, e.text)
      lockFields(&w)
      key(&w, "agent")
      name(&w, ag.name)
      key(&w, "ts")
      ts.write(now, to: &w)
      hostPid(&w)
      ids(&w, first: false)
      extras(&w)
    case .php:
      ids(&w, first: true)
      key(&w, "ts", first: !ag.traced && !extraFields)
      ts.write(now, to: &w)
      if extraFields { level(&w) }
      key(&w, "agent")
      name(&w, ag.name)
      key(&w, "event")
      quoted(&w, e.text)
      lockFields(&w)
      hostPid(&w)
      extras(&w)
    }
    w.byte(125)
    w.byte(10)

    bytes += w.p - start
    events += 1
    lastTs = now
    sink.commit(w.p)
  }
}
