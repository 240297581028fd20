/// `attribution contacts to sessions on visitor_id by source model linear, position within 30 days over month`
/// compiled to a plan of engine operators, so it runs vectorized and `.explain` shows it.
///
/// The rules:
/// - A conversion is a row of the conversions dataset (that meets `where`) with a time
///   before the end of the as-of day (inside `during`, if any); its period (`over`) is its time's.
/// - Its touches are the rows of the touches dataset with the same key, dated at or before
///   the conversion and no earlier than the conversion moved back by the window on the
///   calendar (`within 30 days`; 30 days when not written). Touches are ordered by time, and
///   rows at the same time by their order in the dataset.
/// - Each model splits a credit of 1 among the touches (see `AttributionStatement.Model`);
///   `value` splits the conversion's value the same way. A conversion with no touch keeps its
///   whole credit in the `(none)` row.
///
/// The plan:
///
///     conversions = scan | filter key, time, range | project key, time, value, period
///                   | window row_number (the conversion's id)
///     touches     = scan | project key, time, dims | join conversions on key
///                   | filter time inside the window
///                   | project age, decay weights
///                   | window by conversion, ordered by time: place, touches, decay weights' totals
///     credited    = touches | project dims, period, credit per model | aggregate by dims, period
///     unattributed = conversions | left join (touches where place = 1) | filter no touch
///                   | aggregate by period
///     result      = credited union unattributed | sort by period, (none) last, first model's credit desc
struct AttributionPlanner {
    let catalog: Catalog
    let asOf: Int64
    /// The declared and library relationships: a key the conversions lack (deals reach
    /// `visitor_id` through contacts) and a `by` column the touches lack (sessions reach a
    /// campaign's `channel`) are looked up along them.
    var relationships: [Relationship] = []

