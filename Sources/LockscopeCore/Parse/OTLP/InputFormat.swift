/// What the input lines are (`--from`): lock event lines (SPEC §1) or OpenTelemetry spans
/// (SPEC §1b).
enum InputFormat: String, CaseIterable, Sendable {
  /// One lock event per line, streamed in bounded memory.
  case jsonl
  /// One OTLP/JSON `ExportTraceServiceRequest` per line, read whole and sorted by time.
  case otlp
}
