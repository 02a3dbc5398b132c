/// A mistake on the command line: exit status 2, with a hint of what to do.
struct UsageError: Error, Equatable, Sendable {
  var message: String
  init(_ message: String) { self.message = message }
}
