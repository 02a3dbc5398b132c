import Testing

@testable import LockscopeCore

/// The word-at-a-time paths of parsing and JSON writing against their byte-at-a-time
/// definitions: the same result, the same error at the same column, at every offset.
@Suite("Word-at-a-time fast paths")
struct FastPathTests {
  /// Runs `body` on a scanner over `text` (a trailing 0 keeps the base address valid).
  private func withScanner<T>(_ text: [UInt8], _ body: (inout JSONScanner) -> T) -> T {
    var bytes = text
    bytes.append(0)
    return bytes.withUnsafeBufferPointer { buffer in
      var scanner = JSONScanner(start: buffer.baseAddress!, end: buffer.baseAddress! + text.count)
      return body(&scanner)
    }
  }

  /// Where `read` stops on `text` (or the error it throws), as comparable text.
  private func outcome(_ text: [UInt8], _ read: (inout JSONScanner) throws -> Void) -> String {
    withScanner(text) { scanner in
      do {
        try read(&scanner)
        return "end \(scanner.position - scanner.start)"
      } catch {
        return "error \((error as? LineError)?.description ?? "\(error)")"
      }
    }
  }

  /// `skipString` or `scanString`.
  private func outcome(_ text: [UInt8], skipping: Bool) -> String {
    skipping ? outcome(text) { try $0.skipString() } : outcome(text) { _ = try $0.scanString() }
  }

  @Test("skipString stops where scanString does, or fails with the same reason and column")
  func skipMatchesScan() {
    // Every fault a string can hold, at every offset of strings up to 40 bytes, with and
    // without text after the closing quote (the 16-byte turn and the 8-byte tail).
    let faults: [[UInt8]] = [
      [0x22], [0x5C, 0x6E], [0x5C, 0x75, 0x30, 0x30, 0x65, 0x39], [0x5C, 0x78], [0x5C], [0x01], [0x1F], [0xC3, 0xA9],
      [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xC3], [0xFF], [0xED, 0xA0, 0x80], [0x7F], [],
    ]
    for length in 0...40 {
      for fault in faults {
        for offset in 0...length {
          var body = [UInt8](repeating: UInt8(ascii: "a"), count: length)
          body.insert(contentsOf: fault, at: offset)
          for tail in [[], [0x22], Array(#"","x":1}"#.utf8)] as [[UInt8]] {
            let text = [0x22] + body + tail
            #expect(outcome(text, skipping: true) == outcome(text, skipping: false), "\(text)")
          }
        }
      }
    }
  }

  @Test(
    "the leading digits of eight bytes, read as one word, are those a byte loop counts, for every mix of digits and the bytes around them")
  func fewDigitsAgainstLoop() {
    let others: [UInt8] = [0x00, 0x2F, 0x3A, 0x5A, 0x22, 0x2E, 0x80, 0xF9, 0xFA, 0xFF]
    for digits in 0...8 {
      for other in others {
        for seed in 0..<20 {
          var bytes = (0..<digits).map { UInt8(ascii: "0") + UInt8((seed * 7 + $0 * 3) % 10) }
          bytes += [UInt8](repeating: other, count: 8 - digits)
          var expected: Int64 = 0
          for byte in bytes.prefix(digits) { expected = expected * 10 + Int64(byte - UInt8(ascii: "0")) }
          let found = bytes.withUnsafeBufferPointer { RFC3339Reader.fewDigits($0.baseAddress!) }
          if digits == 0 || digits == 8 {
            #expect(found == nil, "\(bytes)")
          } else {
            #expect(found?.value == expected && found?.digits == digits, "\(bytes)")
          }
        }
      }
    }
  }

  @Test("keys expected from earlier lines read as a fresh parser reads them, whatever the order, near misses, escapes or errors")
  func predictedKeys() {
    // Values for the fields lockscope reads; anything else is an ignored string.
    let values: [String: String] = [
      "ts": "1700000000123", "event": #""acquire""#, "agent": #""a-1""#, "lock": #""db/users""#, "mode": #""shared""#,
      "capacity": "3", "lease_ms": "250", "expected_ms": "5", "token": "7", "site": #""app.py:12""#,
      #"lo\u0063k"#: #""db/users""#,
    ]
    // (Names are interned by the long-lived parser: every line names the same agent, lock
    // and site, so ids agree with a fresh parser's.)
    // Keys of every kind: read, ignored, near misses of read ones, one as long as a key
    // may be to be learnt (13 bytes) and one longer, an escaped one, and forty that
    // overflow the table.
    var pool = [
      "ts", "event", "agent", "lock", "mode", "capacity", "lease_ms", "expected_ms", "token", "site", "level", "host", "pid",
      "msg", "trace_id", "span_id", "tsx", "t", "lockx", "agen", "lease_msx", "expected_msx", "trace_idx", "thirteen_byte",
      "fourteen_bytes", #"lo\u0063k"#,
    ]
    pool += (0..<40).map { "k\($0)" }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let shapes = (0..<12).map { _ in (0..<(3 + random(12))).map { _ in pool[random(pool.count)] } }
    let predicting = EventParser()
    for line in 0..<3000 {
      // Mostly a few shapes in turn, as a log of several writers; now and then any keys,
      // a space before a colon, a duplicate.
      var keys = random(10) < 8 ? shapes[random(shapes.count)] : (0..<(1 + random(16))).map { _ in pool[random(pool.count)] }
      for required in ["ts", "event", "agent", "lock"] where !keys.contains(required) && random(8) > 0 {
        keys.insert(required, at: random(keys.count + 1))
      }
      let fields = keys.enumerated().map { index, key in
        let colon = random(40) == 0 ? " :" : ":"
        return "\"\(key)\"\(colon)\(values[key] ?? "\"v\(index)\"")"
      }
      let text = "{" + fields.joined(separator: ",") + "}"
      let expected = String(describing: parseLine(text).map { $0.map(String.init(describing:)) })
      let found = String(describing: parseLine(text, parser: predicting).map { $0.map(String.init(describing:)) })
      #expect(found == expected, "line \(line): \(text)")
      if found != expected { break }
    }
  }

