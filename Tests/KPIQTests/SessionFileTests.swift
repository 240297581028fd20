import Foundation
import Testing
@testable import KPIQ

/// `save "q4.kpiq"` and `open "q4.kpiq"`: every column type and encoding comes back as it
/// was, with its nulls; definitions come back; a damaged file is an error naming the byte
/// and section, never a crash.
@Suite struct SessionFileTests {
    func folder() throws -> String {
        let path = try TestSupport.file("", name: "unused")
        return (path as NSString).deletingLastPathComponent
    }

    func run(_ text: String, _ session: Session, base: String? = nil) throws -> RunOutcome {
        let outcome = session.run(SourceText(name: "t", text: text), baseDirectory: base)
        if let error = outcome.error { throw error }
        return outcome
    }

    func message(_ outcome: RunOutcome) -> String? {
        for output in outcome.outputs.reversed() { if case .message(let m) = output { return m } }
        return nil
    }

    func openError(_ bytes: [UInt8], in dir: String, name: String = "bad.kpiq") throws -> Diagnostic {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let outcome = Session().run(SourceText(name: "t", text: "open \"\(path)\""))
        return try #require(outcome.error, "opening a damaged file must fail")
    }

    /// The same values, types, nulls, widths and encodings.
    func expectSame(_ a: Table, _ b: Table, _ what: String) {
        #expect(a.names == b.names, "\(what)")
        #expect(a.rowCount == b.rowCount, "\(what)")
        for (i, (x, y)) in zip(a.columns, b.columns).enumerated() {
            let column = "\(what).\(a.names[i])"
            #expect(x.type == y.type, "\(column)")
            #expect(x.isUntyped == y.isUntyped, "\(column)")
            #expect(x.nullCount == y.nullCount, "\(column)")
            #expect(x.validity == y.validity, "\(column)")
            switch (x.values, y.values) {
            case (.integers(let p), .integers(let q)), (.text(let p, _), .text(let q, _)):
                #expect(p.width == q.width && p.base == q.base && p.scale == q.scale, "\(column): packing")
            case (.doubles, .doubles), (.bools, .bools): break
            default: Issue.record("\(column): storage changed")
            }
            if let d = x.dictionary, let e = y.dictionary { #expect(d.strings == e.strings, "\(column): dictionary") }
            for row in 0..<a.rowCount where x.scalar(at: row) != y.scalar(at: row) {
                if case .decimal(let u) = x.scalar(at: row), case .decimal(let v) = y.scalar(at: row), u.isNaN, v.isNaN { continue }
                Issue.record("\(column) row \(row): \(x.scalar(at: row)) then \(y.scalar(at: row))")
                break
            }
        }
    }

    func saveAndOpen(_ session: Session, in dir: String) throws -> Session {
        _ = try run("save \"\(dir)/s.kpiq\"", session)
        let reopened = Session()
        _ = try run("open \"\(dir)/s.kpiq\"", reopened)
        return reopened
    }

    @Test func everyColumnTypeAndEncodingWithNulls() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        var csv = "id,small,amount,flag,day,at,at_ms,label,nothing,big\n"
        for i in 0..<3000 {
            let null = i % 7 == 3
            csv += "\(i),\(null ? "" : String(i % 5)),\(null ? "" : String(Double(i) * 1.25)),\(null ? "" : (i % 2 == 0 ? "true" : "false")),"
            csv += "\(null ? "" : "2024-01-\(String(format: "%02d", i % 28 + 1))"),\(null ? "" : "2024-03-01T10:00:\(String(format: "%02d", i % 60))"),"
            csv += "\(null ? "" : "2024-03-01T10:00:00.\(String(format: "%03d", i % 1000))"),\(null ? "" : "label \(i % 300)"),,"
            csv += "\(i % 11 == 0 ? "" : String(Int64(i) * 3_000_000_000))\n"
        }
        try csv.write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let session = Session()
        _ = try run("""
            load "\(dir)/t.csv" as t time day
            load "\(dir)/t.csv" as empty_copy with (nulls ("", "NA"))
            let computed = from t | derive twice = amount * 2, n = id + 1, late = day > 2024-01-15 | where id < 2500
            let empty = from t | where id < 0
            let shared = from t | select label, day
            """, session)
        let reopened = try saveAndOpen(session, in: dir)
        #expect(reopened.catalog.names == session.catalog.names)
        for name in session.catalog.names {
            let (a, b) = (session.catalog[name]!, reopened.catalog[name]!)
            expectSame(a.table, b.table, name)
            #expect(a.timeColumn == b.timeColumn && a.origin == b.origin, "\(name)")
        }
        // Every width of packed integers was exercised, and a dictionary shared by two
        // datasets stays one dictionary.
        let widths = Set(reopened.catalog.datasets.flatMap { $0.table.columns }.compactMap { column -> Int? in
            if case .integers(let p) = column.values { return p.width }
            return nil
        })
        #expect(widths.isSuperset(of: [1, 8]), "\(widths)")
        #expect(reopened.catalog["t"]!.table.column(named: "nothing")!.isUntyped)
        #expect(reopened.catalog["empty"]!.table.rowCount == 0)
        let labels = reopened.catalog["t"]!.table.column(named: "label")!.dictionary!
        #expect(labels === reopened.catalog["shared"]!.table.column(named: "label")!.dictionary!)
    }

