/// Event funnels: `funnel sessions per visitor_id: source = "paid" -> converted_to_lead = 1
/// within 7 days by device over week`. The steps are conditions on the rows of one entity
/// (a visitor, a contact), strictly in time order; a step may test the rows of another
/// dataset with the same id column (`-> from deals where stage = "won"`; on the first step,
/// `funnel sessions per visitor_id: from contacts -> ...`), ordered by its time column:
/// - A unit enters at its first row that meets the first condition (before the end of the
///   as-of day, inside `during`); its dimensions are that row's (columns of the first step's
///   dataset), its period (`over`) the entry's.
/// - Step k's time is the unit's first row after step k-1's time that meets condition k
///   (strictly later: one row cannot be two steps).
/// - From there the rules of stage funnels apply (`FunnelPlanner`): `within` from entry in
///   calendar units, open units, step and overall rates, median days.
///
/// The plan: the entries (per unit, the first of the dataset's rows meeting the first
/// condition, `funnel_step0`); per later step, the rows meeting its condition joined to the
/// units that reached the step before, kept when later, the earliest per unit, left-joined
/// back (`funnel_step1`, ...); then the stage funnel. Each step scans its dataset with its
/// own condition, so only the rows that meet it are ever copied (a stage of every row with
/// each condition evaluated cost more than the scans: 10M sessions copied for 1.4M entries).
extension FunnelPlanner {
    /// Where one step's rows come from: a dataset (the funnel's, or `from NAME`), its unit
    /// and time columns, and the step's condition bound on it.
    private struct StepSource {
        let scan: LogicalPlan
        let entity: Int
        let time: Int
        /// Nil for every row (`-> from contacts`).
        let condition: BoundExpression?
    }

