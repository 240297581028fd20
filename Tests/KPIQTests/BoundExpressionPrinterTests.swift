import Testing
@testable import KPIQ

/// Bound expressions printed for `.explain`: column names for indexes, typed constants, and
/// brackets exactly where precedence needs them.
@Suite struct BoundExpressionPrinterTests {
    static let schema = Schema(fields: [
        Schema.Field(name: "ts", type: .timestamp), Schema.Field(name: "day", type: .date), Schema.Field(name: "source", type: .text),
        Schema.Field(name: "seconds", type: .int), Schema.Field(name: "amount", type: .decimal), Schema.Field(name: "flag", type: .bool),
        Schema.Field(name: "emp.var.rate", type: .decimal),
    ])

    /// `text` parsed and bound against `schema` (as of 2024-06-15), then printed.
    static func printed(_ text: String) throws -> String {
        let expression = try Parser.parseExpression(SourceText(name: "test", text: text))
        let binder = Binder(catalog: Catalog(), asOf: CivilCalendar.days(year: 2024, month: 6, day: 15))
        var expressions = ExpressionBinder(binder: binder, schema: schema)
        return BoundExpressionPrinter.text(try expressions.bind(expression), in: schema)
    }

    static let cases: [(written: String, printed: String)] = [
        // Columns by name, back-quoted when the name is not a plain identifier.
        ("seconds + `emp.var.rate`", "seconds + `emp.var.rate`"),
        // Brackets only where precedence needs them.
        ("(seconds + 1) * 2", "(seconds + 1) * 2"),
        ("seconds - (seconds - 1)", "seconds - (seconds - 1)"),
        ("seconds + seconds * 2 - seconds", "seconds + seconds * 2 - seconds"),
        ("seconds - -1", "seconds - (-1)"),
        ("-(seconds - 1)", "-(seconds - 1)"),
        ("seconds > 1 and (flag or source = \"a\")", "seconds > 1 and (flag or source = \"a\")"),
        ("not (flag and seconds > 1)", "not (flag and seconds > 1)"),
        ("not seconds > 1 or not flag", "not (seconds > 1) or not flag"),
        // Constants as they are typed: decimals with a point, text quoted and escaped.
        ("amount * 2.0 + 0.5", "amount * 2.0 + 0.5"),
        ("source in ('it''s', \"say \\\"hi\\\"\", \"a\\\\b\")", "source in (\"it's\", \"say \\\"hi\\\"\", \"a\\\\b\")"),
        // What binding made of the text: ranges, text read as times, conditions from numbers.
        ("day during 2024-03", "day >= 2024-03-01 and day < 2024-04-01"),
        ("ts during last 7 days", "ts >= 2024-06-09T00:00:00 and ts < 2024-06-16T00:00:00"),
        ("ts > \"2024-03-01 10:30\"", "ts > 2024-03-01T10:30:00"),
        ("day between 2024-01-01 and 2024-01-31", "day >= 2024-01-01 and day <= 2024-01-31"),
        ("if(seconds, 1, 0)", "case when seconds != 0 then 1 else 0 end"),
        // Lengths of time, forwards and back.
        ("day + 7 days", "day + 1 week"),
        ("ts - 36 hours", "ts - 129600 seconds"),
        // The other forms.
        ("source is not null and source not like \"/blog%\"", "source is not null and source not like \"/blog%\""),
        ("case when seconds > 60 then \"long\" else \"short\" end", "case when seconds > 60 then \"long\" else \"short\" end"),
        ("upper(source) || \"!\" || text(seconds)", "upper(source) || \"!\" || text(seconds)"),
        ("week(ts) = date(\"2024-03-04\")", "week(ts) = 2024-03-04"),
        ("date_diff(\"day\", day, ts) > 1", "date_diff(\"day\", day, ts) > 1"),
    ]

    @Test(arguments: cases)
    func printsWhatWasBound(_ example: (written: String, printed: String)) throws {
        #expect(try Self.printed(example.written) == example.printed)
    }

    /// The printed text is kpiq that binds back to the same expression: printing it again gives
    /// the same text (a missing bracket or a constant that reads differently would not).
    @Test(arguments: cases)
    func printedTextReadsBack(_ example: (written: String, printed: String)) throws {
        let once = try Self.printed(example.written)
        #expect(try Self.printed(once) == once)
    }

    @Test func columnsAreResolvedThroughTheSchemaGiven() {
        let column = BoundExpression(.column(1), type: .int, span: .none)
        let renamed = Schema(fields: [Schema.Field(name: "a", type: .int), Schema.Field(name: "_agg1", type: .int)])
        #expect(BoundExpressionPrinter.text(column, in: renamed) == "_agg1")
        #expect(BoundExpressionPrinter.text(column, in: Self.schema) == "day")
    }

    @Test func constantsAreTyped() {
        #expect(BoundExpressionPrinter.constant(.date(CivilCalendar.days(year: 2024, month: 3, day: 1))) == "2024-03-01")
        #expect(BoundExpressionPrinter.constant(.timestamp(CivilCalendar.days(year: 2024, month: 3, day: 1) * CivilCalendar.microsPerDay + 1_500_000))
                == "2024-03-01T00:00:01.5")
        #expect(BoundExpressionPrinter.constant(.decimal(3)) == "3.0")
        #expect(BoundExpressionPrinter.constant(.int(3)) == "3")
        #expect(BoundExpressionPrinter.constant(.text("a\nb")) == "\"a\\nb\"")
        #expect(BoundExpressionPrinter.constant(.null) == "null")
    }
}
