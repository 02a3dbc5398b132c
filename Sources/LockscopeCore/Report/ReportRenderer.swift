/// Turns a report into text in one format. One renderer per format; renderers never analyse.
protocol ReportRenderer {
  func render(_ report: Report) -> String
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
