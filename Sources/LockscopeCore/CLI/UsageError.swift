/// A mistake on the command line: exit status 2, with a hint of what to do.
public struct UsageError: Error, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