    func plan(_ statement: AttributionStatement) throws -> PlannedStatement {
        let binder = Binder(catalog: catalog, asOf: asOf)
        let conversionSet = try binder.dataset(statement.conversions)
        let touchSet = try binder.dataset(statement.touches)
        let lookup = DimensionLookup(catalog: catalog, relationships: relationships, asOf: asOf)
        // Columns a dataset lacks, joined in along relationships (many-to-one, so no row is
        // counted twice; a row that reaches nothing has n/a there).
        func reaching(_ dataset: Dataset, _ names: [Identifier], _ role: String) throws -> (plan: LogicalPlan, reached: [String]) {
            let missing = names.filter { dataset.table.index(of: $0.name) == nil }
            guard !missing.isEmpty else { return (.scan(name: dataset.name, table: dataset.table), []) }
            let plan = try lookup.plan(dataset, adding: missing.map { ($0.name, $0.span) }, context: " (\(role)), nor reached through a relationship")
            return (plan, missing.map(\.name))
        }
        let (conversionScan, reachedKey) = try reaching(conversionSet, [statement.conversionKey], "the conversions")
        let (touchScan, reachedDimensions) = try reaching(touchSet, [statement.touchKey] + statement.dimensions.filter { $0.name != statement.touchKey.name }, "the touches")

        let conversionTime = try timeColumn(statement.conversionTime, of: conversionSet, in: conversionScan.schema, at: statement.conversions.span)
        let touchTime = try timeColumn(statement.touchTime, of: touchSet, in: touchScan.schema, at: statement.touches.span)
        let conversionKey = try Binder.column(statement.conversionKey, in: conversionScan.schema)
        let touchKey = try Binder.column(statement.touchKey, in: touchScan.schema)
        let keyType = conversionScan.schema.fields[conversionKey].type
        guard keyType == touchScan.schema.fields[touchKey].type else {
            throw Diagnostic(.typeMismatch, "`\(conversionSet.name).\(statement.conversionKey.name)` is \(keyType.name) but `\(touchSet.name).\(statement.touchKey.name)` is \(touchScan.schema.fields[touchKey].type.name)",
                             at: statement.conversionKey.span.to(statement.touchKey.span))
        }
        let dimensions = try statement.dimensions.map { try Binder.column($0, in: touchScan.schema) }
        let value = try statement.value.map { name -> Int in
            let index = try Binder.column(name, in: conversionScan.schema)
            guard conversionScan.schema.fields[index].type.isNumeric else {
                throw Diagnostic(.typeMismatch, "`value` is a number column; `\(name.name)` is \(conversionScan.schema.fields[index].type.name)", at: name.span)
            }
            return index
        }
        let range = try statement.range.map { try AsOfRange.resolve($0, asOf: asOf) }
        var expressionBinder = ExpressionBinder(binder: binder, schema: conversionScan.schema)
        let condition = try statement.condition.map { expression -> BoundExpression in
            let bound = try expressionBinder.bind(expression)
            guard bound.type == .bool || bound.type == nil else {
                throw Diagnostic(.typeMismatch, "`where` needs a condition (true or false); this is \(bound.type!.name)", at: expression.span)
            }
            return bound
        }
        // One time type, so touch and conversion times compare and subtract: timestamps when
        // they differ (a date is its midnight).
        let times = (conversionScan.schema.fields[conversionTime].type, touchScan.schema.fields[touchTime].type)
        let timeType: DataType = times.0 == times.1 ? times.0 : .timestamp

        var query = QueryPlan(result: conversionScan)
        let conversions = query.add("conversions", self.conversions(conversionScan, key: conversionKey, time: conversionTime, timeType: timeType,
                                                                    value: value, grain: statement.grain, range: range, condition: condition))
        let decays = statement.models.compactMap { model -> Interval? in
            if case .timeDecay(let halfLife) = model { return halfLife }
            return nil
        }
        let touches = query.add("touches", self.touches(touchScan, key: touchKey, time: touchTime, timeType: timeType, dimensions: dimensions,
                                                        conversions: conversions, window: statement.window, decays: decays))
        let names = Self.modelColumnNames(statement.models)
        let credited = self.credited(touches, models: statement.models, names: names,
                                     dimensions: dimensions.count, hasValue: value != nil, hasPeriod: statement.grain != nil)
        // Without `by`, the rows are told apart by a `credited_to` column.
        let shownDimensions = max(dimensions.count, 1)
        let unattributed = self.unattributed(conversions, touches: touches, like: credited.schema, models: statement.models.count,
                                             hasValue: value != nil, hasPeriod: statement.grain != nil, dimensions: shownDimensions)
        query.result = result(credited, unattributed, dimensions: shownDimensions, grain: statement.grain)

        var formats = [ValueFormat?](repeating: nil, count: shownDimensions)
        if let grain = statement.grain { formats.append(ValueFormat(grain: grain)) }
        formats.append(.count)
        formats += names.map { _ in ValueFormat.number }
        if value != nil { formats += names.map { _ in ValueFormat.money } }

        var title = "attribution \(conversionSet.name) to \(touchSet.name)"
        if !statement.dimensions.isEmpty { title += " by " + statement.dimensions.map(\.name).joined(separator: ", ") }
        title += ", model " + statement.models.map(\.description).joined(separator: ", ")
        title += ", within \(statement.window.description)"
        if let grain = statement.grain { title += " over \(grain.rawValue)" }
        if let range { title += ", " + CivilCalendar.formatDate(range.start) + " .. " + CivilCalendar.formatDate(range.end - 1) }
        if let condition = statement.condition { title += ", where " + ExpressionPrinter.text(condition) }
        let conversionTimeName = conversionScan.schema.fields[conversionTime].name
        let touchTimeName = touchScan.schema.fields[touchTime].name
        var notes = ["each conversion (`\(conversionSet.name).\(conversionTimeName)`) is credited to the `\(touchSet.name)` rows with the same `\(statement.touchKey.name)` dated in the \(statement.window.description) up to it (`\(touchTimeName)`); its credits sum to 1",
                     "(none): conversions with no touch in their window"]
        if value != nil {
            notes.append("`_value` columns split each conversion's `\(statement.value!.name)` as its credit is split")
        }
        for (dataset, reached) in [(conversionSet.name, reachedKey), (touchSet.name, reachedDimensions)] where !reached.isEmpty {
            let paths = reached.compactMap { lookup.path(from: dataset, to: $0) }.map { $0.map(\.description).joined(separator: ", ") }
            notes.append("`\(dataset)` reaches " + reached.map { "`\($0)`" }.joined(separator: ", ") + " through " + Array(Set(paths)).sorted().joined(separator: "; "))
        }
        return PlannedStatement(plan: query, formats: formats, title: title, notes: notes)
    }