  @Test("a learnt key is found again by its content words with its entry and field; an unlearnt one is not, even with the table full")
  func keysFoundByContent() {
    let prediction = KeyPrediction()
    defer { prediction.deallocate() }
    // Each key as a line has it, with room after it (shortPlainString reads ahead).
    func learn(_ key: String, field: Int) -> (entry: Int, content: (low: UInt64, high: UInt64, count: Int)) {
      let bytes = Array("\"\(key)\":1,                ".utf8)
      return bytes.withUnsafeBufferPointer { buffer in
        let quote = buffer.baseAddress!  // non-empty literal
        let content = JSONScanner.shortPlainString(at: quote, end: quote + buffer.count)!  // a plain short key
        return (prediction.entry(for: quote, keyCount: key.utf8.count, field: field, content: (content.low, content.high)), content)
      }
    }
    // Short, one word; a second word (8 to 13 bytes); then more keys than the table holds.
    let level = learn("level", field: -1)
    let expectedMS = learn("expected_ms", field: 7)
    let more = (0..<40).map { learn("k\($0)", field: $0 % 5) }
    for (key, field) in [(level, -1), (expectedMS, 7)] {
      let found = prediction.known(low: key.content.low, high: key.content.high, count: key.content.count)
      #expect(found?.entry == key.entry && found?.field == field)
    }
    // The first 30 of the 40 were learnt (32 in all); the rest were not, and are not found.
    for (index, key) in more.enumerated() {
      let found = prediction.known(low: key.content.low, high: key.content.high, count: key.content.count)
      if index < KeyPrediction.capacity - 2 {
        #expect(found?.entry == key.entry && found?.field == index % 5, "k\(index)")
      } else {
        #expect(key.entry == KeyPrediction.unknown && found == nil, "k\(index)")
      }
    }
    // Same first word, another length: not the same key.
    #expect(prediction.known(low: level.content.low, high: 0, count: level.content.count - 1) == nil)
  }

  @Test("skipNumber stops where scanNumber does, or fails with the same reason and column, eight digits at a time or not")
  func skipNumberMatchesScan() {
    let digits = Array("9081726354".utf8)
    for count in 0...20 {
      let run = (0..<count).map { digits[$0 % digits.count] }
      for shape in [run, [UInt8(ascii: "-")] + run, run + Array(".5".utf8), run + Array("e+7".utf8), run + Array(".".utf8)] {
        for tail in ["", ",", "}", "x", " ", "0", "\u{7F}"] {
          let text = shape + Array(tail.utf8)
          let skipped = outcome(text) { try $0.skipNumber() }
          #expect(skipped == outcome(text) { _ = try $0.scanNumber() }, "\(String(decoding: text, as: UTF8.self))")
        }
      }
    }
  }

  @Test("Field.at is init(rawValue:) for every index")
  func fieldAt() {
    for index in -3...(Field.allCases.count + 3) {
      #expect(Field.at(index) == Field(rawValue: index), "\(index)")
    }
  }

  @Test("names hash and compare their last bytes a word at a time as byte by byte, at every length")
  func nameTailWords() {
    // The hash before its tail took one load: the last partial word built byte by byte.
    func reference(_ bytes: [UInt8]) -> UInt64 {
      var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
      var i = 0
      while i + 8 <= bytes.count {
        var word: UInt64 = 0
        for k in 0..<8 { word |= UInt64(bytes[i + k]) << UInt64(8 * k) }
        h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        i += 8
      }
      if i < bytes.count {
        var word: UInt64 = 0
        for k in i..<bytes.count { word |= UInt64(bytes[k]) << UInt64(8 * (k - i)) }
        h = (h ^ word) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
      }
      h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
      h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
      return h ^ (h >> 31)
    }
    let table = NameTable()
    for length in 0...40 {
      let name = (0..<length).map { UInt8(ascii: "a") + UInt8(($0 * 5 + length) % 26) }
      var padded = name + [0]
      #expect(padded.withUnsafeBufferPointer { NameTable.hash($0.baseAddress!, length) } == reference(name), "\(length)")
      let id = table.intern(String(decoding: name, as: UTF8.self))
      // The same bytes find the same name; one byte changed anywhere finds another.
      #expect(padded.withUnsafeBufferPointer { table.intern($0.baseAddress!, length) } == id)
      for position in 0..<length {
        padded[position] ^= 0x01
        #expect(padded.withUnsafeBufferPointer { table.intern($0.baseAddress!, length) } != id, "\(length) at \(position)")
        padded[position] ^= 0x01
      }
    }
  }

