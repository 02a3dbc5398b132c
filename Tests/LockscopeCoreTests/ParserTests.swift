import Testing

@testable import LockscopeCore

@Suite("Parsing one line")
struct ParserTests {
  @Test("reads every field, in any key order, with whitespace between tokens")
  func everyField() throws {
    let parser = EventParser()
    let event = try #require(
      try parseLine(
        #" { "lock" : "db:users" , "capacity":3, "mode":"shared","lease_ms": 1500.5, "token": 42, "trace_id":"abc", "span_id": 7, "agent":"w-1", "event":"acquire", "ts":"2026-11-22T10:00:00Z" } "#,
        parser: parser
      ).get())
    #expect(event.kind == .acquire)
    #expect(event.mode == .shared)
    #expect(event.time == t0)
    #expect(parser.agents.name(event.agent.rawValue) == "w-1")
    #expect(parser.locks.name(event.lock.rawValue) == "db:users")
    #expect(event.capacity == 3)
    #expect(event.leaseNanos == 1_500_500_000)
    #expect(event.hasToken && event.token == 42)
  }

  @Test("every event kind is recognised; crash needs no lock")
  func eventKinds() throws {
    for kind in EventKind.allCases {
      let lock = kind == .crash ? "" : #","lock":"L""#
      let event = try #require(try parseLine(#"{"ts":1,"event":"\#(kind.name)","agent":"a"\#(lock)}"#).get())
      #expect(event.kind == kind)
    }
    let crash = try #require(try parseLine(#"{"ts":1,"event":"crash","agent":"a"}"#).get())
    #expect(crash.lock == .none)
  }

  @Test("ignored fields may hold nested objects, arrays and numbers in every JSON form")
  func ignoredValues() throws {
    let line =
      #"{"meta":{"a":[1,-0,1e-7,2E+3,0.5,-12.25e2,true,false,null,{"x":[[]]}],"s":"q\"\\\/\b\f\n\r\t\u00e9"},"ts":1,"event":"release","agent":"a","lock":"L","x":[]}"#
    let event = try #require(try parseLine(line).get())
    #expect(event.kind == .release)
  }

  @Test("blank and whitespace-only lines are not events and not errors")
  func blankLines() throws {
    #expect(try parseLine("").get() == nil)
    #expect(try parseLine(" \t\r").get() == nil)
  }

  @Test("null in an optional field means the field is absent")
  func nullOptional() throws {
    let event = try #require(
      try parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L","mode":null,"capacity":null,"lease_ms":null,"token":null}"#).get())
    #expect(event.mode == .exclusive && event.capacity == 0 && event.leaseNanos == -1 && !event.hasToken)
  }

  @Test("JSON escapes in names decode, surrogate pairs included, and intern to the same id as the plain spelling")
  func escapedNames() throws {
    let parser = EventParser()
    let escaped = try #require(
      try parseLine(#"{"ts":1,"event":"acquire","agent":"ag\u0065nt-1","lock":"caf\u00e9 \ud83d\udd12 \"q\" \\ \/"}"#, parser: parser).get()
    )
    let plain = try #require(
      try parseLine(#"{"ts":2,"event":"release","agent":"agent-1","lock":"café 🔒 \"q\" \\ /"}"#, parser: parser).get())
    #expect(escaped.agent == plain.agent)
    #expect(escaped.lock == plain.lock)
    #expect(parser.locks.name(escaped.lock.rawValue) == "café 🔒 \"q\" \\ /")
    #expect(parser.agents.count == 1)
  }

  @Test("escaped names of every length decode whole: runs of every size between escapes, longer than the buffer first made")
  func escapedNamesOfEveryLength() throws {
    let parser = EventParser()
    var generator = SystemRandomNumberGenerator()
    let pieces: [(plain: String, escaped: String)] = [
      ("a", "a"), ("z", "z"), ("-", "-"), ("/", "\\/"), ("\"", "\\\""), ("é", "\\u00e9"), ("é", "é"), ("🔒", "\\ud83d\\udd12"),
      ("\t", "\\t"),
    ]
    for length in 1...300 {
      var plain = "", escaped = ""
      for _ in 0..<length {
        // Mostly plain letters, so the runs between escapes take every length.
        let piece =
          Int.random(in: 0..<20, using: &generator) < 17
          ? pieces[Int.random(in: 0..<3, using: &generator)] : pieces.randomElement(using: &generator)!
        plain += piece.plain
        escaped += piece.escaped
      }
      let line = #"{"ts":1,"event":"acquire","agent":"a","lock":""# + escaped + #""}"#
      let event = try #require(try parseLine(line, parser: parser).get())
      #expect(parser.locks.name(event.lock.rawValue) == plain, "\(escaped)")
    }
  }

  @Test("escaped keys are matched after decoding")
  func escapedKeys() throws {
    let event = try #require(try parseLine(#"{"t\u0073":1,"ev\u0065nt":"acquire","agent":"a","lock":"L"}"#).get())
    #expect(event.kind == .acquire)
  }

  @Test("--field and --event remap keys and event names")
  func remapping() throws {
    var map = FieldMap()
    map.remap(.ts, to: "timestamp")
    map.remap(.lock, to: "resource")
    map.remap(.agent, to: "worker")
    map.remap(.event, to: "action")
    map.remap(.acquire, to: "lock_acquired")
    let event = try #require(
      try parseLine(#"{"timestamp":"2026-11-22T10:00:00Z","action":"lock_acquired","worker":"w","resource":"r"}"#, fieldMap: map).get())
    #expect(event.kind == .acquire && event.time == t0)
    // The default spellings no longer count once remapped.
    if case .failure(let error) = parseLine(#"{"timestamp":1,"action":"acquire","worker":"w","resource":"r"}"#, fieldMap: map) {
      #expect(error.reason.description.contains("unknown event \"acquire\""))
    } else {
      Issue.record("the old event name was accepted")
    }
  }

  /// Each kind of malformed line, with the reason lockscope must give.
  @Test(
    "a malformed line is rejected with its reason",
    arguments: [
      ("not json", "not a JSON object"),
      (#"[1,2]"#, "not a JSON object (an array)"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L""#, "unexpected end of line"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L"} x"#, "trailing characters after the object"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L"}{}"#, "trailing characters after the object"),
      (#"{"event":"acquire","agent":"a","lock":"L"}"#, "missing field \"ts\""),
      (#"{"ts":1,"agent":"a","lock":"L"}"#, "missing field \"event\""),
      (#"{"ts":1,"event":"acquire","lock":"L"}"#, "missing field \"agent\""),
      (#"{"ts":1,"event":"acquire","agent":"a"}"#, "missing field \"lock\""),
      (#"{"ts":1,"event":"acquire","agent":42,"lock":"L"}"#, "\"agent\" must be a string, not a number"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":["L"]}"#, "\"lock\" must be a string, not an array"),
      (#"{"ts":1,"event":"grab","agent":"a","lock":"L"}"#, "unknown event \"grab\""),
      (#"{"ts":"yesterday","event":"acquire","agent":"a","lock":"L"}"#, "unreadable timestamp \"yesterday\""),
      (#"{"ts":true,"event":"acquire","agent":"a","lock":"L"}"#, "\"ts\" must be a string or a number, not a boolean"),
      (#"{"ts":1e400,"event":"acquire","agent":"a","lock":"L"}"#, "timestamp out of range"),
      (#"{"ts":1,"event":"acquire","agent":"a\x","lock":"L"}"#, "invalid escape \\x"),
      (#"{"ts":1,"event":"acquire","agent":"a\u12","lock":"L"}"#, "invalid \\u escape"),
      ("{\"ts\":1,\"event\":\"acquire\",\"agent\":\"a\u{01}\",\"lock\":\"L\"}", "control character U+0001"),
      (#"{"ts":1,"event":"acquire","agent":"\ud800","lock":"L"}"#, "unpaired surrogate \\uD800"),
      (#"{"ts":1,"event":"acquire","agent":"\udc00x","lock":"L"}"#, "unpaired surrogate \\uDC00"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","capacity":0}"#, "\"capacity\" must be an integer >= 1"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","capacity":1.5}"#, "\"capacity\" must be an integer >= 1"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","mode":"sideways"}"#, "\"mode\" must be \"exclusive\" or \"shared\""),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","lease_ms":-5}"#, "\"lease_ms\" must be a non-negative number"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","token":"7"}"#, "\"token\" must be an integer"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","lock":"M"}"#, "duplicate key \"lock\""),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L",}"#, "expected a key string"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","x":01}"#, "expected ',' or '}'"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","x":1.}"#, "no digit after '.'"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","x":tru}"#, "invalid literal"),
      (#"{"ts":1,"event":"acquire","agent":"a","lock":"L","x":'s'}"#, "unexpected character '''"),
      (#"{"ts":1 "event":"acquire"}"#, "expected ',' or '}' after a value"),
      (#"{ts:1}"#, "expected a key string"),
    ])
  func malformed(line: String, reason: String) {
    let error = parseError(line)
    #expect(error?.contains(reason) == true, "got \(error ?? "no error")")
  }

  @Test("invalid UTF-8 inside a string is rejected, valid multi-byte UTF-8 accepted")
  func utf8() {
    func line(_ name: [UInt8]) -> String? {
      var bytes = Array(#"{"ts":1,"event":"acquire","agent":""#.utf8) + name + Array(#"","lock":"L"}"#.utf8)
      let count = bytes.count
      bytes.append(0)
      let parser = EventParser()
      return bytes.withUnsafeBufferPointer { buffer -> String? in
        do {
          _ = try parser.parse(UnsafeBufferPointer(rebasing: buffer[0..<count]), source: SourceLocation(input: 0, line: 1))
          return nil
        } catch { return (error as? LineError)?.reason.description ?? "\(error)" }
      }
    }
    #expect(line([0xC3, 0xA9]) == nil)  // é
    #expect(line([0xF0, 0x9F, 0x94, 0x92]) == nil)  // 🔒
    #expect(line([0xFF])?.contains("invalid UTF-8") == true)
    #expect(line([0xC3])?.contains("UTF-8") == true)  // truncated before the quote
    #expect(line([0xC0, 0xAF])?.contains("invalid UTF-8") == true)  // overlong
    #expect(line([0xED, 0xA0, 0x80])?.contains("invalid UTF-8") == true)  // encoded surrogate
    #expect(line([0xF4, 0x90, 0x80, 0x80])?.contains("invalid UTF-8") == true)  // above U+10FFFF
  }

  @Test("error reasons carry the column of the fault")
  func columns() {
    if case .failure(let error) = parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L"} x"#) {
      #expect(error.column == 51)
    } else {
      Issue.record("accepted")
    }
  }

  @Test("a skipped line's reason is a case with its column, printed as the same text as before")
  func reasonCases() {
    #expect(throws: LineError(.notAnObject(array: true), column: 1)) { try parseLine("[1]").get() }
    #expect(throws: LineError(.trailingCharacters, column: 51)) {
      try parseLine(#"{"ts":1,"event":"acquire","agent":"a","lock":"L"} x"#).get()
    }
    #expect(throws: LineError(.missingField("agent"))) { try parseLine(#"{"ts":1,"event":"crash"}"#).get() }
    #expect(
      LineError(.unknownEvent(shown: "grab", expected: "request, acquire"), column: 17).description
        == #"unknown event "grab" (expected one of request, acquire) (column 17)"#)
    #expect(LineError(.notAString(key: "agent", actual: "a number")).description == #""agent" must be a string, not a number"#)
    #expect(
      LineError(.attribute(key: "lock.capacity", .intValueNotAnInteger)).description == #""lock.capacity": "intValue" must hold an integer"#
    )
  }
}