    /// The column named after the dataset (`contacts.customer_at`), or the dataset's time column.
    private func timeColumn(_ name: Identifier?, of dataset: Dataset, in schema: Schema, at span: Span) throws -> Int {
        let index: Int
        if let name {
            index = try Binder.column(name, in: schema)
        } else if let column = dataset.timeColumn, let found = schema.index(of: column) {
            index = found
        } else {
            throw Diagnostic(.invalidArgument, "`\(dataset.name)` has no time column", at: span,
                             hints: ["name one: `\(dataset.name).created_at`, or set it: `set time \(dataset.name).created_at`"])
        }
        guard schema.fields[index].type.isTemporal else {
            throw Diagnostic(.typeMismatch, "`\(schema.fields[index].name)` is \(schema.fields[index].type.name), not a date or timestamp", at: name?.span ?? span)
        }
        return index
    }

    // MARK: - Conversions

    /// key, time, [value], [period], conversion (1, 2, ...): one row per conversion.
    private func conversions(_ scan: LogicalPlan, key: Int, time: Int, timeType: DataType, value: Int?, grain: Grain?,
                             range: (start: Int64, end: Int64)?, condition: BoundExpression?) -> LogicalPlan {
        let schema = scan.schema
        let keyColumn = Self.column(key, schema)
        let timeColumn = Self.column(time, schema)
        let end = AsOfRange.end(asOf: asOf)
        func at(_ day: Int64) -> BoundExpression { ExpressionBinder.timeConstant(day, like: schema.fields[time].type, span: .none) }
        // A conversion without a key has no touch: it is still one, credited to `(none)`.
        var conditions = [Self.compare(.less, timeColumn, at(end))]
        if let range {
            conditions.append(Self.compare(.greaterOrEqual, timeColumn, at(range.start)))
            conditions.append(Self.compare(.less, timeColumn, at(range.end)))
        }
        if let condition { conditions.append(condition) }
        let filtered = LogicalPlan.filter(scan, BoundExpression.logical(isAnd: true, conditions, span: .none))
        var expressions = [keyColumn, Self.cast(timeColumn, to: timeType)]
        var fields = [Schema.Field(name: "__key", type: schema.fields[key].type), Schema.Field(name: "__time", type: timeType)]
        if let value {
            expressions.append(Self.cast(Self.column(value, schema), to: .decimal))
            fields.append(Schema.Field(name: "__value", type: .decimal))
        }
        if let grain, let truncate = ScalarFunction(rawValue: grain.rawValue) {
            expressions.append(BoundExpression(.function(truncate, [timeColumn]), type: .date, span: .none))
            fields.append(Schema.Field(name: "__period", type: .date))
        }
        let projected = LogicalPlan.project(filtered, expressions, Schema(fields: fields))
        return .window(projected, partition: [], order: [], functions: [.rowNumber], keepsInputOrder: true, Schema(fields: fields + [Schema.Field(name: "__conversion", type: .int)]))
    }

    // MARK: - Touches

