/// A value kept behind one reference that is made the first time the value is changed: a
/// struct holding one costs a null pointer until then (a million per-key locks and rows,
/// most of which never need what it holds). Copies share the reference until one of them
/// changes the value (copy on write).
struct LazyBox<Value: Sendable>: Sendable {
  private final class Storage: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
  }

  private var storage: Storage?

  init() {}

  /// Whether the value was ever changed (made).
  var isMade: Bool { storage != nil }

  /// What `body` reads of the value, nil until it is made (read in place, not copied out).
  @inline(__always)
  func read<Result>(_ body: (Value) -> Result) -> Result? {
    guard let storage else { return nil }
    return body(storage.value)
  }

  /// The value to change in place: made from `initial` the first time, copied first when a
  /// copy of the holder shares it.
  subscript(making initial: @autoclosure () -> Value) -> Value {
    get { storage?.value ?? initial() }
    @inline(__always) _modify {
      if storage == nil {
        storage = Storage(initial())
      } else if !isKnownUniquelyReferenced(&storage) {
        storage = Storage(storage!.value)
      }
      yield &storage!.value
    }
  }
}
