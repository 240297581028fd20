import Testing
@testable import KPIQ

/// A load, join, grouping, sort, union or result that would go over the session's memory limit
/// stops before allocating, with an error naming the step and the size it needed, and the
/// session goes on (issue 22, the memory budget).
@Suite struct MemoryBudgetTests {
    /// A session holding `t`: 100,000 rows of a unique id (4 bytes packed) and a small code.
    func session(limit: Int) -> Session {
        let session = Session()
        let rows = 100_000
        let table = Table(names: ["id", "code"], columns: [ColumnFactory.ints((0..<rows).map { Int64($0) * 1000 }),
                                                           ColumnFactory.ints((0..<rows).map { Int64($0 % 7) })], rowCount: rows)
        session.catalog.put(Dataset(name: "t", table: table, origin: "test"))
        session.settings.memoryLimit = limit
        return session
    }

    func error(_ text: String, limit: Int) -> Diagnostic? {
        let session = session(limit: limit)
        let outcome = session.run(SourceText(name: "t", text: text))
        // Whatever stopped, the session goes on with what it had.
        #expect(session.catalog["t"]?.table.rowCount == 100_000)
        #expect((try? TestSupport.run("from t | agg n = count()", session: session))??.row(0) == [.int(100_000)])
        return outcome.error
    }

    @Test func eachStepStopsWithTheSizeItNeeded() throws {
        // The dataset holds 500 KB; 1 MB leaves 500 KB for a step.
        let limit = 1_000_000
        #expect(error("from t | join t on code | agg n = count()", limit: limit)?.message
                == "the join needs 12.9 GB (1,428,571,430 rows of 9 bytes), more than the memory limit of 1 MB leaves (the loaded datasets hold 500 KB of it)")
        #expect(error("from t | sort id desc", limit: limit)?.message.hasPrefix("the sort needs 3.1 MB (100,000 rows of 31 bytes)") == true)
        #expect(error("from t | group id | agg n = count()", limit: limit)?.message.hasPrefix("the grouping needs ") == true)
        #expect(error("from t | where id > 0", limit: limit)?.message.hasPrefix("the result needs ") == true)
        #expect(error("from t | union t", limit: limit)?.message.hasPrefix("the union needs ") == true)
        // Each points at its statement.
        #expect(error("from t | sort id", limit: limit)?.span == Span(0, 16))
    }

    @Test func stepsWithinTheBudgetRun() throws {
        let session = session(limit: 100_000_000)
        #expect(try TestSupport.run("from t | sort id desc | group code | agg n = count() | sort code", session: session)?.rowCount == 7)
        #expect(try TestSupport.run("from t | join t on id | agg n = count()", session: session)?.row(0) == [.int(100_000)])
        #expect(try TestSupport.run("from t | where id > 5000 | union t | agg n = count()", session: session)?.row(0) == [.int(199_994)])
    }

    @Test func aLoadIsCheckedBeforeItsValuesAreParsed() throws {
        let text = "a,b,c\n" + String(repeating: "1,2,3\n", count: 20_000)
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let session = Session()
        session.settings.memoryLimit = 200_000
        let outcome = session.run(SourceText(name: "t", text: "load \"\(path)\" as x"))
        // The file's 120 KB and 20,000 rows of three 8-byte values while parsing.
        #expect(outcome.error?.message.hasPrefix("the load needs 600 KB (a file of 120 KB, about 20,001 rows of 3 columns)") == true)
        #expect(session.catalog["x"] == nil)
        session.settings.memoryLimit = 1_000_000
        #expect(session.run(SourceText(name: "t", text: "load \"\(path)\" as x")).error == nil)
    }

    @Test func datasetsCountAgainstTheLimit() {
        let session = session(limit: 1_000_000)
        #expect(session.memoryBudget.held == 500_000)  // 100,000 x (4 + 1) bytes
        #expect(session.memoryBudget.available == 500_000)
        session.settings.memoryLimit = 400_000
        #expect(session.memoryBudget.available == 0)
    }

    @Test func sizesAsPeopleWriteThem() {
        #expect(ByteSize.parse("4GB", percentOf: 0) == 4_000_000_000)
        #expect(ByteSize.parse("512 mb", percentOf: 0) == 512_000_000)
        #expect(ByteSize.parse("1.5GiB", percentOf: 0) == 1_610_612_736)
        #expect(ByteSize.parse("2048", percentOf: 0) == 2048)
        #expect(ByteSize.parse("50%", percentOf: 16_000_000_000) == 8_000_000_000)
        #expect(ByteSize.parse("150%", percentOf: 100) == nil)
        #expect(ByteSize.parse("lots", percentOf: 0) == nil)
        #expect(ByteSize.parse("-1GB", percentOf: 0) == nil)
        #expect(ByteSize.text(999) == "999 bytes")
        #expect(ByteSize.text(1_000) == "1 KB")
        #expect(ByteSize.text(18_400_000_000) == "18.4 GB")
        #expect(ByteSize.text(Int.max) == "9.2 EB")
    }
}