    /// Packed integers of each width, with a base and scale, built directly.
    @Test func packedIntegersOfEachWidth() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let n = 70_000
        let columns: [Column] = [
            Column(type: .int, values: .integers(PackedIntegers(base: -5, scale: 3, storage: .u8((0..<n).map { UInt8($0 % 256) }))), validity: nil),
            Column(type: .date, values: .integers(PackedIntegers(base: 19_000, scale: 1, storage: .u16((0..<n).map { UInt16($0 % 65_536) }))), validity: nil),
            Column(type: .timestamp, values: .integers(PackedIntegers(base: 1_700_000_000_000_000, scale: 1_000_000, storage: .u32((0..<n).map { UInt32($0) }))),
                   validity: Validity(flags: (0..<n).map { $0 % 3 != 0 })),
            Column(type: .int, values: .integers(PackedIntegers(flat: (0..<n).map { Int64($0) * -7_000_000_000_123 })), validity: nil),
            Column(type: .text, values: .text(codes: PackedIntegers(base: 0, scale: 1, storage: .u32((0..<n).map { UInt32($0) })),
                                              dictionary: StringDictionary(strings: (0..<n).map { "v\($0)" })), validity: nil),
            Column(type: .decimal, values: .doubles((0..<n).map { $0 % 5 == 0 ? .nan : Double($0) / 3 }), validity: nil),
        ]
        let session = Session()
        session.catalog.put(Dataset(name: "p", table: Table(names: ["a", "b", "c", "d", "e", "f"], columns: columns), origin: "test"))
        let reopened = try saveAndOpen(session, in: dir)
        expectSame(session.catalog["p"]!.table, reopened.catalog["p"]!.table, "p")
    }

    @Test func anEmptySessionAndDatasetsWithoutRowsOrColumns() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let empty = try saveAndOpen(Session(), in: dir)
        #expect(empty.catalog.names.isEmpty && empty.kpis.metrics.isEmpty)
        let session = Session()
        session.catalog.put(Dataset(name: "no_columns", table: Table(names: [], columns: [], rowCount: 0), origin: "test"))
        try "a,b\n".write(toFile: dir + "/h.csv", atomically: true, encoding: .utf8)
        _ = try run("load \"\(dir)/h.csv\" as header_only", session)
        let reopened = try saveAndOpen(session, in: dir)
        #expect(reopened.catalog.names == ["no_columns", "header_only"])
        expectSame(session.catalog["header_only"]!.table, reopened.catalog["header_only"]!.table, "header_only")
        #expect(try TestSupport.run("from header_only | agg n = count()", session: reopened)?.row(0) == [.int(0)])
    }

    @Test func definitionsComeBack() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let examples = TestSupport.packageRoot.appendingPathComponent("examples/data").path
        let session = Session()
        _ = try run("""
            as of 2024-06-30
            load "events.csv" as sessions time ts
            load "contacts.csv" as contacts time created_at
            load "campaigns.csv" as campaigns time start_date .. end_date
            use kpis
            metric paid_sessions = count(sessions) where source = "paid_search" as count
            metric `odd name` = count_distinct(sessions.visitor_id) time ts
            target visitor_to_lead between 1% and 3% for source = "organic"
            target paid_sessions >= 100
            relate contacts.campaign -> campaigns.campaign
            let monthly = show visitors, visitor_to_lead over month during 2024
            """, session, base: examples)
        let reopened = try saveAndOpen(session, in: dir)
        #expect(reopened.kpis.metricOrder == session.kpis.metricOrder)
        for name in session.kpis.metricOrder {
            let (a, b) = (session.kpis.metrics[name]!, reopened.kpis.metrics[name]!)
            #expect(a.text == b.text && a.format?.name == b.format?.name && a.timeColumn?.name == b.timeColumn?.name, "\(name)")
        }
        #expect(reopened.kpis.targets.map(\.text) == session.kpis.targets.map(\.text))
        #expect(reopened.kpis.targets.map { $0.scope?.value } == session.kpis.targets.map { $0.scope?.value })
        #expect(reopened.kpis.relationships == session.kpis.relationships)
        #expect(reopened.settings.asOf == session.settings.asOf)
        #expect(reopened.catalog["campaigns"]!.endTimeColumn == "end_date")
        #expect(reopened.catalog["monthly"]!.formats == session.catalog["monthly"]!.formats)
        #expect(reopened.kpis.unavailable.map(\.0) == session.kpis.unavailable.map(\.0))
        for query in ["show paid_sessions, `odd name`, visitor_to_lead by source during 2024 vs previous year",
                      "show spend, leads by channel during 2024", "from monthly"] {
            expectSame(try TestSupport.run(query, session: session)!, try TestSupport.run(query, session: reopened)!, query)
        }
    }

    /// `open` replaces what the session had, and says so.
    @Test func openReplacesTheSession() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let first = Session()
        try "n\n1\n2\n".write(toFile: dir + "/n.csv", atomically: true, encoding: .utf8)
        _ = try run("load \"\(dir)/n.csv\" as numbers", first)
        _ = try run("save \"\(dir)/one.kpiq\"", first)
        let second = Session()
        _ = try run("load \"\(dir)/n.csv\" as other\nmetric total = sum(other.n)", second)
        let outcome = try run("open \"\(dir)/one.kpiq\"", second)
        #expect(message(outcome) == "opened \(dir)/one.kpiq: 1 dataset (2 rows); replaced 1 dataset (2 rows), 1 metric")
        #expect(second.catalog.names == ["numbers"])
        #expect(second.kpis.metrics.isEmpty)
    }

    /// The datasets are copied at `open`: the file may change or go while the session runs.
    @Test func theFileMayChangeAfterOpen() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        try "n,t\n1,a\n2,b\n".write(toFile: dir + "/n.csv", atomically: true, encoding: .utf8)
        let session = Session()
        _ = try run("load \"\(dir)/n.csv\" as numbers\nsave \"\(dir)/s.kpiq\"\nopen \"\(dir)/s.kpiq\"", session)
        try Data(repeating: 0, count: 10).write(to: URL(fileURLWithPath: dir + "/s.kpiq"))
        #expect(try TestSupport.run("from numbers | agg s = sum(n), t = max(t)", session: session)?.row(0) == [.int(3), .text("b")])
        try FileManager.default.removeItem(atPath: dir + "/s.kpiq")
        #expect(try TestSupport.run("from numbers | agg s = sum(n)", session: session)?.row(0) == [.int(3)])
    }

    @Test func saveReplacesASessionFileButNothingElseUnlessTold() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        try "n\n1\n".write(toFile: dir + "/n.csv", atomically: true, encoding: .utf8)
        let session = Session()
        _ = try run("load \"\(dir)/n.csv\" as numbers\nsave \"\(dir)/s.kpiq\"\nsave \"\(dir)/s.kpiq\"", session)
        let outcome = session.run(SourceText(name: "t", text: "save \"\(dir)/n.csv\""))
        #expect(outcome.error?.message == "\(dir)/n.csv exists and is not a saved kpiq session")
        #expect(try String(contentsOfFile: dir + "/n.csv", encoding: .utf8) == "n\n1\n")
        _ = try run("save \"\(dir)/n.csv\" overwrite", session)
        _ = try run("open \"\(dir)/n.csv\"", Session())
    }

    // MARK: - Damaged files

    func savedBytes(in dir: String) throws -> [UInt8] {
        try "id,name,score,day\n1,a,1.5,2024-01-01\n2,,2.5,\n3,c,,2024-01-03\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let session = Session()
        _ = try run("load \"\(dir)/d.csv\" as d time day\nmetric m = count(d)\ntarget m >= 2\nsave \"\(dir)/good.kpiq\"", session)
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/good.kpiq")))
    }

    @Test func everyTruncationIsAnErrorWithAnOffset() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let bytes = try savedBytes(in: dir)
        for length in 0..<bytes.count {
            let error = try openError(Array(bytes[0..<length]), in: dir)
            #expect(error.code == .fileError)
            if length == 0 {
                #expect(error.message.hasSuffix("the file is empty at byte 0, the header"), "\(error.message)")
            } else {
                #expect(error.message.contains("cut short") && error.message.contains("at byte \(length)"), "\(length): \(error.message)")
            }
        }
    }

    @Test func everyFlippedBitIsCaught() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let bytes = try savedBytes(in: dir)
        for offset in 0..<bytes.count {
            var damaged = bytes
            damaged[offset] ^= UInt8(1 << (offset % 8))
            let error = try openError(damaged, in: dir)
            #expect(error.code == .fileError, "\(offset)")
            #expect(error.message.contains("at byte "), "\(offset): \(error.message)")
        }
        // A flip inside a column's values names the column and where its section starts.
        let reader = try SessionFileReader.contents(bytes.withUnsafeBytes { $0 }, name: "x")
        let last = reader.count - 1
        var damaged = bytes
        damaged[reader[last].offset] ^= 0x10
        let error = try openError(damaged, in: dir)
        #expect(error.message.hasSuffix("the section is damaged (checksum mismatch) at byte \(reader[last].offset), section \(last) (the null bitmap of `d`.`day`)"),
                "\(error.message)")
    }

    @Test func anotherVersionIsNamed() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        var bytes = try savedBytes(in: dir)
        bytes[8] = 2
        #expect(try openError(bytes, in: dir).message.hasSuffix("the file is in session format 2; this kpiq reads format 1 (open it with a newer kpiq) at byte 8, the header"))
        SessionFileFormat.reseal(&bytes)
        #expect(try openError(bytes, in: dir).message.contains("session format 2; this kpiq reads format 1"))
        bytes[8] = 0
        SessionFileFormat.reseal(&bytes)
        #expect(try openError(bytes, in: dir).message.contains("unknown session format 0"))
    }

    /// Damage behind valid checksums (a writer's bug, a crafted file) is caught by the
    /// checks of the manifest and buffers themselves.
    @Test func inconsistentContentsBehindValidChecksums() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let bytes = try savedBytes(in: dir)
        let sections = try SessionFileReader.contents(bytes.withUnsafeBytes { $0 }, name: "x")
        // Every byte of the manifest changed, in turn, with the checksums made right again.
        let manifest = sections[0]
        for offset in manifest.offset..<manifest.offset + manifest.length {
            for value: UInt8 in [0, 0x7F, 0xFF] where bytes[offset] != value {
                var damaged = bytes
                damaged[offset] = value
                SessionFileFormat.reseal(&damaged)
                let path = dir + "/m.kpiq"
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                // Some changes still make a readable session (a name changed): then it opens.
                let outcome = Session().run(SourceText(name: "t", text: "open \"\(path)\"\nfrom d | agg n = count()"))
                if let error = outcome.error, error.code == .fileError {
                    #expect(error.message.contains(" at byte "), "\(offset): \(error.message)")
                }
            }
        }
        // A dictionary code past its dictionary.
        var damaged = bytes
        // Sections: the manifest, then `id`'s values, then `name`'s codes, strings, offsets, nulls.
        #expect(sections[2].length == 3)
        damaged[sections[2].offset] = 9
        SessionFileFormat.reseal(&damaged)
        #expect(try openError(damaged, in: dir).message.contains("but the dictionary has 2 strings at byte \(sections[2].offset), section 2 (the codes of `d`.`name`)"))
        // Offsets that run backwards.
        damaged = bytes
        #expect(sections[4].length == 24)
        damaged[sections[4].offset + 8] = 0xFF
        SessionFileFormat.reseal(&damaged)
        #expect(try openError(damaged, in: dir).message.contains("the string offsets do not run from 0 up to the 2 string bytes"))
    }

    /// A date behind valid checksums but outside the calendar (a crafted file) is an error
    /// naming the column, as a load would refuse it; so is a timestamp.
    @Test func datesOutsideTheCalendarAreAnError() throws {
        let dir = try folder()
        for (type, csv) in [("date", "day\n0001-01-01\n9999-12-31\n"), ("timestamp", "day\n0001-01-01T00:00:00\n9999-12-31T23:59:59\n")] {
            try csv.write(toFile: dir + "/far.csv", atomically: true, encoding: .utf8)
            _ = try run("load \"\(dir)/far.csv\" as far\nsave \"\(dir)/far.kpiq\" overwrite", Session())
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/far.kpiq")))
            let sections = try SessionFileReader.contents(bytes.withUnsafeBytes { $0 }, name: "far")
            // Section 1 holds the column's stored offsets from 0001-01-01; the last one's top
            // byte set puts it far past 9999.
            var damaged = bytes
            damaged[sections[1].offset + sections[1].length - 1] = 0x7F
            SessionFileFormat.reseal(&damaged)
            let error = try openError(damaged, in: dir)
            #expect(error.message.contains("`far`.`day` has \(type) values outside 0001-01-01 .. 9999-12-31"), "\(error.message)")
            // The file as saved opens.
            #expect(Session().run(SourceText(name: "t", text: "open \"\(dir)/far.kpiq\"")).error == nil)
        }
    }

    /// Fuzz/regressions/SessionFileFuzz: inputs SessionFileFuzz once crashed on (option byte,
    /// then the file), opened as the harness opens them.
    @Test func fuzzRegressionsAreErrors() throws {
        let dir = try folder()
        defer { TestSupport.remove(dir + "/x") }
        let regressions = TestSupport.packageRoot.appendingPathComponent("Fuzz/regressions/SessionFileFuzz")
        let asOf = Array(try Data(contentsOf: regressions.appendingPathComponent("as_of_out_of_range")))
        var file = Array(asOf.dropFirst())
        if asOf[0] & 1 != 0 { SessionFileFormat.reseal(&file) }
        #expect(try openError(file, in: dir).message.contains("is outside years 1 to 9999"))
    }

    @Test func saveAndOpenParse() throws {
        let parsed = Parser.parse(SourceText(name: "t", text: "save \"q4.kpiq\"\nsave \"q4.kpiq\" overwrite\nopen \"q4.kpiq\""))
        #expect(parsed.diagnostics.isEmpty)
        guard case .save(let path, _, false) = parsed.statements[0].kind, case .save(_, _, true) = parsed.statements[1].kind,
              case .open(let opened, _) = parsed.statements[2].kind else {
            Issue.record("not parsed as save, save overwrite, open")
            return
        }
        #expect(path == "q4.kpiq" && opened == "q4.kpiq")
        #expect(Parser.parse(SourceText(name: "t", text: "open q4")).diagnostics.first?.message == "expected a file path in quotes, found `q4`")
    }
}

