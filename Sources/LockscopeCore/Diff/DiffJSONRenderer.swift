/// `lockscope diff --format json`: both sides' runs, and per overall, lock, family and agent
/// every statistic as `{"before", "after", "change"}` (change a fraction, null from 0 or
/// from nothing); durations in nanoseconds under keys ending in `_ns`.
struct DiffJSONRenderer {
  init() {}

  func render(_ diff: ReportDiff, regression: (statistic: DiffStatistic, percent: Double)? = nil) -> String {
    var json = JSONWriter(compact: false)
    json.beginObject()
    for (key, side) in [("before", diff.before), ("after", diff.after)] {
      json.beginObject(key)
      json.beginArray("inputs")
      for input in side.inputs { json.string(input) }
      json.endArray()
      json.field("events", side.events)
      json.field("makespan_ns", side.makespan)
      json.field("acquisitions", side.acquisitions)
      json.field("throughput_per_s", side.throughput)
      json.endObject()
    }
    json.beginObject("overall")
    for change in [diff.makespan, diff.throughput] + diff.overall.changes { write(change, into: &json) }
    json.endObject()
    for (key, nameKey, subjects) in [
      ("locks", "lock", diff.locks), ("families", "family", diff.families), ("agents", "agent", diff.agents),
    ] {
      json.beginArray(key)
      for subject in subjects {
        json.beginObject()
        json.field(nameKey, subject.name)
        json.field("in", subject.inBefore && subject.inAfter ? "both" : subject.inBefore ? "before" : "after")
        for change in subject.changes { write(change, into: &json) }
        json.endObject()
      }
      json.endArray()
    }
    json.beginObject("findings")
    for (key, findings) in [("gone", diff.gone), ("new", diff.new)] {
      json.beginArray(key)
      for finding in findings {
        json.beginObject()
        JSONReportRenderer.write(finding, into: &json)
        json.endObject()
      }
      json.endArray()
    }
    json.endObject()
    if let (statistic, percent) = regression {
      json.beginObject("regression")
      json.field("stat", statistic.name)
      json.field("threshold_pct", percent)
      json.value("change", diff.overallChange(statistic).relative.map { .double($0) } ?? .null)
      json.field("failed", diff.regressed(statistic, byMoreThan: percent))
      json.endObject()
    }
    json.endObject()
    return json.text
  }

  private func write(_ change: ReportDiff.Change, into json: inout JSONWriter) {
    json.beginObject(change.statistic.jsonKey)
    for (key, value) in [("before", change.before), ("after", change.after)] {
      guard let value else {
        json.value(key, .null)
        continue
      }
      switch change.statistic.unit {
      case .duration, .count: json.field(key, Int64(value.rounded()))
      case .ratio, .perSecond: json.field(key, value)
      }
    }
    json.value("change", change.relative.map { .double($0) } ?? .null)
    json.endObject()
  }
}
