// The issue's baseline in Scripts/bench.sh: a plain one-core Swift scan that finds the
// values of the four fields every lock event has ("ts", "event", "agent", "lock") on each
// line of a JSON-lines file and folds them into a checksum, so none of the work can be
// skipped. The same walk as plain-scan.c, written as a Swift programmer would write it
// without reaching for C: large reads into one buffer, a byte loop over an
// UnsafeBufferPointer, no String, no Foundation JSON.
//
// It does not decode escapes, check UTF-8 or JSON grammar, or build anything; it steps
// over everything but the four values.
//
//   swiftc -O -o plain-scan-swift plain-scan.swift && ./plain-scan-swift FILE
// prints: lines, lines with all four fields, checksum (on standard error), the same three
// figures as plain-scan.c for the same file.
#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","), brace = UInt8(ascii: "}")

/// The index of the closing quote of the string whose contents start at `from`, or nil.
@inline(__always)
func stringEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
  var i = from
  while i < end {
    let c = b[i]
    if c == quote { return i }
    i += c == backslash ? 2 : 1
  }
  return nil
}

@inline(__always)
func fold(_ h: UInt64, _ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt64 {
  var h = h
  for i in from..<to { h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3 }
  return h
}

/// Whether the key between `from` and `to` is one of the four.
@inline(__always)
func wanted(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
  func equals(_ s: StaticString) -> Bool {
    guard to - from == s.utf8CodeUnitCount else { return false }
    for k in 0..<s.utf8CodeUnitCount where b[from + k] != s.utf8Start[k] { return false }
    return true
  }
  return equals("ts") || equals("event") || equals("agent") || equals("lock")
}

/// Scans the lines in `b[0..<count]`; returns where the unfinished last line starts.
func scanLines(
  _ b: UnsafeBufferPointer<UInt8>, count: Int, atEnd: Bool, lines: inout UInt64, complete: inout UInt64, sum: inout UInt64
) -> Int {
  var p = 0
  while p < count {
    var nl = p
    while nl < count && b[nl] != UInt8(ascii: "\n") { nl += 1 }
    if nl == count && !atEnd { break }
    lines += 1
    var found = 0
    var s = p
    while s < nl {
      guard let open = (s..<nl).first(where: { b[$0] == quote }), let close = stringEnd(b, from: open + 1, to: nl) else { break }
      var after = close + 1
      while after < nl && (b[after] == space || b[after] == tab) { after += 1 }
      s = after
      guard after < nl, b[after] == colon else { continue }  // a value, not a key
      var v = after + 1
      while v < nl && (b[v] == space || b[v] == tab) { v += 1 }
      guard wanted(b, open + 1, close), v < nl else {
        s = v
        continue
      }
      if b[v] == quote {
        guard let end = stringEnd(b, from: v + 1, to: nl) else { break }
        sum = fold(sum, b, v + 1, end)
        s = end + 1
      } else {  // a number (epoch timestamps)
        var end = v
        while end < nl && b[end] != comma && b[end] != brace { end += 1 }
        sum = fold(sum, b, v, end)
        s = end
      }
      found += 1
    }
    if found >= 4 { complete += 1 }
    p = nl + 1
  }
  return min(p, count)
}

guard CommandLine.arguments.count == 2 else {
  fputs("usage: plain-scan-swift FILE\n", stderr)
  exit(2)
}
let fd = open(CommandLine.arguments[1], O_RDONLY)
guard fd >= 0 else {
  perror(CommandLine.arguments[1])
  exit(2)
}
var capacity = 1 << 22
var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
var filled = 0
var lines: UInt64 = 0, complete: UInt64 = 0, sum: UInt64 = 0xcbf2_9ce4_8422_2325
while true {
  let got = read(fd, buffer + filled, capacity - filled)
  guard got >= 0 else {
    perror(CommandLine.arguments[1])
    exit(2)
  }
  filled += got
  let atEnd = got == 0
  let used = scanLines(
    UnsafeBufferPointer(start: buffer, count: filled), count: filled, atEnd: atEnd, lines: &lines, complete: &complete,
    sum: &sum)
  if atEnd { break }
  // The unfinished last line moves to the front; a line longer than the buffer doubles it.
  filled -= used
  if filled > 0 { memmove(buffer, buffer + used, filled) }
  if filled == capacity {
    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
    bigger.update(from: buffer, count: filled)
    buffer.deallocate()
    buffer = bigger
    capacity *= 2
  }
}
close(fd)
let hex = String(sum, radix: 16)
fputs(
  "plain-scan-swift: \(lines) lines, \(complete) with the four fields, checksum \(String(repeating: "0", count: 16 - hex.count) + hex)\n",
  stderr)
