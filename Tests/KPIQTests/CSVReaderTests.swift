import Foundation
import Testing
@testable import KPIQ

@Suite struct CSVReaderTests {
    @Test func infersTypesOverEveryValue() throws {
        let table = try TestSupport.load("i,d,b,day,ts,t\n1,1.5,true,2024-01-02,2024-01-02T03:04:05,x\n2,2,FALSE,2024-02-29,2024-02-29 10:00,y\n")
        #expect(table.types == [.int, .decimal, .bool, .date, .timestamp, .text])
        #expect(TestSupport.values(table, "d") == [.decimal(1.5), .decimal(2)])
        #expect(TestSupport.values(table, "b") == [.bool(true), .bool(false)])
        #expect(TestSupport.values(table, "day") == [.date(CivilCalendar.days(year: 2024, month: 1, day: 2)), .date(CivilCalendar.days(year: 2024, month: 2, day: 29))])
    }

    @Test func aLateValueWidensTheWholeColumn() throws {
        // The last row contradicts the first thousand: the column must still be right.
        var text = "n,m\n"
        for i in 0..<5000 { text += "\(i),\(i)\n" }
        text += "x,2.5\n"
        let table = try TestSupport.load(text)
        #expect(table.types == [.text, .decimal])
        #expect(TestSupport.values(table, "n").first == .text("0"))
        #expect(TestSupport.values(table, "n").last == .text("x"))
        #expect(TestSupport.values(table, "m").last == .decimal(2.5))
    }

    @Test func widensAcrossParallelPartitions() throws {
        // More than 1 MB so the file is split between threads; the text is only in the second half.
        var text = "id,code,when\n"
        for i in 0..<60_000 { text += "\(i),\(i % 97),2024-01-01\n" }
        for i in 0..<60_000 { text += "\(i),\(i % 5 == 0 ? "A\(i)" : String(i)),2024-01-02T10:00:00\n" }
        let table = try TestSupport.load(text)
        #expect(table.rowCount == 120_000)
        #expect(table.types == [.int, .text, .timestamp])
        #expect(TestSupport.values(table, "code")[1] == .text("1"))
        #expect(TestSupport.values(table, "code")[60_000] == .text("A0"))
        #expect(TestSupport.values(table, "when")[0] == .timestamp(CivilCalendar.days(year: 2024, month: 1, day: 1) * CivilCalendar.microsPerDay))
    }

    @Test func quotedFieldsWithDelimitersQuotesAndNewlines() throws {
        let table = try TestSupport.load("a,b\n\"x, y\",\"she said \"\"hi\"\"\"\n\"line\nbreak\",2\n")
        #expect(TestSupport.values(table, "a") == [.text("x, y"), .text("line\nbreak")])
        #expect(TestSupport.values(table, "b") == [.text("she said \"hi\""), .text("2")])
    }

    @Test func runsOfPlainAndQuotedRowsInEveryMix() throws {
        // Plain rows (the C splitter), rows quoting their last field (the tokenizer, with the
        // splitter backing off), and runs of each, across two partitions: every value lands.
        var text = "id,name,note\n"
        var expectedNotes: [Scalar] = []
        for i in 0..<80_000 {
            let quoted = (i / 1000) % 3 == 1 || i % 17 == 0
            let note = quoted ? "n, \(i)" : "n\(i)"
            text += quoted ? "\(i),v\(i % 50),\"\(note)\"\n" : "\(i),v\(i % 50),\(note)\n"
            expectedNotes.append(.text(note))
        }
        let table = try TestSupport.load(text)
        #expect(table.rowCount == 80_000)
        #expect(TestSupport.values(table, "id") == (0..<80_000).map { .int(Int64($0)) })
        #expect(TestSupport.values(table, "note") == expectedNotes)
        #expect(TestSupport.values(table, "name")[123] == .text("v23"))
    }

