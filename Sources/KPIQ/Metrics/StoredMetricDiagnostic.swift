/// Problems with a metric defined earlier, told where it is used now.
///
/// A metric is checked when it is defined, so when it fails later the data changed under it
/// (its dataset was dropped, or reloaded with other columns). The problem's place is in the
/// definition's text, which is not the statement being run: its span would point at the wrong
/// line, so the diagnostic points at the metric's name where it is used and says what the
/// definition was.
extension Diagnostic {
    func storedMetric(_ definition: MetricDefinition, usedAt span: Span?) -> Diagnostic {
        var diagnostic = self
        diagnostic.message = "metric `\(definition.name.name)` (defined as \(definition.text)) cannot be computed any more: " + message
        diagnostic.span = span
        if let label {
            // The suggestion is about the definition's text.
            diagnostic.hints.insert("in its definition, \(label)", at: 0)
            diagnostic.label = nil
        }
        diagnostic.hints.append("redefine it (metric \(definition.name.name) = ...), or load the data it read again")
        return diagnostic
    }
}