    func planEvents(_ funnel: FunnelStatement, dataset: Dataset) throws -> PlannedStatement {
        let scan = LogicalPlan.scan(name: dataset.name, table: dataset.table)
        let schema = scan.schema
        guard let timeName = dataset.timeColumn, let timeIndex = schema.index(of: timeName) else {
            throw Diagnostic(.invalidArgument, "`\(dataset.name)` has no time column to order its rows", at: funnel.dataset.span,
                             hints: ["set one: `set time \(dataset.name).ts`"])
        }
        let entity = try Binder.column(funnel.entity!, in: schema)
        let range = try funnel.range.map { try AsOfRange.resolve($0, asOf: asOf) }
        let timeType = schema.fields[timeIndex].type
        let unitType = schema.fields[entity].type
        func column(_ index: Int, _ schema: Schema) -> BoundExpression { BoundExpression(.column(index), type: schema.fields[index].type, span: .none) }
        func time(_ day: Int64) -> BoundExpression { ExpressionBinder.timeConstant(day, like: timeType, span: .none) }

        // Each step's rows: the funnel's dataset, or the one it names (`-> from deals ...`),
        // which must have the unit column, of the same type, and a time column of the same type.
        let binder = Binder(catalog: catalog, asOf: asOf)
        let sources = try funnel.conditions.indices.map { k -> StepSource in
            guard k < funnel.stepDatasets.count, let name = funnel.stepDatasets[k] else {
                var expressions = ExpressionBinder(binder: binder, schema: schema)
                return StepSource(scan: scan, entity: entity, time: timeIndex, condition: try funnel.conditions[k].map { try expressions.condition($0) })
            }
            let other = try binder.dataset(name)
            let otherScan = LogicalPlan.scan(name: other.name, table: other.table)
            let otherSchema = otherScan.schema
            guard let otherTimeName = other.timeColumn, let otherTime = otherSchema.index(of: otherTimeName) else {
                throw Diagnostic(.invalidArgument, "`\(other.name)` has no time column to order its rows", at: name.span,
                                 hints: ["set one: `set time \(other.name).COLUMN`"])
            }
            guard let otherEntity = otherSchema.index(of: funnel.entity!.name) else {
                throw Diagnostic(.unknownColumn, "`\(other.name)` has no column `\(funnel.entity!.name)`", at: name.span,
                                 hints: ["a funnel follows one id (`per \(funnel.entity!.name)`) through every dataset its steps read"])
            }
            guard otherSchema.fields[otherEntity].type == unitType else {
                throw Diagnostic(.typeMismatch, "`\(other.name)`.`\(funnel.entity!.name)` is \(otherSchema.fields[otherEntity].type.name); in `\(dataset.name)` it is \(unitType.name)",
                                 at: name.span)
            }
            guard otherSchema.fields[otherTime].type == timeType else {
                throw Diagnostic(.typeMismatch, "`\(other.name)`'s time column `\(otherTimeName)` is a \(otherSchema.fields[otherTime].type.name); `\(dataset.name)`'s is a \(timeType.name)",
                                 at: name.span, hints: ["convert one when loading: `with (types (\(otherTimeName) \(timeType.name)))`"])
            }
            var expressions = ExpressionBinder(binder: binder, schema: otherSchema)
            return StepSource(scan: otherScan, entity: otherEntity, time: otherTime, condition: try funnel.conditions[k].map { try expressions.condition($0) })
        }

        // The entry's rows (the funnel's dataset, or `from` on the first step) hold the
        // dimensions and are the ones `during` picks.
        let entrySource = sources[0]
        let entrySourceSchema = entrySource.scan.schema
        let dimensions = try funnel.dimensions.map { try Binder.column($0, in: entrySourceSchema) }

        // The rows meeting a step's condition (and, for the entry, in the range): entity,
        // time, and for the entry the dimensions.
        var query = QueryPlan(result: scan)
        let fields = [Schema.Field(name: "__unit", type: unitType), Schema.Field(name: "__time", type: timeType)]
            + dimensions.map { entrySourceSchema.fields[$0] }
        let m = dimensions.count
        func rows(meeting k: Int, extra: [BoundExpression] = [], keepingDimensions: Bool = false) -> LogicalPlan {
            let source = sources[k]
            let sourceSchema = source.scan.schema
            let usable = [Self.isNotNull(column(source.entity, sourceSchema)),
                          Self.compare(.less, column(source.time, sourceSchema), time(AsOfRange.end(asOf: asOf)))]
            let kept = [source.entity, source.time] + (keepingDimensions ? dimensions : [])
            return .project(.filter(source.scan, BoundExpression.logical(isAnd: true, usable + [source.condition].compactMap { $0 } + extra, span: .none)),
                            kept.map { column($0, sourceSchema) }, Schema(fields: Array(fields[0..<kept.count])))
        }

        // Entries: per unit, the first row of step 0 (in the range); its dimensions.
        var inRange: [BoundExpression] = []
        if let range {
            inRange.append(Self.compare(.greaterOrEqual, column(entrySource.time, entrySourceSchema), time(range.start)))
            inRange.append(Self.compare(.less, column(entrySource.time, entrySourceSchema), time(range.end)))
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
        for k in 1..<sources.count {
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
        for k in sources.indices {
            unitExpressions.append(column(unitSchema.index(of: "__t\(k)")!, unitSchema))
            unitFields.append(Schema.Field(name: "__t\(k)", type: timeType))
        }
        let unitRows = LogicalPlan.project(units, unitExpressions, Schema(fields: unitFields))
        let names = funnel.conditions.indices.map { k -> String in
            let condition = funnel.conditions[k].map { ExpressionPrinter.text($0) }
            guard k < funnel.stepDatasets.count, let other = funnel.stepDatasets[k] else { return condition ?? "every row" }
            return "from \(other.name)" + (condition.map { " where " + $0 } ?? "")
        }
        return try finish(&query, units: unitRows, stages: Array(groupCount..<(groupCount + sources.count)), stageNames: names,
                          dimensions: Array(0..<groupCount), dimensionFormats: dimensionFormats, funnel: funnel, range: range,
                          title: "funnel \(dataset.name) per \(funnel.entity!.name): " + names.joined(separator: " -> "))
    }
}
