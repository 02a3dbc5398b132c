#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A byte sink that fills one large buffer and hands it to write(2) in blocks. Lines are
/// written straight into the buffer through `LineWriter`; no String is built per line.
final class Sink {
  let fd: Int32
  let buf: UnsafeMutablePointer<UInt8>
  let threshold: Int  // flush once this many bytes are buffered
  var len = 0
  static let slack = 8192  // room for one line past the threshold (lines are < 1 KiB)

  init(fd: Int32, blockSize: Int) {
    self.fd = fd
    self.threshold = blockSize
    self.buf = .allocate(capacity: blockSize + Sink.slack)
  }

  deinit { buf.deallocate() }

  @inline(__always) var cursor: UnsafeMutablePointer<UInt8> { buf + len }

  @inline(__always) func commit(_ end: UnsafeMutablePointer<UInt8>) {
    len = end - buf
    if len >= threshold { flush() }
  }

  func flush() {
    var off = 0
    while off < len {
      let n = write(fd, buf + off, len - off)
      if n < 0 {
        if errno == EINTR { continue }
        fatal("write failed: \(String(cString: strerror(errno)))")
      }
      off += n
    }
    len = 0
  }
}

func fatal(_ message: String) -> Never {
  var s = "lockscope-loggen: " + message + "\n"
  s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  exit(2)
}

/// Appends bytes at a raw cursor. Every method is a handful of stores: the generator's speed
/// comes from here.
struct LineWriter {
  var p: UnsafeMutablePointer<UInt8>

  @inline(__always) mutating func byte(_ b: UInt8) {
    p.pointee = b
    p += 1
  }

  @inline(__always) mutating func str(_ s: StaticString) {
    let n = s.utf8CodeUnitCount
    p.update(from: s.utf8Start, count: n)
    p += n
  }

  @inline(__always) mutating func bytes(_ src: UnsafePointer<UInt8>, _ n: Int) {
    p.update(from: src, count: n)
    p += n
  }

  /// Non-negative decimal integer.
  @inline(__always) mutating func uint(_ v: UInt64) {
    if v < 10 {
      byte(48 + UInt8(v))
      return
    }
    var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes scratch, enough for 20 digits
    var x = v
    var n = 0
    withUnsafeMutableBytes(of: &tmp) { raw in
      let t = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
      while x > 0 {
        let q = x / 10
        t[23 - n] = 48 + UInt8(truncatingIfNeeded: x - q * 10)
        x = q
        n += 1
      }
      p.update(from: t + 24 - n, count: n)
    }
    p += n
  }

  @inline(__always) mutating func int(_ v: Int64) {
    if v < 0 {
      byte(45)
      uint(UInt64(-v))
    } else {
      uint(UInt64(v))
    }
  }

  /// Exactly `width` decimal digits, zero-padded (v < 10^width).
  @inline(__always) mutating func fixed(_ v: Int, width: Int) {
    var x = v
    var i = width - 1
    while i >= 0 {
      let q = x / 10
      p[i] = 48 + UInt8(truncatingIfNeeded: x - q * 10)
      x = q
      i -= 1
    }
    p += width
  }

  /// 16 lowercase hex digits.
  @inline(__always) mutating func hex64(_ v: UInt64) {
    var i = 15
    var x = v
    while i >= 0 {
      p[i] = hexDigits[Int(x & 15)]
      x >>= 4
      i -= 1
    }
    p += 16
  }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

enum TsFormat: String {
  case rfc3339, epochMs = "epoch-ms", epochNs = "epoch-ns", epochS = "epoch-s"
}

/// Writes timestamps (integer ns since the epoch). RFC 3339 output caches the
/// "YYYY-MM-DDTHH:MM:SS" prefix of the current second: consecutive events share it, so the
/// calendar arithmetic runs about once per simulated second, not once per line.
struct TsWriter {
  let format: TsFormat
  private var cachedSec: Int64 = Int64.min
  private var prefix: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 19 bytes used

  init(format: TsFormat) { self.format = format }

  @inline(__always) mutating func write(_ ns: Int64, to w: inout LineWriter) {
    switch format {
    case .rfc3339:
      let sec = ns / 1_000_000_000
      if sec != cachedSec { fill(sec) }
      w.byte(34)
      withUnsafeBytes(of: &prefix) { raw in
        w.bytes(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), 19)
      }
      w.byte(46)
      w.fixed(Int((ns - sec * 1_000_000_000) / 1000), width: 6)
      w.byte(90)
      w.byte(34)
    case .epochNs:
      w.int(ns)
    case .epochMs:
      w.int(ns / 1_000_000)
    case .epochS:
      let sec = ns / 1_000_000_000
      w.int(sec)
      w.byte(46)
      w.fixed(Int((ns - sec * 1_000_000_000) / 1000), width: 6)
    }
  }

  private mutating func fill(_ sec: Int64) {
    cachedSec = sec
    let text = rfc3339Seconds(sec)
    withUnsafeMutableBytes(of: &prefix) { raw in
      for (i, b) in text.utf8.prefix(19).enumerated() { raw[i] = b }
    }
  }
}

/// "YYYY-MM-DDTHH:MM:SS" for whole seconds since the epoch (UTC). The C library's calendar
/// (`gmtime_r`): the generator needs no copy of the parser's date arithmetic, and it runs
/// once per second of log time.
func rfc3339Seconds(_ sec: Int64) -> String {
  var time = time_t(sec)
  var fields = tm()
  guard gmtime_r(&time, &fields) != nil else { return "0000-00-00T00:00:00" }
  func pad(_ v: Int64, _ n: Int) -> String {
    let s = String(v)
    return String(repeating: "0", count: max(0, n - s.count)) + s
  }
  let date = "\(pad(Int64(fields.tm_year) + 1900, 4))-\(pad(Int64(fields.tm_mon) + 1, 2))-\(pad(Int64(fields.tm_mday), 2))"
  return date + "T\(pad(Int64(fields.tm_hour), 2)):\(pad(Int64(fields.tm_min), 2)):\(pad(Int64(fields.tm_sec), 2))"
}
