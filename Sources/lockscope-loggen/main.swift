import Foundation
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let usage = """
  usage: lockscope-loggen [--bytes SIZE | --events N] [options]

  Writes a synthetic but consistent lock event log (JSON Lines, SPEC §1) from a
  deterministic discrete-event simulation: agents think, request a lock, wait in a FIFO
  queue (or time out / cancel), hold it, renew leases, release. Same seed, same bytes.

  size of the log (the budget; the simulation then drains, so it overshoots a little):
    --bytes SIZE          stop starting new work after SIZE bytes: 500K, 200M, 1G, 1.5G
                          (K/M/G/T are powers of 1024; a B/iB suffix is accepted)
    --events N            stop starting new work after N events (default 100000)

  the simulated system:
    --agents N            agents (workers) taking locks (default 200)
    --locks N             distinct locks; popularity is Zipf-distributed (default 2000)
    --zipf S              Zipf exponent of lock popularity (default 1.1)
    --fault-rate X        multiply the rates of crashes, cancels and lapsed leases (default 1)
    --seed N              random seed (default 1)

  output:
    --ts-format F         rfc3339 (default, "2026-11-22T10:00:00.123456Z"), epoch-s
                          (1795341600.123456), epoch-ms (integer), epoch-ns (integer)
    --out FILE            write to FILE instead of standard output
    --split-by-agent DIR  write DIR/<agent>.jsonl, one time-ordered file per agent
    --extra-fields        every line carries level, trace_id, span_id, host, pid and a msg
                          with escapes, like a service's structured log (~275 B a line
                          instead of ~207)
    --quiet               no summary line on standard error
    -h, --help            this text

  What is in the log: exclusive locks, read-write locks ("mode":"shared" readers), semaphores
  ("capacity":N), leased locks ("lease_ms", "token", "renew"; ~1% of leased holders stall and
  get an "expire"), try-locks (a bare "acquire"), nested locking (some lock-order inversions
  and deadlocks that end in timeouts), rare "crash" events (the agent restarts 0.5-5 s later
  under the same agent id with a new pid). Time starts at 2026-11-22T10:00:00Z.
  """

struct Options {
  var maxEvents: Int? = nil
  var maxBytes: Int? = nil
  var agents = 200
  var locks = 2000
  var zipf = 1.1
  var faultRate = 1.0
  var seed: UInt64 = 1
  var tsFormat = TsFormat.rfc3339
  var out: String? = nil
  var splitDir: String? = nil
  var quiet = false
  var extraFields = false
}

func usageError(_ msg: String) -> Never {
  var s = "lockscope-loggen: \(msg)\nTry 'lockscope-loggen --help'.\n"
  s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  exit(2)
}

func parseSize(_ s: String) -> Int? {
  var t = Substring(s.uppercased())
  if t.hasSuffix("IB") { t = t.dropLast(2) } else if t.hasSuffix("B") { t = t.dropLast() }
  var mult = 1.0
  if let last = t.last, let p = "KMGT".firstIndex(of: last) {
    mult = pow(1024.0, Double("KMGT".distance(from: "KMGT".startIndex, to: p) + 1))
    t = t.dropLast()
  }
  guard let v = Double(t), v > 0, v.isFinite else { return nil }
  let bytes = v * mult
  return bytes < 9e18 ? Int(bytes) : nil
}

func parseArgs() -> Options {
  var o = Options()
  var args = CommandLine.arguments.dropFirst()
  func value(_ flag: String) -> String {
    guard let v = args.popFirst() else { usageError("\(flag) needs a value") }
    return v
  }
  func int(_ flag: String, min lo: Int) -> Int {
    let v = value(flag)
    guard let n = Int(v), n >= lo else { usageError("\(flag): expected an integer >= \(lo), got '\(v)'") }
    return n
  }
  func double(_ flag: String) -> Double {
    let v = value(flag)
    guard let d = Double(v), d >= 0, d.isFinite else { usageError("\(flag): expected a number >= 0, got '\(v)'") }
    return d
  }
  while let arg = args.popFirst() {
    // Accept --flag=value as well as --flag value.
    if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
      args.insert(String(arg[arg.index(after: eq)...]), at: args.startIndex)
      args.insert(String(arg[..<eq]), at: args.startIndex)
      continue
    }
    switch arg {
    case "-h", "--help":
      print(usage)
      exit(0)
    case "--bytes":
      let v = value(arg)
      guard let n = parseSize(v) else { usageError("--bytes: expected a size like 200M or 1G, got '\(v)'") }
      o.maxBytes = n
    case "--events": o.maxEvents = int(arg, min: 1)
    case "--agents": o.agents = int(arg, min: 1)
    case "--locks": o.locks = int(arg, min: 1)
    case "--zipf": o.zipf = double(arg)
    case "--fault-rate": o.faultRate = double(arg)
    case "--seed":
      let v = value(arg)
      guard let n = UInt64(v) else { usageError("--seed: expected a non-negative integer, got '\(v)'") }
      o.seed = n
    case "--ts-format":
      let v = value(arg)
      guard let f = TsFormat(rawValue: v) else {
        usageError("--ts-format: expected rfc3339, epoch-s, epoch-ms or epoch-ns, got '\(v)'")
      }
      o.tsFormat = f
    case "--out": o.out = value(arg)
    case "--split-by-agent": o.splitDir = value(arg)
    case "--quiet", "-q": o.quiet = true
    case "--extra-fields": o.extraFields = true
    default: usageError("unknown argument '\(arg)'")
    }
  }
  if o.maxBytes == nil && o.maxEvents == nil { o.maxEvents = 100_000 }
  if o.out != nil && o.splitDir != nil { usageError("--out and --split-by-agent exclude each other") }
  return o
}

