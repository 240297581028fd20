/// Event funnels: `funnel sessions per visitor_id: source = "paid" -> converted_to_lead = 1
/// within 7 days by device over week`. The steps are conditions on the rows of one entity
/// (a visitor, a contact), strictly in time order:
/// - A unit enters at its first row that meets the first condition (before the end of the
///   as-of day, inside `during`); its dimensions are that row's, its period (`over`) the
///   entry's.
/// - Step k's time is the unit's first row after step k-1's time that meets condition k
///   (strictly later: one row cannot be two steps).
/// - From there the rules of stage funnels apply (`FunnelPlanner`): `within` from entry in
///   calendar units, open units, step and overall rates, median days.
///
/// The plan: the dataset's rows with each condition evaluated once (`funnel_events`); the
/// entries (first row of the first step per unit, `funnel_step0`); per later step, the rows
/// meeting its condition joined to the units that reached the step before, kept when later,
/// the earliest per unit, left-joined back (`funnel_step1`, ...); then the stage funnel.
extension FunnelPlanner {
    func planEvents(_ funnel: FunnelStatement, dataset: Dataset) throws -> PlannedStatement {
        let scan = LogicalPlan.scan(name: dataset.name, table: dataset.table)
        let schema = scan.schema
        guard let timeName = dataset.timeColumn, let timeIndex = schema.index(of: timeName) else {
            throw Diagnostic(.invalidArgument, "`\(dataset.name)` has no time column to order its rows", at: funnel.dataset.span,
                             hints: ["set one: `set time \(dataset.name).ts`"])
        }
        let entity = try Binder.column(funnel.entity!, in: schema)
        let dimensions = try funnel.dimensions.map { try Binder.column($0, in: schema) }
        var expressions = ExpressionBinder(binder: Binder(catalog: catalog, asOf: asOf), schema: schema)
        let conditions = try funnel.conditions.map { try expressions.condition($0) }
        let range = try funnel.range.map { try AsOfRange.resolve($0, asOf: asOf) }
        let timeType = schema.fields[timeIndex].type
        func column(_ index: Int, _ schema: Schema) -> BoundExpression { BoundExpression(.column(index), type: schema.fields[index].type, span: .none) }
        func time(_ day: Int64) -> BoundExpression { ExpressionBinder.timeConstant(day, like: timeType, span: .none) }

        // The rows: entity, time, dimensions, one bool per condition.
        var query = QueryPlan(result: scan)
        let usable = BoundExpression.logical(isAnd: true, [Self.isNotNull(column(entity, schema)),
                                                           Self.compare(.less, column(timeIndex, schema), time(AsOfRange.end(asOf: asOf)))], span: .none)
        var fields = [Schema.Field(name: "__unit", type: schema.fields[entity].type), Schema.Field(name: "__time", type: timeType)]
            + dimensions.map { schema.fields[$0] }
        fields += conditions.indices.map { Schema.Field(name: "__step\($0)", type: .bool) }
        let events = query.add("funnel_events", .project(.filter(scan, usable),
                                                         [column(entity, schema), column(timeIndex, schema)] + dimensions.map { column($0, schema) } + conditions,
                                                         Schema(fields: fields)))
        let eventSchema = events.schema
        let m = dimensions.count
        func step(_ k: Int) -> BoundExpression { column(2 + m + k, eventSchema) }

        // Entries: per unit, the first row of step 0 (in the range); its dimensions.
        var entryCondition = [step(0)]
        if let range {
            entryCondition.append(Self.compare(.greaterOrEqual, column(1, eventSchema), time(range.start)))
            entryCondition.append(Self.compare(.less, column(1, eventSchema), time(range.end)))
        }
        let entryRows = LogicalPlan.filter(events, BoundExpression.logical(isAnd: true, entryCondition, span: .none))
        var aggregates = [BoundAggregate(function: .min, argument: column(1, eventSchema), fraction: nil, orderBy: nil, filter: nil, type: timeType, span: .none)]
        aggregates += (0..<m).map {
            BoundAggregate(function: .first, argument: column(2 + $0, eventSchema), fraction: nil, orderBy: column(1, eventSchema), filter: nil,
                           type: eventSchema.fields[2 + $0].type, span: .none)
        }
        var units = query.add("funnel_step0", .aggregate(entryRows, keys: [column(0, eventSchema)], aggregates: aggregates,
                                                           Schema(fields: [fields[0], Schema.Field(name: "__t0", type: timeType)] + Array(fields[2..<(2 + m)]))))

        // Each later step: its rows after the previous step's time, the earliest per unit.
        for k in 1..<conditions.count {
            let unitSchema = units.schema
            let previous = unitSchema.index(of: "__t\(k - 1)")!
            let rows = LogicalPlan.project(.filter(events, step(k)), [column(0, eventSchema), column(1, eventSchema)],
                                           Schema(fields: Array(fields[0..<2])))
            let joined = LogicalPlan.join(left: rows, right: units, JoinSpec(kind: .inner, leftKeys: [0], rightKeys: [0], rightColumns: [previous]),
                                          Schema(fields: Array(fields[0..<2]) + [unitSchema.fields[previous]]))
            let later = LogicalPlan.filter(joined, Self.compare(.greater, column(1, joined.schema), column(2, joined.schema)))
            let first = LogicalPlan.aggregate(later, keys: [column(0, later.schema)], aggregates: [
                BoundAggregate(function: .min, argument: column(1, later.schema), fraction: nil, orderBy: nil, filter: nil, type: timeType, span: .none),
            ], Schema(fields: [fields[0], Schema.Field(name: "__t\(k)", type: timeType)]))
            units = query.add("funnel_step\(k)", .join(left: units, right: first, JoinSpec(kind: .left, leftKeys: [0], rightKeys: [0], rightColumns: [1]),
                                                       Schema(fields: unitSchema.fields + [Schema.Field(name: "__t\(k)", type: timeType)])))
        }

        // Units: dimensions, [the entry's period], stage times.
        let unitSchema = units.schema
        var unitExpressions = (0..<m).map { column(unitSchema.index(of: fields[2 + $0].name)!, unitSchema) }
        var unitFields = Array(fields[2..<(2 + m)])
        var dimensionFormats = [ValueFormat?](repeating: nil, count: m)
        if let grain = funnel.grain, let truncate = ScalarFunction(rawValue: grain.rawValue) {
            unitExpressions.append(BoundExpression(.function(truncate, [column(unitSchema.index(of: "__t0")!, unitSchema)]), type: .date, span: .none))
            unitFields.append(Schema.Field(name: grain.rawValue, type: .date))
            dimensionFormats.append(ValueFormat(grain: grain))
        }
        let groupCount = unitFields.count
        for k in conditions.indices {
            unitExpressions.append(column(unitSchema.index(of: "__t\(k)")!, unitSchema))
            unitFields.append(Schema.Field(name: "__t\(k)", type: timeType))
        }
        let unitRows = LogicalPlan.project(units, unitExpressions, Schema(fields: unitFields))
        let names = funnel.conditions.map { ExpressionPrinter.text($0) }
        return try finish(&query, units: unitRows, stages: Array(groupCount..<(groupCount + conditions.count)), stageNames: names,
                          dimensions: Array(0..<groupCount), dimensionFormats: dimensionFormats, funnel: funnel, range: range,
                          title: "funnel \(dataset.name) per \(funnel.entity!.name): " + names.joined(separator: " -> "))
    }
}
