import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Input forms through the built binary: pipes, gzip on standard input, many files, a slow
/// writer (issue 16; issue 13 items 10 and 12).
@Suite("Input through the binary", .serialized)
struct InputEndToEndTests {
  @Test("gzip on standard input is recognised by its magic bytes")
  func gzipOnStdin() throws {
    let result = try shell(#"gzip -c fixtures/input/quoted-epoch.jsonl | "$LOCKSCOPE" report --format json"#)
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out.contains(#""events": 5"#))
  }

  @Test("a truncated gzip on standard input: exit 2 with one line")
  func truncatedGzipOnStdin() throws {
    let result = try shell(#""$LOCKSCOPE" report < fixtures/input/cut-off.compressed"#)
    #expect(result.status == 2)
    #expect(result.err == "lockscope: cannot read '<stdin>': the compressed data ends early (a cut-off gzip archive)\n", "\(result.err)")
    #expect(result.out.isEmpty)
  }

  @Test("line length cap: a file and a pipe written in chunks give the same result (issue 13 item 10)")
  func lineCapSameForFileAndChunkedPipe() throws {
    let long =
      #"{"ts":"2026-11-29T10:00:00Z","event":"acquire","agent":"a","lock":"L","pad":""# + String(repeating: "x", count: 1_150_000) + "\"}"
    let path = scratchDirectory.path + "/lockscope-long-\(UUID().uuidString).jsonl"
    try (long + "\n" + #"{"ts":"2026-11-29T10:00:01Z","event":"acquire","agent":"b","lock":"M"}"# + "\n").write(
      toFile: path, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try shell(#""$LOCKSCOPE" report --format json "\#(path)""#)
    let chunked = try shell(#"{ head -c 600000 "\#(path)"; sleep 0.3; tail -c +600001 "\#(path)"; } | "$LOCKSCOPE" report --format json"#)
    let whole = try shell(#"cat "\#(path)" | "$LOCKSCOPE" report --format json"#)
    for result in [file, chunked, whole] {
      #expect(result.status == 0)
      #expect(result.out.contains(#""events": 1"#) && result.out.contains(#""skipped_lines": 1"#), "\(result.out.prefix(300))")
      #expect(result.err.contains(":1: line of 1150079 bytes is longer than the limit of 1048576 bytes"), "\(result.err)")
    }
    let raised = try shell(
      #"{ head -c 600000 "\#(path)"; sleep 0.3; tail -c +600001 "\#(path)"; } | "$LOCKSCOPE" report --format json --max-line 2M"#)
    #expect(raised.out.contains(#""events": 2"#))
  }

  @Test("2,000 files merge under a soft limit of 1,024 open files (issue 13 item 12)")
  func thousandsOfFiles() throws {
    let directory = scratchDirectory.path + "/lockscope-many-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for k in 0..<2000 {
      let line = #"{"ts":\#(1_795_946_400 + k),"event":"acquire","agent":"p\#(k)","lock":"L\#(k)"}"# + "\n"
      try line.write(toFile: directory + "/p\(k).jsonl", atomically: false, encoding: .utf8)
    }
    let result = try shell(#"ulimit -Sn 1024 && "$LOCKSCOPE" report --format json --no-findings "\#(directory)"/*.jsonl"#)
    #expect(result.status == 0, "\(result.err.prefix(300))")
    #expect(result.out.contains(#""events": 2000"#))
  }

  @Test("bad-line messages from a slow pipe come as the lines are read, not when a buffer fills (issue 13 item 12)")
  func slowPipeDiagnostics() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["report"]
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data("this is not json\n".utf8))
    var request = pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
    let ready = poll(&request, 1, 5000)
    #expect(ready == 1, "no message within 5 s while the writer is still open")
    if ready == 1 {
      var block = [UInt8](repeating: 0, count: 4096)
      let n = read(request.fd, &block, block.count)
      #expect(String(decoding: block[..<max(0, n)], as: UTF8.self).contains("<stdin>:1: not a JSON object"))
    }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
  }
}

@Suite("Scripts/install.sh")
struct InstallScriptTests {
  @Test("installs the binary, the man page and bash/zsh/fish completions under PREFIX")
  func installsIntoPrefix() throws {
    let prefix = scratchDirectory.path + "/lockscope-prefix-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: prefix) }
    let result = try shell(#"LOCKSCOPE_BIN="$LOCKSCOPE" Scripts/install.sh "\#(prefix)""#)
    #expect(result.status == 0, "\(result.err)")
    #expect(result.out.contains("installed lockscope"))
    for path in [
      "bin/lockscope", "share/man/man1/lockscope.1", "share/bash-completion/completions/lockscope",
      "share/zsh/site-functions/_lockscope", "share/fish/vendor_completions.d/lockscope.fish",
    ] {
      #expect(FileManager.default.fileExists(atPath: prefix + "/" + path), "\(path) not installed")
    }
    let version = try shell(#""\#(prefix)/bin/lockscope" --version"#)
    #expect(version.out.hasPrefix("lockscope "))
    let zsh = try String(contentsOfFile: prefix + "/share/zsh/site-functions/_lockscope", encoding: .utf8)
    #expect(zsh.hasPrefix("#compdef lockscope") && zsh.contains("--timezone"))
    #expect(try shell(#"Scripts/install.sh a b"#).status == 2)
  }
}