func openOut(_ path: String) -> Int32 {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  if fd < 0 { fatal("cannot open \(path): \(String(cString: strerror(errno)))") }
  return fd
}

func monotonicSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let opts = parseArgs()
let wallStart = monotonicSeconds()
var rng = Rng(seed: opts.seed)
let world = World(
  lockCount: opts.locks, agentCount: opts.agents, zipfS: opts.zipf,
  thinkMeanNs: Sim.thinkMedianNs * exp(Sim.thinkSigma * Sim.thinkSigma / 2), rng: &rng)

var sinks: [Sink] = []
if let dir = opts.splitDir {
  if mkdir(dir, 0o755) != 0 && errno != EEXIST {
    fatal("cannot create \(dir): \(String(cString: strerror(errno)))")
  }
  // One descriptor per agent stays open; raise the soft limit as far as allowed.
  var lim = rlimit()
  getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
  if lim.rlim_cur < lim.rlim_max {
    lim.rlim_cur = lim.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
  }
  if UInt64(opts.agents) + 16 > UInt64(lim.rlim_cur) {
    fatal("--split-by-agent needs one open file per agent; the limit is \(lim.rlim_cur)")
  }
  // Per-agent buffers are small so memory stays bounded with many agents.
  let block = opts.agents > 1000 ? 16 << 10 : 64 << 10
  for a in world.agents {
    let agentName = String(decoding: world.arena.bytes[Int(a.name.off)..<Int(a.name.off + a.name.len)], as: UTF8.self)
    sinks.append(Sink(fd: openOut(dir + "/" + agentName + ".jsonl"), blockSize: block))
  }
} else {
  let fd: Int32 = opts.out.map(openOut) ?? 1
  sinks.append(Sink(fd: fd, blockSize: 1 << 20))
}

let emitter = Emitter(world: world, sinks: sinks, split: opts.splitDir != nil, format: opts.tsFormat, extraFields: opts.extraFields)
var simOptions = SimOptions()
simOptions.maxEvents = opts.maxEvents ?? Int.max
simOptions.maxBytes = opts.maxBytes ?? Int.max
simOptions.faultRate = opts.faultRate
let sim = Sim(world: world, options: simOptions, rng: rng, emitter: emitter)
sim.run()
for s in sinks where s.fd != 1 { close(s.fd) }

if !opts.quiet {
  let wall = monotonicSeconds() - wallStart
  let span = Double(emitter.lastTs - max(sim.firstTs, 0)) / 1e9
  func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
  var parts: [String] = []
  for e in EventName.allCases where sim.counts[Int(e.rawValue)] > 0 {
    parts.append("\(String(describing: e)) \(sim.counts[Int(e.rawValue)])")
  }
  let first = sim.firstTs >= 0 ? rfc3339Seconds(sim.firstTs / 1_000_000_000) + "Z" : "-"
  let last = sim.firstTs >= 0 ? rfc3339Seconds(emitter.lastTs / 1_000_000_000) + "Z" : "-"
  var line = "lockscope-loggen: \(emitter.events) events, \(emitter.bytes) bytes"
  line += " (\(f(Double(emitter.bytes) / Double(max(emitter.events, 1)), 0)) B/line),"
  line += " \(opts.agents) agents, \(opts.locks) locks, span \(first)..\(last) (\(f(span, 1)) s);"
  line += " \(parts.joined(separator: ", "));"
  line += " \(f(wall, 2)) s wall, \(f(Double(emitter.bytes) / 1e6 / max(wall, 1e-9), 0)) MB/s\n"
  line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
