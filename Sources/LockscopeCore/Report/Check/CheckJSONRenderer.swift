/// `check --format json`: every rule, every check (none elided), values in base units
/// (nanoseconds, fractions, counts) as in the JSON report.
struct CheckJSONRenderer: CheckRenderer {
  init() {}

  func render(_ outcome: CheckOutcome) -> String {
    var json = JSONWriter()
    json.beginObject()
    json.field("status", outcome.passed ? "pass" : "fail")
    json.field("passed", outcome.passedRules)
    json.field("failed", outcome.failedRules)
    json.field("default_rules", outcome.usedDefaultRules)
    json.field("allow_empty", outcome.allowEmpty)
    let summary = outcome.report.summary
    json.beginObject("summary")
    json.field("events", summary.events)
    json.field("skipped_lines", summary.skippedLines)
    json.field("first_ts", summary.firstTime.map(Timestamp.rfc3339))
    json.field("last_ts", summary.lastTime.map(Timestamp.rfc3339))
    json.field("locks", summary.locks)
    json.field("agents", summary.agents)
    json.endObject()
    json.beginArray("rules")
    for result in outcome.results {
      let rule = result.rule
      json.beginObject()
      json.field("rule", rule.text)
      json.field("source", rule.origin.description)
      json.field("scope", rule.scopeKind)
      json.field("glob", rule.glob)
      json.field("metric", rule.metric.name)
      json.field("unit", rule.metric.quantity.jsonUnit)
      json.field("operator", rule.comparison.rawValue)
      json.field("threshold", rule.threshold)
      json.field("threshold_text", rule.thresholdText)
      json.field("status", result.passed ? "pass" : "fail")
      json.beginArray("checks")
      for check in result.checks {
        json.beginObject()
        if let subject = check.subject { json.field(rule.scopeKind, subject) }
        if let measured = check.measured { json.field("measured", measured) } else { json.field("measured", nil as String?) }
        json.field("status", check.passed ? "pass" : "fail")
        json.endObject()
      }
      json.endArray()
      json.endObject()
    }
    json.endArray()
    json.endObject()
    return json.text
  }
}

extension SLOQuantity {
  /// The unit of `threshold` and `measured` in JSON.
  var jsonUnit: String {
    switch self {
    case .duration: "ns"
    case .ratio: "ratio"
    case .count: "count"
    case .number: "number"
    }
  }
}
