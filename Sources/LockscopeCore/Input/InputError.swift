/// An input that cannot be read at all (exit status 2), as opposed to a bad line in it.
public struct InputError: Error, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
