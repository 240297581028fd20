/// `show leads by first_touch(sessions.source)`: a dimension of each row read from another
/// dataset's rows with the same key, the earliest (`first_touch`) or latest (`last_touch`) of
/// them by that dataset's time column: the source of a contact's first session. Touches dated
/// after the `as of` day are not known yet and do not count; of touches at one instant, both
/// pick the one first in the dataset, as `first(x, by)` and `last(x, by)` do.
/// For credit split over every touch before each conversion, use `attribution`.
///
/// The key is the second argument (`first_touch(sessions.source, visitor_id)`), or else the
/// one column the two datasets share (other than the touch column and the time column). The
/// dimension is planned as a lookup: the touches grouped by key with `first(column, time)`,
/// left-joined to the rows on the key, so a row without a key or a touch has n/a.
struct TouchDimension: Equatable {
    enum Which: String { case first, last }

    var which: Which
    var dataset: String
    var column: String
    /// Nil: the one column the datasets share.
    var key: String?

    static let functionNames = ["first_touch", "last_touch"]
    private static let prefix = "__touch:"

    /// The column the dimension is read from once joined in.
    var columnName: String { Self.prefix + [which.rawValue, dataset, column, key ?? ""].joined(separator: ":") }

    /// The dimension's name when not named: `first_touch_source`.
    var defaultName: String { "\(which.rawValue)_touch_\(column)" }

    init(which: Which, dataset: String, column: String, key: String?) {
        self.which = which
        self.dataset = dataset
        self.column = column
        self.key = key
    }

    init?(columnName: String) {
        guard columnName.hasPrefix(Self.prefix) else { return nil }
        let parts = columnName.dropFirst(Self.prefix.count).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let which = Which(rawValue: parts[0]) else { return nil }
        self.init(which: which, dataset: parts[1], column: parts[2], key: parts[3].isEmpty ? nil : parts[3])
    }

    /// The touch dimension `expression` asks for, checked against the catalog; nil when it is
    /// not a `first_touch`/`last_touch` call.
    static func parse(_ expression: Expression, catalog: Catalog) throws -> TouchDimension? {
        guard case .call(let function, let arguments, _) = expression.kind, functionNames.contains(function.name.lowercased()) else { return nil }
        let which: Which = function.name.lowercased() == "first_touch" ? .first : .last
        let usage = "\(function.name)(DATASET.COLUMN[, KEY]): \(function.name)(sessions.source, visitor_id)"
        guard (1...2).contains(arguments.count), case .name(let parts) = arguments[0].kind, parts.count == 2 else {
            throw Diagnostic(.invalidArgument, "`\(function.name)` reads a column of the touches' dataset: \(usage)", at: expression.span)
        }
        guard let touches = catalog[parts[0].name] else {
            var diagnostic = Diagnostic(.unknownDataset, "unknown dataset `\(parts[0].name)`", at: parts[0].span)
            if let near = EditDistance.closest(to: parts[0].name, among: catalog.names) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        guard touches.table.index(of: parts[1].name) != nil else {
            var diagnostic = Diagnostic(.unknownColumn, "`\(parts[1].name)` is not a column of `\(touches.name)`", at: parts[1].span)
            if let near = EditDistance.closest(to: parts[1].name, among: touches.table.names) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        guard touches.timeColumn != nil else {
            throw Diagnostic(.missingDimension, "`\(touches.name)` has no time column: which touch is first?", at: parts[0].span,
                             hints: ["load it with `time COLUMN`, or: set time \(touches.name).COLUMN"])
        }
        var key: String?
        if arguments.count == 2 {
            guard case .name(let keyParts) = arguments[1].kind, keyParts.count == 1 else {
                throw Diagnostic(.invalidArgument, "the key of `\(function.name)` is a column name: \(usage)", at: arguments[1].span)
            }
            guard touches.table.index(of: keyParts[0].name) != nil else {
                throw Diagnostic(.unknownColumn, "`\(keyParts[0].name)` is not a column of `\(touches.name)`", at: keyParts[0].span)
            }
            key = keyParts[0].name
        }
        return TouchDimension(which: which, dataset: touches.name, column: parts[1].name, key: key)
    }

    /// `rows` (a dataset's plan) with this dimension's column joined in.
    func join(_ rows: LogicalPlan, rowsName: String, catalog: Catalog, asOf: Int64?, span: Span) throws -> LogicalPlan {
        let touches = catalog[dataset]!
        let time = touches.timeColumn!
        let rowsSchema = rows.schema
        let keyName: String
        if let key {
            guard rowsSchema.index(of: key) != nil else {
                throw Diagnostic(.missingDimension, "`\(rowsName)` has no `\(key)` to find its touches in `\(dataset)` by", at: span)
            }
            keyName = key
        } else {
            let shared = touches.table.names.filter { $0 != column && $0 != time && rowsSchema.index(of: $0) != nil && !$0.hasPrefix("__") }
            guard shared.count == 1 else {
                let which = shared.isEmpty ? "no column" : "several columns (" + shared.joined(separator: ", ") + ")"
                throw Diagnostic(.missingDimension, "`\(rowsName)` and `\(dataset)` share \(which): name the key", at: span,
                                 hints: ["for example: \(self.which.rawValue)_touch(\(dataset).\(column), \(shared.first ?? "visitor_id"))"])
            }
            keyName = shared[0]
        }
        var touchRows = LogicalPlan.scan(name: dataset, table: touches.table)
        let ts = touchRows.schema
        let timeIndex = ts.index(of: time)!, keyIndex = ts.index(of: keyName)!, valueIndex = ts.index(of: column)!
        let timeType = ts.fields[timeIndex].type
        func ref(_ i: Int) -> BoundExpression { BoundExpression(.column(i), type: ts.fields[i].type, span: .none) }
        guard rowsSchema.fields[rowsSchema.index(of: keyName)!].type == ts.fields[keyIndex].type else {
            throw Diagnostic(.typeMismatch, "`\(rowsName).\(keyName)` is \(rowsSchema.fields[rowsSchema.index(of: keyName)!].type.name), "
                             + "`\(dataset).\(keyName)` is \(ts.fields[keyIndex].type.name)", at: span)
        }
        if let asOf {
            let end = BoundExpression(.constant(timeType == .date ? .date(AsOfRange.end(asOf: asOf)) : .timestamp(CohortPlanner.endOfDay(asOf, timeType))),
                                      type: timeType, span: .none)
            touchRows = .filter(touchRows, BoundExpression(.comparison(.less, ref(timeIndex), end), type: .bool, span: .none))
        }
        let pick = BoundAggregate(function: which == .first ? .first : .last, argument: ref(valueIndex), fraction: nil, orderBy: ref(timeIndex),
                                  filter: nil, type: ts.fields[valueIndex].type, span: .none)
        let lookup = LogicalPlan.aggregate(.filter(touchRows, BoundExpression(.isNull(ref(keyIndex), negated: true), type: .bool, span: .none)),
                                           keys: [ref(keyIndex)], aggregates: [pick],
                                           Schema(fields: [Schema.Field(name: "__touch_key", type: ts.fields[keyIndex].type),
                                                           Schema.Field(name: columnName, type: ts.fields[valueIndex].type)]))
        let li = rowsSchema.index(of: keyName)!
        return .join(left: rows, right: lookup, JoinSpec(kind: .left, leftKeys: [li], rightKeys: [0], rightColumns: [1]),
                     Schema(fields: rowsSchema.fields + [Schema.Field(name: columnName, type: ts.fields[valueIndex].type)], datasetName: rowsSchema.datasetName))
    }
}
