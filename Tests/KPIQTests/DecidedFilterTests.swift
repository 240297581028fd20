import Testing
@testable import KPIQ

/// A filter's comparisons that the stored extremes decide for every row are not evaluated
/// (`PhysicalPlanner.undecidedCondition`); the rows kept are the same as when every
/// condition is evaluated (the same comparison on `x * 1`, which is not a stored column).
@Suite struct DecidedFilterTests {
    static let csv = """
        id,day,n,gap
        1,2024-01-05,10,1
        2,2024-02-10,20,
        3,2024-03-15,30,3
        4,2024-03-31,40,4

        """

    @Test func decidedConditionsKeepTheSameRows() throws {
        let path = try TestSupport.file(Self.csv)
        defer { TestSupport.remove(path) }
        let conditions = [
            "day < 2024-04-01", "day <= 2024-03-31", "day < 2024-03-31", "day >= 2024-01-05", "day > 2024-01-05",
            "2024-04-01 > day", "n < 41", "n <= 40", "n < 40", "n > 9", "n >= 11", "gap < 100", "gap >= 0",
            "n < 41 and day >= 2024-02-01", "n < 41 and n > 0", "day < 2024-04-01 and gap > 1", "n is not null", "gap is not null",
        ]
        for condition in conditions {
            let evaluated = condition.replacingOccurrences(of: "day", with: "(day + 0 days)")
                .replacingOccurrences(of: "n ", with: "(n * 1) ").replacingOccurrences(of: "gap", with: "(gap * 1)")
            let session = Session()
            _ = try TestSupport.run("load \"\(path)\" as t", session: session)
            let decided = try TestSupport.run("from t | where \(condition) | select id", session: session)
            let reference = try TestSupport.run("from t | where \(evaluated) | select id", session: session)
            #expect(decided.map { TestSupport.values($0, "id") } == reference.map { TestSupport.values($0, "id") }, "\(condition)")
        }
    }

    @Test func onlyColumnsWithoutNullsAndBoundsThatHoldAreDecided() throws {
        let table = try TestSupport.load(Self.csv)
        let scan = LogicalPlan.scan(name: "t", table: table)
        func comparison(_ op: BinaryOperator, _ column: Int, _ value: Scalar) -> BoundExpression {
            let type = table.columns[column].type
            return BoundExpression(.comparison(op, BoundExpression(.column(column), type: type, span: .none),
                                               BoundExpression(.constant(value), type: type, span: .none)), type: .bool, span: .none)
        }
        #expect(PhysicalPlanner.holdsForEveryRow(comparison(.less, 2, .int(41)), input: scan, source: table))
        #expect(!PhysicalPlanner.holdsForEveryRow(comparison(.less, 2, .int(40)), input: scan, source: table))
        #expect(PhysicalPlanner.holdsForEveryRow(comparison(.lessOrEqual, 2, .int(40)), input: scan, source: table))
        #expect(!PhysicalPlanner.holdsForEveryRow(comparison(.equal, 2, .int(10)), input: scan, source: table))
        // `gap` has a null: a null compares as null, which a filter drops.
        #expect(!PhysicalPlanner.holdsForEveryRow(comparison(.less, 3, .int(100)), input: scan, source: table))
        let both = BoundExpression.logical(isAnd: true, [comparison(.less, 2, .int(41)), comparison(.greater, 2, .int(15))], span: .none)
        let left = PhysicalPlanner.undecidedCondition(both, input: scan, source: table)
        #expect(left.map { BoundExpressionPrinter.text($0, in: scan.schema) } == "n > 15")
        #expect(PhysicalPlanner.undecidedCondition(comparison(.greater, 2, .int(0)), input: scan, source: table) == nil)
    }
}
