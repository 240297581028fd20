/// Function and aggregate calls.
extension ExpressionBinder {
    mutating func call(_ name: Identifier, _ arguments: [Expression], filter: Expression?, span: Span) throws -> BoundExpression {
        let lower = name.name.lowercased()
        if WindowCall.names.contains(lower) {
            return try windowCall(lower, name: name, arguments, filter: filter, span: span)
        }
        if let function = AggregateFunction(name: lower) {
            return try aggregateCall(function, name: name, arguments, filter: filter, span: span)
        }
        if filter != nil {
            throw Diagnostic(.invalidArgument, "only aggregates take a `where` filter", at: span)
        }
        switch lower {
        case "if":
            try arity(name, arguments, 3, 3)
            return try caseWhen([(arguments[0], arguments[1])], otherwise: arguments[2], span: span)
        case "today":
            try arity(name, arguments, 0, 0)
            return BoundExpression(.constant(.date(binder.asOf)), type: .date, span: span)
        case "concat":
            try arity(name, arguments, 1, 64)
            return fold(BoundExpression(.concat(try arguments.map { try bind($0) }), type: .text, span: span))
        case "date", "timestamp", "int", "decimal", "text", "bool":
            try arity(name, arguments, 1, 1)
            let target = DataType(name: lower)!
            let operand = try bind(arguments[0])
            if operand.type == target { return operand }
            return fold(BoundExpression(.cast(operand), type: target, span: span))
        default:
            break
        }
        guard let function = ScalarFunction(name: lower) else {
            var diagnostic = Diagnostic(.unknownFunction, "unknown function `\(name.name)`", at: name.span)
            let all = ScalarFunction.allCases.map(\.rawValue) + AggregateFunction.allCases.map(\.rawValue) + Array(ScalarFunction.specialNames) + ["avg"]
                + WindowCall.names
            if let near = EditDistance.closest(to: name.name, among: all) { diagnostic.label = "did you mean `\(near)`?" }
            throw diagnostic
        }
        var bound = try arguments.map { try bind($0) }
        let type = try FunctionTyping.resultType(function, bound, name: name, span: span)
        if type == .timestamp, [.coalesce, .greatest, .least].contains(function) {
            // A date among timestamps is its midnight (its stored value is a day number).
            bound = bound.map { $0.type == .date ? Binder.converted($0, to: .timestamp) : $0 }
        }
        return fold(BoundExpression(.function(function, bound), type: type, span: span))
    }

    func arity(_ name: Identifier, _ arguments: [Expression], _ low: Int, _ high: Int) throws {
        guard arguments.count >= low, arguments.count <= high else {
            let expected = low == high ? "\(low)" : high >= 64 ? "at least \(low)" : "\(low) to \(high)"
            throw Diagnostic(.wrongArgumentCount, "`\(name.name)` takes \(expected) argument\(high == 1 ? "" : "s"), found \(arguments.count)",
                             at: name.span)
        }
    }

    private mutating func aggregateCall(
        _ function: AggregateFunction, name: Identifier, _ arguments: [Expression], filter: Expression?, span: Span
    ) throws -> BoundExpression {
        guard case .aggregates = mode else {
            throw Diagnostic(.aggregateNotAllowed, "aggregate `\(name.name)` is not allowed here", at: span,
                             hints: ["aggregates go in `| agg ...` (or `| group key | agg ...`), or in a metric"])
        }
        // Arguments and filter are row expressions over the input.
        var rows = ExpressionBinder(binder: binder, schema: schema, mode: .rows)
        var argument: BoundExpression?
        var fraction: Double?
        var orderBy: BoundExpression?
        switch function {
        case .count:
            try arity(name, arguments, 0, 1)
            if let first = arguments.first, case .star = first.kind {
            } else if let first = arguments.first {
                argument = try rows.bind(first)
            }
        case .percentile:
            try arity(name, arguments, 2, 2)
            argument = try rows.bind(arguments[0])
            guard let p = try rows.bind(arguments[1]).constantValue?.doubleValue, p >= 0, p <= 1 else {
                throw Diagnostic(.invalidArgument, "the fraction of `percentile` must be a constant between 0 and 1", at: arguments[1].span,
                                 hints: ["for example percentile(x, 0.9) or percentile(x, 90%)"])
            }
            fraction = p
        case .first, .last:
            try arity(name, arguments, 1, 2)
            argument = try rows.bind(arguments[0])
            if arguments.count == 2 {
                orderBy = try rows.bind(arguments[1])
            } else if let time = timeColumnIndex() {
                orderBy = BoundExpression(.column(time), type: schema.fields[time].type, span: span)
            } else {
                throw Diagnostic(.invalidArgument, "`\(name.name)` needs an order: \(name.name)(x, ts)", at: span,
                                 hints: ["or declare the dataset's time column: `set time dataset.ts`"])
            }
        default:
            try arity(name, arguments, 1, 1)
            if case .star = arguments[0].kind {
                throw Diagnostic(.invalidArgument, "`*` only goes in count(*)", at: arguments[0].span)
            }
            argument = try rows.bind(arguments[0])
        }
        if function == .median { fraction = 0.5 }
        let boundFilter = try filter.map { try rows.condition($0) }
        let type = try Self.aggregateType(function, argument: argument, name: name)
        let aggregate = BoundAggregate(function: function, argument: argument, fraction: fraction, orderBy: orderBy,
                                       filter: boundFilter, type: type, span: span)
        aggregates.append(aggregate)
        return BoundExpression(.column(keys.count + aggregates.count - 1), type: type, span: span)
    }

