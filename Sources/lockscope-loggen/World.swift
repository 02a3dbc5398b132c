import Foundation

/// Everything about locks and agents that does not change during the run: names (already
/// JSON-escaped, in two spellings), lock kinds, hold-time distributions, logger styles.

enum LockKind: UInt8 {
  case mutex  // exclusive only; no "mode" field (or an explicit "exclusive")
  case rw  // read-write: readers "shared", writers "exclusive"
  case semaphore  // "capacity":N on every event, up to N holders, no mode
  case leased  // exclusive with "lease_ms" on acquire/renew and a fencing "token"
}

struct LockConfig {
  var kind: LockKind
  var capacity: Int32 = 1
  var leaseMs: Int32 = 0
  var holdMedianNs: Double
  var holdSigma: Double
  var name: NameRef
  var phpName: NameRef  // with "\/" and "\u00e9" escapes, as PHP's json_encode writes them
}

/// How an agent's logging library lays out a line.
enum LogStyle: UInt8 {
  case compact  // {"ts":…,"event":…,"agent":…,"lock":…,…}  (Go/Rust structured loggers)
  case python  // {"level": "info", "event": …, "lock": …, …, "ts": …}  (", " and ": ")
  case php  // {"trace_id":…,"span_id":…,"ts":…,"agent":…,"event":…,"lock":"queue\/jobs-7"}
}

struct AgentConfig {
  var name: NameRef
  var host: NameRef
  var style: LogStyle
  var traced: Bool  // its lines carry trace_id/span_id (not every service is instrumented)
}

struct NameRef {
  var off: Int32
  var len: Int32
}

/// All names in one contiguous buffer, so writing one is a single memcpy.
final class NameArena {
  private(set) var bytes: [UInt8] = []
  private(set) var base: UnsafeMutablePointer<UInt8>? = nil

  func add(_ s: String) -> NameRef {
    let ref = NameRef(off: Int32(bytes.count), len: Int32(s.utf8.count))
    bytes.append(contentsOf: s.utf8)
    return ref
  }

  func freeze() {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
    p.initialize(from: bytes, count: bytes.count)
    base = p
  }

  @inline(__always) func write(_ r: NameRef, to w: inout LineWriter) {
    w.bytes(base! + Int(r.off), Int(r.len))
  }
}

