/// Turns a report into text in one format. One renderer per format; renderers never analyse.
protocol ReportRenderer {
  func render(_ report: Report) -> String
  /// The rendering written to `sink`; a renderer that makes bytes writes them as they are.
  func write(_ report: Report, to sink: TextSink) throws(TextSink.Stopped)
}

extension ReportRenderer {
  func write(_ report: Report, to sink: TextSink) throws(TextSink.Stopped) {
    try sink.write(render(report))
  }
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