    /// conversion, touch time, dims, [value], [period], age in days, a decay weight per
    /// time-decay model, then over the conversion's touches: the touch's place (oldest
    /// first), their number and each decay weight's total. One row per (conversion, touch in
    /// its window), in the touches' order.
    private func touches(_ scan: LogicalPlan, key: Int, time: Int, timeType: DataType, dimensions: [Int], conversions: LogicalPlan,
                         window: Interval, decays: [Interval]) -> LogicalPlan {
        let schema = scan.schema
        // No filter for null keys or times: a null key matches no conversion, and a null time
        // fails the window's comparisons. Plain columns pass through without a copy.
        let touchFields = [Schema.Field(name: "__key", type: schema.fields[key].type), Schema.Field(name: "__touch_time", type: timeType)]
            + dimensions.map { schema.fields[$0] }
        let numbered = LogicalPlan.project(scan, [Self.column(key, schema), Self.cast(Self.column(time, schema), to: timeType)]
                                                + dimensions.map { Self.column($0, schema) }, Schema(fields: touchFields))

        // Each touch with every conversion of its key (the conversions are the smaller side,
        // which the join hashes).
        let right = conversions.schema
        let kept = Array(1..<right.fields.count)
        let joinedSchema = Schema(fields: numbered.schema.fields + kept.map { right.fields[$0] })
        let joined = LogicalPlan.join(left: numbered, right: conversions,
                                      JoinSpec(kind: .inner, leftKeys: [0], rightKeys: [0], rightColumns: kept), joinedSchema)
        let touchTime = Self.column(1, joinedSchema)
        let conversionTime = Self.column(joinedSchema.index(of: "__time")!, joinedSchema)
        let windowStart = BoundExpression(.shift(conversionTime, Interval(months: -window.months, days: -window.days, micros: -window.micros)),
                                          type: timeType, span: .none)
        // A window moved out of the calendar (before year 1) reaches back to any touch.
        let inWindow = BoundExpression.logical(isAnd: true, [
            Self.compare(.lessOrEqual, touchTime, conversionTime),
            BoundExpression.logical(isAnd: false, [BoundExpression(.isNull(windowStart, negated: false), type: .bool, span: .none),
                                                   Self.compare(.greaterOrEqual, touchTime, windowStart)], span: .none),
        ], span: .none)
        let inside = LogicalPlan.filter(joined, inWindow)

        var expressions = [Self.column(joinedSchema.index(of: "__conversion")!, joinedSchema), touchTime]
        var fields = [Schema.Field(name: "__conversion", type: .int), Schema.Field(name: "__touch_time", type: timeType)]
        for k in dimensions.indices {
            expressions.append(Self.column(2 + k, joinedSchema))
            fields.append(joinedSchema.fields[2 + k])
        }
        for name in ["__value", "__period"] {
            if let index = joinedSchema.index(of: name) {
                expressions.append(Self.column(index, joinedSchema))
                fields.append(joinedSchema.fields[index])
            }
        }
        // Days from the touch to the conversion, for time decay.
        let age = BoundExpression.arithmetic(.subtract, conversionTime, touchTime, type: timeType == .date ? .int : .decimal, span: .none)
        expressions.append(Self.cast(age, to: .decimal))
        fields.append(Schema.Field(name: "__age_days", type: .decimal))
        let aged = LogicalPlan.project(inside, expressions, Schema(fields: fields))

        // Each touch's decay weights.
        let agedSchema = aged.schema
        var weighted = agedSchema.fields.indices.map { Self.column($0, agedSchema) }
        var weightedFields = agedSchema.fields
        for (k, halfLife) in decays.enumerated() {
            weighted.append(Self.decayWeight(agedSchema, halfLife))
            weightedFields.append(Schema.Field(name: "__decay\(k)", type: .decimal))
        }
        let withWeights = decays.isEmpty ? aged : LogicalPlan.project(aged, weighted, Schema(fields: weightedFields))

        // Over each conversion's touches, by time: the place, the number of touches, the
        // weights' totals (one sort, no grouping and join back). Touches at the same instant
        // keep their order, which is the dataset's (the join keeps the touches' order): the
        // positional models' tie-break. The rows stay in the join's order: only the new
        // columns are moved back to them, not every column to the sorted order.
        let firstDecay = weightedFields.count - decays.count
        let functions: [WindowFunction] = [.rowNumber, .partitionRows] + decays.indices.map { .total(firstDecay + $0) }
        let totals = [Schema.Field(name: "__place", type: .int), Schema.Field(name: "__touches", type: .int)]
            + decays.indices.map { Schema.Field(name: "__decay_total\($0)", type: .decimal) }
        return .window(withWeights, partition: [0], order: [WindowOrderKey(column: 1)], functions: functions,
                       keepsInputOrder: true, Schema(fields: weightedFields + totals))
    }