/// Every example script, run, saved and opened: each of its statements that gives a result
/// gives the same one (or the same error) in the opened session as in the one that saved it.
@Suite struct SessionFileExampleTests {
    /// A script's kpiq text with `.read FILE` lines replaced by the file's statements (run
    /// from that file's folder) and other dot commands left out: (text, base folder) pieces.
    func pieces(of script: URL) throws -> [(String, String)] {
        let base = script.deletingLastPathComponent().path
        var pieces: [(String, String)] = []
        var current = ""
        for line in try String(contentsOf: script, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("."), trimmed.dropFirst().first?.isLetter == true else {
                current += line + "\n"
                continue
            }
            pieces.append((current, base))
            current = ""
            if trimmed.hasPrefix(".read ") {
                let read = URL(fileURLWithPath: base).appendingPathComponent(String(trimmed.dropFirst(6)).trimmingCharacters(in: .whitespaces))
                pieces.append((try String(contentsOf: read, encoding: .utf8), read.deletingLastPathComponent().path))
            }
        }
        pieces.append((current, base))
        return pieces
    }

    /// What a statement gave, comparable: the table's names, types and values, its message, or
    /// the error.
    func answer(_ text: String, _ session: Session, base: String) -> String {
        let outcome = session.run(SourceText(name: "q", text: text), baseDirectory: base)
        if let error = outcome.error { return "error: \(error.message)" }
        var lines: [String] = []
        for output in outcome.outputs {
            guard case .result(let result) = output else {
                if case .message(let message) = output { lines.append(message) }  // a check without alerts
                continue
            }
            lines.append(zip(result.table.names, result.table.types).map { "\($0) \($1.name)" }.joined(separator: ", "))
            for row in 0..<result.table.rowCount { lines.append(result.table.row(row).map(\.description).joined(separator: " | ")) }
        }
        return lines.joined(separator: "\n")
    }

