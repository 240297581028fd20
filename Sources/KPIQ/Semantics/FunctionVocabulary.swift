/// Function names that are not `ScalarFunction`s or `AggregateFunction`s, for completion and
/// help: each list is the one its binder reads.
package enum FunctionVocabulary {
    /// Pipeline window functions (`derive prev = lag(x)`).
    package static var windowFunctions: [String] { WindowCall.names }
    /// Forms of a metric's expression (`rolling(count_distinct(...), 90 days)`).
    package static let metricForms = ["rolling", "cumulative", "open", "repeated", "share"]
    /// `show ... by first_touch(sessions.source)`.
    package static var dimensionFunctions: [String] { TouchDimension.functionNames }
}