    /// The column index of the input's dataset time column, if declared.
    private func timeColumnIndex() -> Int? {
        for (index, field) in schema.fields.enumerated() {
            if let origin = field.origin, let dataset = binder.catalog[origin.dataset], dataset.timeColumn == origin.column {
                return index
            }
        }
        return nil
    }

    static func aggregateType(_ function: AggregateFunction, argument: BoundExpression?, name: Identifier) throws -> DataType {
        let type = argument?.type
        func requireNumeric(allowTime: Bool = false) throws {
            guard let type else { return }
            if type.isNumeric || type == .bool || (allowTime && type.isTemporal) { return }
            throw Diagnostic(.typeMismatch, "`\(name.name)` needs numbers\(allowTime ? " or times" : ""), found \(type.name)",
                             at: argument?.span ?? name.span)
        }
        switch function {
        case .count, .countDistinct: return .int
        case .sum:
            try requireNumeric()
            return type == .decimal ? .decimal : .int
        case .mean, .stddev:
            try requireNumeric()
            return .decimal
        case .bitOr:
            if let type, type != .int {
                throw Diagnostic(.typeMismatch, "`\(name.name)` needs whole numbers, found \(type.name)", at: argument?.span ?? name.span)
            }
            return .int
        case .median, .percentile:
            try requireNumeric(allowTime: true)
            return type?.isTemporal == true ? type! : .decimal
        case .min, .max, .first, .last:
            return type ?? .int
        }
    }
}

