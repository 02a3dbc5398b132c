/// An input that cannot be read at all (exit status 2), as opposed to a bad line in it.
struct InputError: Error, Equatable, Sendable {
  var message: String
  init(_ message: String) { self.message = message }
}
