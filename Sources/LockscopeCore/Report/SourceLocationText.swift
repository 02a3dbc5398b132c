extension SourceLocation {
  /// `FILE:LINE`, the file named from `inputNames` (`?` when it is not among them). Written
  /// straight into the string's own memory: a report names thousands (every finding's
  /// event, every step of a lock-order chain), and an interpolated string, or one made from
  /// an array of bytes, cost three times as much.
  func text(inputNames: [String]) -> String {
    let name = input >= 0 && Int(input) < inputNames.count ? inputNames[Int(input)] : "?"
    // A colon and at most 20 characters of line.
    return String(unsafeUninitializedCapacity: name.utf8.count + 21) { memory in
      var text = FillingBuffer(memory: memory)
      if name.utf8.withContiguousStorageIfAvailable({ text.appendUnchecked($0) }) == nil {
        for byte in name.utf8 { text.appendUnchecked(byte) }
      }
      text.appendUnchecked(UInt8(ascii: ":"))
      JSONWriter.appendInteger(line, to: &text)
      return text.count
    }
  }
}

/// Memory sized beforehand (a string's, as it is made), filled from its start.
private struct FillingBuffer: JSONByteSink {
  let memory: UnsafeMutableBufferPointer<UInt8>
  private(set) var count = 0

  init(memory: UnsafeMutableBufferPointer<UInt8>) { self.memory = memory }

  func reserve(_ count: Int) { precondition(self.count + count <= memory.count) }

  mutating func appendUnchecked(_ byte: UInt8) {
    memory[count] = byte
    count += 1
  }

  mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let start = bytes.baseAddress, let end = memory.baseAddress else { return }
    (end + count).initialize(from: start, count: bytes.count)
    count += bytes.count
  }
}