/// JSON string content (no quotes) for a name that contains no quote, backslash or control
/// character. `php` also escapes "/" and every non-ASCII character (as \uXXXX, with
/// surrogate pairs), exactly like PHP's json_encode defaults.
func jsonContent(_ s: String, php: Bool) -> String {
  guard php else { return s }
  var out = ""
  for u in s.utf16 {
    if u == 0x2F {
      out += "\\/"
    } else if u < 0x80 {
      out.unicodeScalars.append(Unicode.Scalar(u)!)
    } else {
      let h = String(u, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
    }
  }
  return out
}

struct World {
  var locks: [LockConfig] = []
  var agents: [AgentConfig] = []
  let arena = NameArena()
  /// Zipf CDF over lock ranks: lock i has weight 1/(i+1)^s.
  var zipfCDF: [Double] = []

  init(lockCount: Int, agentCount: Int, zipfS: Double, thinkMeanNs: Double, rng: inout Rng) {
    // Popularity: rank 0 is the hottest lock.
    var cdf = [Double](repeating: 0, count: lockCount)
    var acc = 0.0
    for i in 0..<lockCount {
      acc += 1.0 / pow(Double(i + 1), zipfS)
      cdf[i] = acc
    }
    for i in 0..<lockCount { cdf[i] /= acc }
    cdf[lockCount - 1] = 1.0
    zipfCDF = cdf

    var used = Set<String>()  // membership only; never iterated (Swift hashing is seeded)
    func unique(_ make: () -> String) -> String {
      while true {
        let s = make()
        if used.insert(s).inserted { return s }
      }
    }

    let tables = ["users", "orders", "accounts", "sessions", "invoices", "carts", "inventory"]
    let queues = ["jobs", "email", "billing", "thumbnails", "webhooks"]
    let services = ["scheduler", "compactor", "billing", "ingest", "gc", "reindex", "mailer"]
    // The leader/lease locks are slow, long-held and rarely taken: keep them off the hot
    // ranks, where a lock taken hundreds of times a second would be held for microseconds.
    let leasedFrom = max(lockCount / 10, 1)
    let llmRank = lockCount > 10 ? 3 : -1
    // Attempts per ns, roughly: a cycle is a think plus waits and holds (measured ~2x think).
    let agentRate = Double(agentCount) / (thinkMeanNs + 50e6)
    // Name numbers are drawn from a range that grows with --locks, so unique() always ends.
    let wide = 4 * lockCount

    for rank in 0..<lockCount {
      var name: String
      var kind: LockKind
      var cap: Int32 = 1
      var lease: Int32 = 0
      // The hold length's log-normal: its median (ns) and spread, set together per kind.
      var median: Double
      var sigma: Double
      if rank == llmRank {
        name = "llm:global"
        kind = .semaphore
        cap = 16
        (median, sigma) = (40e6, 0.8)
      } else {
        var r = rng.uniform()
        if rank < leasedFrom { r *= 0.9 }  // never the leased class on hot ranks
        switch r {
        case ..<0.20:
          name = unique { "cache/shard-\(rng.below(max(4096, wide)))" }
          kind = rng.chance(0.5) ? .rw : .mutex
          (median, sigma) = (20e3, 1.0)
        case ..<0.52:
          name = unique { "db:\(tables[rng.below(tables.count)]):\(1 + rng.below(max(99_999, wide)))" }
          kind = rng.chance(0.6) ? .rw : .mutex
          (median, sigma) = (400e3, 1.3)
        case ..<0.66:
          name = unique { "queue/\(queues[rng.below(queues.count)])-\(rng.below(max(64, wide)))" }
          if rng.chance(0.3) {
            kind = .semaphore
            cap = Int32(2 + rng.below(7))
          } else {
            kind = .mutex
          }
          (median, sigma) = (1.5e6, 1.2)
        case ..<0.72:
          name = unique { "pool/pg-conn-\(rng.below(max(512, wide)))" }
          kind = .semaphore
          cap = Int32(4 + rng.below(29))
          (median, sigma) = (8e6, 1.0)
        case ..<0.80:
          name = unique { "file:/var/lib/app/state-\(rng.below(max(10_000, wide))).lock" }
          kind = .mutex
          (median, sigma) = (2e6, 1.4)
        case ..<0.82:
          name = unique { "cfg:région-\(["eu", "us", "ap"][rng.below(3)])-\(rng.below(max(1000, wide)))" }
          kind = .rw
          (median, sigma) = (200e3, 1.0)
        case ..<0.90:
          name = unique { "mutex:\(services[rng.below(services.count)])/\(rng.below(max(100_000, wide)))" }
          kind = .mutex
          (median, sigma) = (150e3, 1.5)
        default:
          name = unique {
            rng.chance(0.5)
              ? "leader/\(services[rng.below(services.count)])-\(rng.below(max(1000, wide)))"
              : "cron/\(services[rng.below(services.count)])-job-\(rng.below(max(1000, wide)))"
          }
          kind = .leased
          lease = [1000, 2000, 3000, 5000, 10_000][rng.below(5)]
          (median, sigma) = (300e6, 1.3)
        }
      }
      // Keep each lock's expected utilisation (offered load / slots) at or below ~0.5 so no
      // lock is permanently saturated; bursts and the heavy tail still make queues.
      let share = zipfCDF[rank] - (rank > 0 ? zipfCDF[rank - 1] : 0)
      let mean = median * exp(sigma * sigma / 2)
      let rho = agentRate * share * mean / Double(cap)
      if rho > 0.5 { median *= 0.5 / rho }
      locks.append(
        LockConfig(
          kind: kind, capacity: cap, leaseMs: lease, holdMedianNs: median, holdSigma: sigma,
          name: arena.add(jsonContent(name, php: false)),
          phpName: arena.add(jsonContent(name, php: true))))
    }

    for i in 0..<agentCount {
      let name: String
      let host: String
      if rng.chance(0.6) {
        name = String(format: "agent-%04d", i)
        host = "ip-10-0-\(rng.below(16))-\(1 + rng.below(254))"
      } else {
        let h = "host-\(rng.below(max(agentCount / 8, 1)))"
        name = "worker-\(i)@\(h)"
        host = h
      }
      let r = rng.uniform()
      let style: LogStyle = r < 0.7 ? .compact : (r < 0.85 ? .python : .php)
      agents.append(
        AgentConfig(
          name: arena.add(name), host: arena.add(host), style: style, traced: rng.chance(0.5)))
    }
    arena.freeze()
  }

  @inline(__always) func pickLock(_ rng: inout Rng) -> Int {
    let u = rng.uniform()
    var lo = 0
    var hi = zipfCDF.count - 1
    while lo < hi {
      let mid = (lo + hi) >> 1
      if zipfCDF[mid] > u { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }
}
