/// The walk over nested objects and arrays that OTLP/JSON needs and lock event lines do
/// not: members and elements one at a time, in place, with no tree and no `String`.
extension JSONScanner {
  /// Consumes the `{` of an object (after whitespace), or fails naming `what`.
  mutating func enterObject(_ what: @autoclosure () -> String) throws(LineError) {
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: "{") else {
      throw error(position < end ? .mustBeObject(what()) : .endOfLine(expected: what()))
    }
    position += 1
  }

  /// Consumes the `[` of an array (after whitespace), or fails naming `what`.
  mutating func enterArray(_ what: @autoclosure () -> String) throws(LineError) {
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: "[") else {
      throw error(position < end ? .mustBeArray(what()) : .endOfLine(expected: what()))
    }
    position += 1
  }

  /// The next member's key, its `:` consumed, or nil at the object's `}`. Call it right
  /// after `enterObject` with `first` true, then after each member's value is consumed.
  mutating func nextKey(_ first: inout Bool) throws(LineError) -> StringToken? {
    skipWhitespace()
    guard position < end else { throw error(.endOfLineInside("an object")) }
    if position.pointee == UInt8(ascii: "}") {
      position += 1
      return nil
    }
    if first {
      first = false
    } else {
      guard position.pointee == UInt8(ascii: ",") else { throw error(.expected("',' or '}' in an object")) }
      position += 1
      skipWhitespace()
    }
    guard position < end, position.pointee == UInt8(ascii: "\"") else {
      throw error(position < end ? .expected("a key string") : .endOfLineInside("an object"))
    }
    let key = try scanString()
    if position < end && position.pointee == UInt8(ascii: ":") {
      position += 1
    } else {
      try expect(UInt8(ascii: ":"), "':' after a key")
    }
    return key
  }

  /// Whether another element follows (positioned at it), false at the array's `]`. Call it
  /// right after `enterArray` with `first` true, then after each element is consumed.
  mutating func nextElement(_ first: inout Bool) throws(LineError) -> Bool {
    skipWhitespace()
    guard position < end else { throw error(.endOfLineInside("an array")) }
    if position.pointee == UInt8(ascii: "]") {
      position += 1
      return false
    }
    if first {
      first = false
      return true
    }
    guard position.pointee == UInt8(ascii: ",") else { throw error(.expected("',' or ']' in an array")) }
    position += 1
    return true
  }

  /// Whether the next value is `null` (consumed if so): OTLP writers may spell an absent
  /// member that way.
  mutating func skipNull() throws(LineError) -> Bool {
    skipWhitespace()
    guard position < end, position.pointee == UInt8(ascii: "n") else { return false }
    try skipValue(depth: 1)
    return true
  }
}
