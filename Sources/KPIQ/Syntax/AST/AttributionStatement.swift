/// `attribution contacts to sessions on visitor_id by source model linear, first within 30 days over month`
///
/// Credits each conversion (a row of `conversions`, dated by its time column) to the touches
/// before it (rows of `touches` with the same key, dated at or before the conversion and
/// inside the lookback window), split by each model.
package struct AttributionStatement: Sendable {
    /// How one conversion's credit of 1 is split among its touches, oldest first.
    package enum Model: Sendable, Equatable {
        /// All to the oldest touch.
        case first
        /// All to the latest touch.
        case last
        /// Equal shares.
        case linear
        /// 40% to the first and to the last, 20% shared by those between (one touch gets all
        /// of it, two get half each).
        case position
        /// A touch's weight halves every `halfLife` before the conversion; shares are the
        /// weights over their sum.
        case timeDecay(halfLife: Interval)

        /// The model's name as written (`time_decay(7 days)`).
        package var description: String {
            switch self {
            case .first: return "first"
            case .last: return "last"
            case .linear: return "linear"
            case .position: return "position"
            case .timeDecay(let halfLife): return "time_decay(\(halfLife.description))"
            }
        }

        /// The words `model` takes.
        package static let words = ["first", "last", "linear", "position", "time_decay"]
    }

    /// The lookback window when the statement gives none.
    package static let defaultWindow = Interval(days: 30)

    package var conversions: Identifier
    /// `contacts.customer_at`: the conversion's time; nil: the dataset's time column.
    package var conversionTime: Identifier?
    package var touches: Identifier
    /// `sessions.ts`: the touch's time; nil: the dataset's time column.
    package var touchTime: Identifier?
    /// `on visitor_id` (the same name on both sides) or `on visitor_id = visitor`.
    package var conversionKey: Identifier
    package var touchKey: Identifier
    /// Columns of `touches` the credit is reported by.
    package var dimensions: [Identifier]
    /// In the order written; at least one (`linear` when none is written).
    package var models: [Model]
    package var within: Interval?
    package var grain: Grain?
    /// Picks conversions by their time.
    package var range: TimeRange?
    /// `value amount`: a column of `conversions` credited like the conversion itself.
    package var value: Identifier?
    /// `where won = 1`: which rows of `conversions` are conversions.
    package var condition: Expression?

    package var window: Interval { within ?? Self.defaultWindow }
}
