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
/// The plan: the entries (per unit, the first of the dataset's rows meeting the first
/// condition, `funnel_step0`); per later step, the rows meeting its condition joined to the
/// units that reached the step before, kept when later, the earliest per unit, left-joined
/// back (`funnel_step1`, ...); then the stage funnel. Each step scans the dataset with its
/// own condition, so only the rows that meet it are ever copied (a stage of every row with
/// each condition evaluated cost more than the scans: 10M sessions copied for 1.4M entries).
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

        // The rows meeting a step's condition (and, for the entry, in the range): entity,
        // time, and for the entry the dimensions.
        var query = QueryPlan(result: scan)
        let usable = [Self.isNotNull(column(entity, schema)), Self.compare(.less, column(timeIndex, schema), time(AsOfRange.end(asOf: asOf)))]
        let fields = [Schema.Field(name: "__unit", type: schema.fields[entity].type), Schema.Field(name: "__time", type: timeType)]
            + dimensions.map { schema.fields[$0] }
        let m = dimensions.count
        func rows(meeting k: Int, extra: [BoundExpression] = [], keepingDimensions: Bool = false) -> LogicalPlan {
            let kept = [entity, timeIndex] + (keepingDimensions ? dimensions : [])
            return .project(.filter(scan, BoundExpression.logical(isAnd: true, usable + [conditions[k]] + extra, span: .none)),
                            kept.map { column($0, schema) }, Schema(fields: Array(fields[0..<kept.count])))
        }

        // Entries: per unit, the first row of step 0 (in the range); its dimensions.
        var inRange: [BoundExpression] = []
        if let range {
            inRange.append(Self.compare(.greaterOrEqual, column(timeIndex, schema), time(range.start)))
            inRange.append(Self.compare(.less, column(timeIndex, schema), time(range.end)))
        }
        let entryRows = rows(meeting: 0, extra: inRange, keepingDimensions: true)
        let entrySchema = entryRows.schema
        var aggregates = [BoundAggregate(function: .min, argument: column(1, entrySchema), fraction: nil, orderBy: nil, filter: nil, type: timeType, span: .none)]
        aggregates += (0..<m).map {
            BoundAggregate(function: .first, argument: column(2 + $0, entrySchema), fraction: nil, orderBy: column(1, entrySchema), filter: nil,
                           type: entrySchema.fields[2 + $0].type, span: .none)
        }
        var units = query.add("funnel_step0", .aggregate(entryRows, keys: [column(0, entrySchema)], aggregates: aggregates,
                                                           Schema(fields: [fields[0], Schema.Field(name: "__t0", type: timeType)] + Array(fields[2..<(2 + m)]))))

        // Each later step: its rows after the previous step's time, the earliest per unit.
        for k in 1..<conditions.count {
            let unitSchema = units.schema
            let previous = unitSchema.index(of: "__t\(k - 1)")!
            let joined = LogicalPlan.join(left: rows(meeting: k), right: units, JoinSpec(kind: .inner, leftKeys: [0], rightKeys: [0], rightColumns: [previous]),
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
