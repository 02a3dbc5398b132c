/// Turns a report into text in one format. One renderer per format; renderers never analyse.
protocol ReportRenderer {
  func render(_ report: Report) -> String
  /// The same text as UTF-8 bytes (a renderer that writes bytes skips the `String`).
  func renderBytes(_ report: Report) -> [UInt8]
}

extension ReportRenderer {
  func renderBytes(_ report: Report) -> [UInt8] { Array(render(report).utf8) }
}

/// The formats `report --format` accepts.
enum ReportFormat: String, CaseIterable, Sendable {
  case text, json, markdown, prometheus

  func renderer(style: TerminalStyle, top: Int) -> any ReportRenderer {
    switch self {
    case .text: TextReportRenderer(style: style, top: top)
    case .json: JSONReportRenderer()
    case .markdown: MarkdownReportRenderer(top: top)
    case .prometheus: PrometheusRenderer()
    }
  }
}