    @Test func crlfAndByteOrderMark() throws {
        let path = try TestSupport.file(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,2\r\n3,4\r\n".utf8))
        defer { TestSupport.remove(path) }
        let table = try CSVReader.load(path: path).table
        #expect(table.names == ["a", "b"])
        #expect(TestSupport.values(table, "b") == [.int(2), .int(4)])
    }

    @Test func detectsDelimiters() throws {
        for (delimiter, byte) in [(";", 59), ("\t", 9), ("|", 124), (",", 44)] {
            let (table, report) = try { () throws -> (Table, LoadReport) in
                let path = try TestSupport.file("a\(delimiter)b\(delimiter)c\n1\(delimiter)2\(delimiter)3\n")
                defer { TestSupport.remove(path) }
                return try CSVReader.load(path: path)
            }()
            #expect(report.delimiter == .byte(UInt8(byte)))
            #expect(table.names == ["a", "b", "c"])
        }
    }

    @Test func whitespaceSeparatedWithoutHeader() throws {
        let (table, report) = try { () throws -> (Table, LoadReport) in
            let path = try TestSupport.file(" 00001 19970101  1   11.77\n 00002 19970112  2   12.00\n")
            defer { TestSupport.remove(path) }
            return try CSVReader.load(path: path)
        }()
        #expect(report.delimiter == .whitespace)
        #expect(report.header == false)
        #expect(table.names == ["col1", "col2", "col3", "col4"])
        #expect(table.types == [.int, .date, .int, .decimal])
    }

    @Test func headerlessFileWithTypedFirstRow() throws {
        let table = try TestSupport.load("1,2024-01-01,3.5\n2,2024-01-02,4\n")
        #expect(table.names == ["col1", "col2", "col3"])
        #expect(table.rowCount == 2)
    }

    @Test func nullMarkersAndForcedTypes() throws {
        var options = CSVOptions()
        options.nullMarkers = ["", "NA"]
        options.types = ["flag": .bool, "id": .text]
        let table = try TestSupport.load("id,score,flag\n007,NA,yes\n008,3,no\n009,\"NA\",Y\n", options)
        #expect(table.types == [.text, .text, .bool])
        #expect(TestSupport.values(table, "id") == [.text("007"), .text("008"), .text("009")])
        // A quoted "NA" is text, not the null marker.
        #expect(TestSupport.values(table, "score") == [.null, .text("3"), .text("NA")])
        #expect(TestSupport.values(table, "flag") == [.bool(true), .bool(false), .bool(true)])
    }

    @Test func userDateFormats() throws {
        var options = CSVOptions()
        options.formats = [try DateFormat("%d/%m/%Y"), try DateFormat("%d/%m/%Y %H:%M")]
        let table = try TestSupport.load("d,t\n31/12/2023,01/02/2024 13:45\n01/01/2024,02/02/2024 00:00\n", options)
        #expect(table.types == [.date, .timestamp])
        #expect(TestSupport.values(table, "d").first == .date(CivilCalendar.days(year: 2023, month: 12, day: 31)))
    }

    @Test func compactDatesOnlyWhenEveryValueIsOne() throws {
        #expect(try TestSupport.load("d\n20240101\n20241231\n").types == [.date])
        #expect(try TestSupport.load("d\n20240101\n20241331\n").types == [.int])
        #expect(try TestSupport.load("d\n20240101\n123\n").types == [.int])
    }

    @Test func raggedRowIsAnErrorWithItsLine() throws {
        do {
            _ = try TestSupport.load("a,b\n1,2\n3\n4,5\n")
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.line == 3)
            #expect(error.message == "expected 2 fields, found 1")
        }
    }

    @Test func tolerantModeSkipsAndReports() throws {
        var options = CSVOptions()
        options.onError = .skip
        let path = try TestSupport.file("a,b\n1,2\n3\n4,5\n6,7,8\n")
        defer { TestSupport.remove(path) }
        let (table, report) = try CSVReader.load(path: path, options: options)
        #expect(table.rowCount == 2)
        #expect(report.skippedCount == 2)
        #expect(report.skipped.map(\.line) == [3, 5])
    }