    @Test func examplesGiveTheSameAnswersAfterSaveAndOpen() throws {
        let examples = TestSupport.packageRoot.appendingPathComponent("examples")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".kpi") }.sorted()
        #expect(scripts.count >= 10)
        let saved = try TestSupport.file("", name: "unused")
        defer { TestSupport.remove(saved) }
        let file = (saved as NSString).deletingLastPathComponent + "/example.kpiq"
        for script in scripts {
            let original = Session()
            var queries: [(String, String)] = []
            for (text, base) in try pieces(of: examples.appendingPathComponent(script)) {
                let outcome = original.run(SourceText(name: script, text: text), baseDirectory: base)
                #expect(outcome.error == nil, "\(script): \(outcome.error?.message ?? "")")
                let parsed = Parser.parse(SourceText(name: script, text: text))
                for statement in parsed.statements {
                    switch statement.kind {
                    case .query, .show, .funnel, .cohort, .attribution, .check:
                        let source = SourceText(name: script, text: text)
                        queries.append((source.text(of: statement.span), base))
                    default: break
                    }
                }
            }
            #expect(!queries.isEmpty, "\(script)")
            #expect(original.run(SourceText(name: "save", text: "save \"\(file)\"")).error == nil, "\(script)")
            let reopened = Session()
            let opened = reopened.run(SourceText(name: "open", text: "open \"\(file)\""))
            #expect(opened.error == nil, "\(script): \(opened.error?.message ?? "")")
            #expect(reopened.catalog.names == original.catalog.names, "\(script)")
            #expect(reopened.kpis.metricOrder == original.kpis.metricOrder, "\(script)")
            for (query, base) in queries {
                let before = answer(query, original, base: base)
                #expect(!before.isEmpty, "\(script): \(query)")
                #expect(answer(query, reopened, base: base) == before, "\(script): \(query)")
            }
        }
    }
}
