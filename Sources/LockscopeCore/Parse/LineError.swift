/// Why a log line was skipped. Built only on the error path, so it may allocate.
public struct LineError: Error, Equatable, Sendable {
  public var reason: String
  /// 1-based byte column of the fault, when there is one.
  public var column: Int?

  public init(_ reason: String, column: Int? = nil) {
    self.reason = reason
    self.column = column
  }

  /// `reason (column N)`, as printed after `FILE:LINE:`.
  public var description: String {
    guard let column else { return reason }
    return "\(reason) (column \(column))"
  }
}