/// Argument checks and result types of the scalar functions.
enum FunctionTyping {
    static func resultType(_ function: ScalarFunction, _ arguments: [BoundExpression], name: Identifier, span: Span) throws -> DataType? {
        func count(_ low: Int, _ high: Int) throws {
            guard arguments.count >= low, arguments.count <= high else {
                let expected = low == high ? "\(low)" : high >= 64 ? "at least \(low)" : "\(low) to \(high)"
                throw Diagnostic(.wrongArgumentCount, "`\(name.name)` takes \(expected) argument\(high == 1 ? "" : "s"), found \(arguments.count)",
                                 at: name.span, hints: [function.signature])
            }
        }
        func expect(_ k: Int, _ accepts: (DataType) -> Bool, _ what: String) throws {
            guard let type = arguments[k].type else { return }
            guard accepts(type) else {
                throw Diagnostic(.typeMismatch, "argument \(k + 1) of `\(name.name)` must be \(what), found \(type.name)",
                                 at: arguments[k].span, hints: [function.signature])
            }
        }
        func constant(_ k: Int) throws {
            guard arguments[k].constantValue != nil else {
                throw Diagnostic(.invalidArgument, "argument \(k + 1) of `\(name.name)` must be a constant", at: arguments[k].span,
                                 hints: [function.signature])
            }
        }
        let isText: (DataType) -> Bool = { $0 == .text }
        let isNumber: (DataType) -> Bool = { $0.isNumeric }
        let isTime: (DataType) -> Bool = { $0.isTemporal }
        switch function {
        case .lower, .upper, .trim:
            try count(1, 1)
            try expect(0, isText, "text")
            return .text
        case .length:
            try count(1, 1)
            try expect(0, isText, "text")
            return .int
        case .contains, .startsWith, .endsWith:
            try count(2, 2)
            try expect(0, isText, "text")
            try expect(1, isText, "text")
            try constant(1)
            return .bool
        case .replace:
            try count(3, 3)
            for k in 0..<3 { try expect(k, isText, "text") }
            try constant(1)
            try constant(2)
            return .text
        case .splitPart:
            try count(3, 3)
            try expect(0, isText, "text")
            try expect(1, isText, "text")
            try expect(2, { $0 == .int }, "a whole number")
            try constant(1)
            try constant(2)
            return .text
        case .substr:
            try count(2, 3)
            try expect(0, isText, "text")
            for k in 1..<arguments.count {
                try expect(k, { $0 == .int }, "a whole number")
                try constant(k)
            }
            return .text
        case .coalesce, .greatest, .least:
            try count(1, 64)
            var type: DataType?
            for argument in arguments {
                guard let unified = Binder.unify(type, argument.type) else {
                    throw Diagnostic(.typeMismatch, "`\(name.name)` mixes \(type!.name) and \(argument.type!.name)", at: argument.span)
                }
                type = unified
            }
            return type
        case .nullif:
            try count(2, 2)
            return arguments[0].type
        case .abs, .floor, .ceil:
            try count(1, 1)
            try expect(0, isNumber, "a number")
            return arguments[0].type ?? .int
        case .round:
            try count(1, 2)
            try expect(0, isNumber, "a number")
            if arguments.count == 2 {
                try expect(1, { $0 == .int }, "a whole number of digits")
                try constant(1)
            }
            return arguments[0].type ?? .decimal
        case .sqrt, .ln, .exp:
            try count(1, 1)
            try expect(0, isNumber, "a number")
            return .decimal
        case .power:
            try count(2, 2)
            try expect(0, isNumber, "a number")
            try expect(1, isNumber, "a number")
            return .decimal
        case .bitAnd, .shiftLeft, .shiftRight:
            try count(2, 2)
            try expect(0, { $0 == .int }, "a whole number")
            try expect(1, { $0 == .int }, "a whole number")
            return .int
        case .day, .week, .month, .quarter, .year:
            try count(1, 1)
            try expect(0, isTime, "a date or timestamp")
            return .date
        case .weekday, .hour:
            try count(1, 1)
            try expect(0, isTime, "a date or timestamp")
            return .int
        case .datePart:
            try count(2, 2)
            try expect(0, isText, "a unit in quotes")
            try constant(0)
            try expect(1, isTime, "a date or timestamp")
            guard case .text(let unit)? = arguments[0].constantValue, CalendarMath.Part(name: unit) != nil else {
                throw Diagnostic(.invalidArgument, "unknown date part", at: arguments[0].span,
                                 hints: ["parts: " + CalendarMath.Part.names.joined(separator: ", ")])
            }
            return .int
        case .format:
            try count(2, 2)
            try expect(0, isTime, "a date or timestamp")
            try expect(1, isText, "a format in quotes")
            try constant(1)
            guard case .text(let text)? = arguments[1].constantValue else { return .text }
            if case .failure(let bad) = DateFormatPattern.parse(text) {
                throw Diagnostic(.invalidArgument, "unknown directive `\(bad.text)` in the format", at: arguments[1].span,
                                 hints: ["directives: " + DateFormatPattern.directives.keys.sorted().map { "%\($0)" }.joined(separator: " "),
                                         "or a period's label: \"day\", \"week\" (2024-W03), \"month\", \"quarter\" (2024-Q1), \"year\""])
            }
            return .text
        case .dateDiff:
            try count(3, 3)
            try expect(0, isText, "a unit in quotes")
            try constant(0)
            try expect(1, isTime, "a date or timestamp")
            try expect(2, isTime, "a date or timestamp")
            guard case .text(let unit)? = arguments[0].constantValue, CalendarMath.DifferenceUnit(name: unit) != nil else {
                throw Diagnostic(.invalidArgument, "unknown unit for date_diff", at: arguments[0].span,
                                 hints: ["units: " + CalendarMath.DifferenceUnit.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            return .int
        }
    }
}