    /// 0.5 ^ (age in days / half-life in days).
    private static func decayWeight(_ schema: Schema, _ halfLife: Interval) -> BoundExpression {
        let halfLifeDays = Double(halfLife.days) + Double(halfLife.micros) / Double(CivilCalendar.microsPerDay)
        let age = column(schema.index(of: "__age_days")!, schema)
        let exponent = BoundExpression.arithmetic(.divide, age, decimal(halfLifeDays), type: .decimal, span: .none)
        return BoundExpression(.function(.power, [decimal(0.5), exponent]), type: .decimal, span: .none)
    }

    // MARK: - Credits

    /// dims, [period], touches, credit per model, [value per model]: summed over the touches.
    private func credited(_ touches: LogicalPlan, models: [AttributionStatement.Model], names: [String],
                          dimensions m: Int, hasValue: Bool, hasPeriod: Bool) -> LogicalPlan {
        let schema = touches.schema
        func named(_ name: String) -> BoundExpression { Self.column(schema.index(of: name)!, schema) }
        let count = named("__touches")
        let place = named("__place")
        var decayIndex = 0
        let credits = models.map { model -> BoundExpression in
            switch model {
            case .first:
                return Self.ifElse(Self.compare(.equal, place, Self.int(1)), Self.decimal(1), Self.decimal(0))
            case .last:
                return Self.ifElse(Self.compare(.equal, place, count), Self.decimal(1), Self.decimal(0))
            case .linear:
                return BoundExpression.arithmetic(.divide, Self.decimal(1), count, type: .decimal, span: .none)
            case .position:
                // One touch: 1; two: 0.5 each; more: 0.4 to the first and the last, 0.2 shared by the rest.
                let between = BoundExpression.arithmetic(.divide, Self.decimal(0.2),
                                                         BoundExpression.arithmetic(.subtract, count, Self.int(2), type: .int, span: .none),
                                                         type: .decimal, span: .none)
                let ends = BoundExpression.logical(isAnd: false, [Self.compare(.equal, place, Self.int(1)), Self.compare(.equal, place, count)], span: .none)
                return BoundExpression(.caseWhen([
                    BoundWhen(condition: Self.compare(.equal, count, Self.int(1)), result: Self.decimal(1)),
                    BoundWhen(condition: Self.compare(.equal, count, Self.int(2)), result: Self.decimal(0.5)),
                    BoundWhen(condition: ends, result: Self.decimal(0.4)),
                ], otherwise: between), type: .decimal, span: .none)
            case .timeDecay:
                let weight = named("__decay\(decayIndex)"), total = named("__decay_total\(decayIndex)")
                decayIndex += 1
                return BoundExpression.arithmetic(.divide, weight, total, type: .decimal, span: .none)
            }
        }
        var expressions = (0..<m).map { Self.column(2 + $0, schema) }
        var fields = (0..<m).map { schema.fields[2 + $0] }
        if m == 0 {
            // Without `by`, a column still tells the credited rows from the `(none)` ones.
            expressions.append(BoundExpression(.constant(.text("touches")), type: .text, span: .none))
            fields.append(Schema.Field(name: "credited_to", type: .text))
        }
        if hasPeriod {
            expressions.append(named("__period"))
            fields.append(Schema.Field(name: "__period", type: .date))
        }
        for (k, credit) in credits.enumerated() {
            expressions.append(credit)
            fields.append(Schema.Field(name: "__credit\(k)", type: .decimal))
        }
        if hasValue {
            for (k, credit) in credits.enumerated() {
                expressions.append(BoundExpression.arithmetic(.multiply, credit, named("__value"), type: .decimal, span: .none))
                fields.append(Schema.Field(name: "__credit_value\(k)", type: .decimal))
            }
        }
        let perTouch = LogicalPlan.project(touches, expressions, Schema(fields: fields))

        // Summed by dimensions and period.
        let groups = max(m, 1) + (hasPeriod ? 1 : 0)
        let keys = (0..<groups).map { Self.column($0, perTouch.schema) }
        var aggregates = [BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: nil, type: .int, span: .none)]
        var outFields = Array(fields.prefix(groups)) + [Schema.Field(name: "touches", type: .int)]
        for k in groups..<fields.count {
            aggregates.append(BoundAggregate(function: .sum, argument: Self.column(k, perTouch.schema), fraction: nil, orderBy: nil, filter: nil,
                                             type: .decimal, span: .none))
            let model = (k - groups) % names.count
            outFields.append(Schema.Field(name: k - groups < names.count ? names[model] : names[model] + "_value", type: .decimal))
        }
        return .aggregate(perTouch, keys: keys, aggregates: aggregates, Schema(fields: outFields))
    }

    /// The `(none)` rows: per period, the conversions with no touch, every model's credit
    /// being the whole conversion; shaped like `like` (the credited rows).
    private func unattributed(_ conversions: LogicalPlan, touches: LogicalPlan, like output: Schema, models: Int, hasValue: Bool,
                              hasPeriod: Bool, dimensions m: Int) -> LogicalPlan {
        // The conversions with a touch, once each (at their first touch).
        let touchSchema = touches.schema
        let conversion = touchSchema.index(of: "__conversion")!, place = touchSchema.index(of: "__place")!
        let firsts = LogicalPlan.filter(touches, Self.compare(.equal, Self.column(place, touchSchema), Self.int(1)))
        let touched = LogicalPlan.project(firsts, [Self.column(conversion, touchSchema), Self.column(place, touchSchema)],
                                          Schema(fields: [touchSchema.fields[conversion], touchSchema.fields[place]]))
        let left = conversions.schema
        let conversionIndex = left.index(of: "__conversion")!
        let joinedSchema = Schema(fields: left.fields + [touched.schema.fields[1]])
        let joined = LogicalPlan.join(left: conversions, right: touched,
                                      JoinSpec(kind: .left, leftKeys: [conversionIndex], rightKeys: [0], rightColumns: [1]), joinedSchema)
        // No touch: the place is null.
        let untouched = LogicalPlan.filter(joined, BoundExpression(.isNull(Self.column(joinedSchema.fields.count - 1, joinedSchema), negated: false),
                                                                  type: .bool, span: .none))
        let periodIndex = joinedSchema.index(of: "__period")
        var aggregates = [BoundAggregate(function: .count, argument: nil, fraction: nil, orderBy: nil, filter: nil, type: .int, span: .none)]
        var fields = [Schema.Field(name: "__conversions", type: .int)]
        if hasValue {
            aggregates.append(BoundAggregate(function: .sum, argument: Self.column(joinedSchema.index(of: "__value")!, joinedSchema), fraction: nil,
                                             orderBy: nil, filter: nil, type: .decimal, span: .none))
            fields.append(Schema.Field(name: "__value", type: .decimal))
        }
        let keys = periodIndex.map { [Self.column($0, joinedSchema)] } ?? []
        let counted = LogicalPlan.aggregate(untouched, keys: keys, aggregates: aggregates,
                                            Schema(fields: (periodIndex.map { [joinedSchema.fields[$0]] } ?? []) + fields))
        let schema = counted.schema
        let p = hasPeriod ? 1 : 0
        var expressions: [BoundExpression] = (0..<m).map { k in
            let type = output.fields[k].type
            return type == .text ? BoundExpression(.constant(.text("(none)")), type: .text, span: .none)
                : BoundExpression(.constant(.null), type: type, span: .none)
        }
        if hasPeriod { expressions.append(Self.column(0, schema)) }
        expressions.append(Self.int(0))
        let conversionsCount = Self.cast(Self.column(p, schema), to: .decimal)
        expressions += (0..<models).map { _ in conversionsCount }
        if hasValue { expressions += (0..<models).map { _ in Self.column(p + 1, schema) } }
        // Without conversions there is no `(none)` row (an ungrouped count would give one of 0).
        let nonEmpty = LogicalPlan.filter(counted, Self.compare(.greater, Self.column(p, schema), Self.int(0)))
        return .project(nonEmpty, expressions, output)
    }

    /// Both parts, the `(none)` rows after the others of their period, each part by its first
    /// model's credit (largest first), then the dimensions.
    private func result(_ credited: LogicalPlan, _ unattributed: LogicalPlan, dimensions m: Int, grain: Grain?) -> LogicalPlan {
        let hasPeriod = grain != nil
        let schema = credited.schema
        func marked(_ plan: LogicalPlan, _ none: Bool) -> LogicalPlan {
            .project(plan, schema.fields.indices.map { Self.column($0, schema) } + [BoundExpression(.constant(.bool(none)), type: .bool, span: .none)],
                     Schema(fields: schema.fields + [Schema.Field(name: "__none", type: .bool)]))
        }
        let both = marked(credited, false)
        let all = LogicalPlan.union(both, marked(unattributed, true), both.schema)
        let allSchema = both.schema
        func key(_ index: Int, descending: Bool = false) -> BoundSortKey {
            BoundSortKey(expression: Self.column(index, allSchema), descending: descending, nullsFirst: false)
        }
        let p = hasPeriod ? 1 : 0
        var keys = hasPeriod ? [key(m)] : []
        keys.append(key(allSchema.fields.count - 1))
        keys.append(key(m + p + 1, descending: true))
        keys += (0..<m).map { key($0) }
        let sorted = LogicalPlan.sort(all, keys)
        var fields = schema.fields
        // Named by its grain, as in `show`.
        if let grain { fields[m].name = grain.rawValue }
        return .project(sorted, schema.fields.indices.map { Self.column($0, allSchema) }, Schema(fields: fields))
    }

    /// A column per model: its name, with the half-life when several time-decay models differ.
    static func modelColumnNames(_ models: [AttributionStatement.Model]) -> [String] {
        let decays = models.filter { if case .timeDecay = $0 { return true } else { return false } }.count
        var seen = Set<String>()
        return models.map { model in
            var name: String
            switch model {
            case .first: name = "first_touch"
            case .last: name = "last_touch"
            case .linear: name = "linear"
            case .position: name = "position"
            case .timeDecay(let halfLife):
                name = decays > 1 ? "time_decay_" + halfLife.description.split(separator: " ").joined(separator: "_") : "time_decay"
            }
            var unique = name, k = 2
            while !seen.insert(unique).inserted {
                unique = "\(name)_\(k)"
                k += 1
            }
            return unique
        }
    }

    // MARK: - Expression helpers

    private static func column(_ index: Int, _ schema: Schema) -> BoundExpression {
        BoundExpression(.column(index), type: schema.fields[index].type, span: .none)
    }

    private static func cast(_ e: BoundExpression, to type: DataType) -> BoundExpression {
        e.type == type ? e : BoundExpression(.cast(e), type: type, span: .none)
    }

    private static func compare(_ op: BinaryOperator, _ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
        BoundExpression(.comparison(op, a, b), type: .bool, span: .none)
    }

    private static func isNotNull(_ a: BoundExpression) -> BoundExpression {
        BoundExpression(.isNull(a, negated: true), type: .bool, span: .none)
    }

    private static func ifElse(_ condition: BoundExpression, _ then: BoundExpression, _ otherwise: BoundExpression) -> BoundExpression {
        BoundExpression(.caseWhen([BoundWhen(condition: condition, result: then)], otherwise: otherwise), type: then.type, span: .none)
    }

    private static func int(_ value: Int64) -> BoundExpression {
        BoundExpression(.constant(.int(value)), type: .int, span: .none)
    }

    private static func decimal(_ value: Double) -> BoundExpression {
        BoundExpression(.constant(.decimal(value)), type: .decimal, span: .none)
    }
}