    @Test func unclosedQuoteAtEndOfFile() throws {
        do {
            _ = try TestSupport.load("a,b\n1,2\n3,\"never closed\n4,5\n")
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.line == 3)
            #expect(error.column == 3)
            #expect(error.message.contains("unclosed quote"))
        }
    }

    @Test func invalidUTF8IsAnError() throws {
        let path = try TestSupport.file(bytes: Array("a,b\n1,ok\n2,".utf8) + [0xC3, 0x28] + [10])
        defer { TestSupport.remove(path) }
        #expect(throws: LoadError.self) { try CSVReader.load(path: path) }
    }

    @Test func forcedTypeMismatchNamesTheColumn() throws {
        var options = CSVOptions()
        options.types = ["n": .int]
        do {
            _ = try TestSupport.load("n\n1\nabc\n", options)
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.line == 3)
            #expect(error.field == "n")
        }
    }

    @Test func emptyAndMissingFiles() throws {
        #expect(throws: LoadError.self) { try TestSupport.load("") }
        #expect(throws: LoadError.self) { try CSVReader.load(path: "/nonexistent/file.csv") }
        let header = try TestSupport.load("a,b\n")
        #expect(header.rowCount == 0)
        #expect(header.names == ["a", "b"])
    }

    /// The error says which code it is reported with; nothing reads its message to decide.
    @Test func loadErrorsCarryTheirCode() throws {
        do {
            _ = try CSVReader.load(path: "/nonexistent/file.csv")
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.code == .fileError)
        }
        do {
            _ = try TestSupport.load("a\n\"open\n")
            Issue.record("expected an error")
        } catch let error as LoadError {
            #expect(error.code == .csvError)
        }
    }

    @Test func duplicateAndEmptyHeaderNames() throws {
        let path = try TestSupport.file("a,a,,b\n1,2,3,4\n")
        defer { TestSupport.remove(path) }
        let (table, report) = try CSVReader.load(path: path)
        #expect(table.names == ["a", "a_2", "col3", "b"])
        #expect(report.warnings.count == 1)
    }

    @Test func cancellationStopsALoad() throws {
        var text = "a,b\n"
        for i in 0..<200_000 { text += "\(i),x\(i)\n" }
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let token = CancellationToken()
        token.cancel()
        #expect(throws: Cancelled.self) { try CSVReader.load(path: path, cancel: token) }
    }

    @Test func highCardinalityTextBuildsOneDictionary() throws {
        // Enough distinct values to switch to the partitioned dictionary builder.
        var text = "id,visitor\n"
        for i in 0..<70_000 { text += "\(i),v\(i % 40_000)-\(i % 7 == 0 ? "long-suffix-to-exceed-inline" : "s")\n" }
        let table = try TestSupport.load(text)
        let column = table.column(named: "visitor")!
        let distinct = Set((0..<table.rowCount).map { column.scalar(at: $0) })
        #expect(column.dictionary!.count == distinct.count)
        #expect(column.scalar(at: 0) == .text("v0-long-suffix-to-exceed-inline"))
        #expect(column.scalar(at: 40_001) == .text("v1-s"))
    }
}

/// Loads each public dataset in ../shared/datasets when present, asserting row counts and types.
@Suite struct RealDatasetTests {
    static let folder = TestSupport.packageRoot.appendingPathComponent("../shared/datasets").standardized

    static var available: Bool { FileManager.default.fileExists(atPath: folder.path) }

    func load(_ relative: String, _ options: CSVOptions = CSVOptions()) throws -> (Table, LoadReport) {
        try CSVReader.load(path: Self.folder.appendingPathComponent(relative).path, options: options)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func olistMarketingQualifiedLeads() throws {
        let (table, _) = try load("olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv")
        #expect(table.rowCount == 8000)
        #expect(table.names == ["mql_id", "first_contact_date", "landing_page_id", "origin"])
        #expect(table.types == [.text, .date, .text, .text])
        #expect(table.column(named: "origin")!.nullCount == 60)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func olistClosedDeals() throws {
        let (table, _) = try load("olist_marketing_funnel/olist_closed_deals_dataset.csv")
        #expect(table.rowCount == 842)
        #expect(table.column(named: "won_date")!.type == .timestamp)
        #expect(table.column(named: "has_company")!.type == .bool)
        #expect(table.column(named: "declared_monthly_revenue")!.type == .decimal)
        #expect(table.column(named: "lead_behaviour_profile")!.type == .text)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func bankAdditionalFull() throws {
        let (table, report) = try load("uci_bank_marketing/bank-additional-full.csv")
        #expect(table.rowCount == 41_188)
        #expect(report.delimiter == .byte(59))
        #expect(table.columnCount == 21)
        #expect(table.column(named: "emp.var.rate")!.type == .decimal)
        #expect(table.column(named: "age")!.type == .int)
        #expect(table.column(named: "y")!.type == .text)
        let y = table.column(named: "y")!
        #expect((0..<table.rowCount).filter { y.scalar(at: $0) == .text("yes") }.count == 4640)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func bankFull() throws {
        let (table, _) = try load("uci_bank_marketing/bank-full.csv")
        #expect(table.rowCount == 45_211)
        #expect(table.columnCount == 17)
        #expect(table.column(named: "balance")!.type == .int)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func facebookAds() throws {
        let (table, _) = try load("facebook_ads_conversion/KAG_conversion_data.csv")
        #expect(table.rowCount == 1143)
        #expect(table.column(named: "Spent")!.type == .decimal)
        #expect(table.column(named: "age")!.type == .text)
    }

    @Test(.enabled(if: available, "../shared/datasets is not present on this machine"))
    func cdnowWhitespaceSeparated() throws {
        let (table, report) = try load("cdnow/CDNOW_master.txt")
        #expect(report.delimiter == .whitespace)
        #expect(table.rowCount == 69_659)
        #expect(table.types == [.int, .date, .int, .decimal])
    }
}