  @Test("keys of 8 to 15 bytes are matched from two words; near misses are ignored fields")
  func longerKeys() throws {
    let parser = EventParser()
    parser.traces.capturing = true
    let event = try #require(
      try parseLine(
        #"{"ts":1,"event":"acquire","agent":"a","lock":"L","expected_ms":5,"lease_ms":2,"trace_id":"t1","trace_idx":"no","expected_msx":9}"#,
        parser: parser
      ).get())
    #expect(event.expectedNanos == 5_000_000)
    #expect(event.leaseNanos == 2_000_000)
    #expect(parser.traces.context(event.traceSlot)?.traceID == "t1")
    // A key ending the line's readable bytes early still matches (the one-word path or the general one).
    let short = try #require(try parseLine(#"{"ts":1,"event":"release","agent":"a","lock":"L","lease_ms":1}"#).get())
    #expect(short.leaseNanos == 1_000_000)
  }

  @Test("the writer's own buffer grows past its first 256 bytes and keeps every byte, escapes included")
  func writerGrowth() {
    var json = JSONWriter(compact: true)
    var expected: [UInt8] = []
    json.beginArray()
    expected.append(UInt8(ascii: "["))
    for index in 0..<3000 {
      // Some strings are mostly escapes (six bytes out for each byte in), some long and plain.
      let text = index % 3 == 0 ? String(repeating: "\u{01}\"", count: index % 50) : String(repeating: "ab", count: index % 400)
      json.beginObject()
      json.field("k\(index)", text)
      json.field("n", Int64(-index))
      json.endObject()
      if index > 0 { expected.append(UInt8(ascii: ",")) }
      expected += Array("{".utf8)
      JSONWriter.appendString("k\(index)", to: &expected)
      expected.append(UInt8(ascii: ":"))
      JSONWriter.appendString(text, to: &expected)
      expected += Array(",\"n\":\(-index)}".utf8)
    }
    json.endArray()
    expected.append(UInt8(ascii: "]"))
    #expect(json.bytes == expected)
    #expect(json.text == String(decoding: expected, as: UTF8.self))
  }

  @Test("trace and span ids no output asks for are still checked: duplicates and wrong types fail")
  func uncapturedIdsStillChecked() {
    let base = #"{"ts":1,"event":"release","agent":"a","lock":"L","#
    #expect(parseError(base + #""trace_id":"x","trace_id":"y"}"#)?.contains("trace_id") == true)
    #expect(parseError(base + #""span_id":true}"#) != nil)
    #expect(parseError(base + #""trace_id":"a\x"}"#) != nil)
    #expect(parseError(base + "\"span_id\":\"a\u{01}\"}") != nil)
    #expect(parseError(base + #""trace_id":"abc","span_id":"def"}"#) == nil)
  }

  @Test("appendString escapes every ASCII byte at every offset as the byte-at-a-time rule does")
  func escapesAtEveryOffset() {
    for byte in UInt8(0)...UInt8(0x7F) {
      for offset in 0..<20 {
        var text = Array("héllo wörld, plain text".utf8)
        text.insert(byte, at: min(offset, text.count))
        let string = String(decoding: text, as: UTF8.self)
        var written: [UInt8] = []
        JSONWriter.appendString(string, to: &written)
        #expect(written == jsonQuotedByHand(string.utf8), "byte \(byte) at \(offset)")
      }
    }
  }

  @Test("integers are written with every digit, including the extremes of Int64")
  func integers() {
    for value: Int64 in [0, 7, -7, 10, 1_000_000_007, .max, .min, .min + 1] {
      var written: [UInt8] = []
      JSONWriter.appendInteger(value, to: &written)
      #expect(String(decoding: written, as: UTF8.self) == String(value))
    }
  }

  @Test("containers nested deeper than 64 levels get their commas and indents right")
  func deepNesting() {
    var json = JSONWriter()
    for _ in 0..<70 { json.beginArray() }
    json.field("x", 1)
    json.string("y")
    for _ in 0..<70 { json.endArray() }
    var expected = ""
    for level in 0..<70 { expected += (level == 0 ? "" : "\n" + String(repeating: " ", count: 2 * level)) + "[" }
    let inner = "\n" + String(repeating: " ", count: 140)
    expected += inner + #""x": 1,"# + inner + #""y""#
    for level in stride(from: 69, through: 0, by: -1) { expected += "\n" + String(repeating: " ", count: 2 * level) + "]" }
    #expect(json.text == expected + "\n")
  }
}
