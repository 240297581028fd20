#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KPIQ
import Testing

@testable import KPIQShell

/// A session's names without a session.
private struct FakeVocabulary: CompletionVocabulary {
    var datasets: [String: [String]] = [
        "sales": ["day", "channel", "clicks", "cost"],
        "leads": ["day", "source", "clients", "Ad Group"],
    ]
    var metrics = ["ctr", "cpc"]
    var last: [String] = ["channel", "visits"]

    var datasetNames: [String] { datasets.keys.sorted() }
    func columnNames(of dataset: String) -> [String] { datasets[dataset] ?? [] }
    var allColumnNames: [String] {
        var seen = Set<String>()
        return datasetNames.flatMap { datasets[$0]! }.filter { seen.insert($0).inserted }
    }
    var metricNames: [String] { metrics }
    var lastResultColumns: [String] { last }
}

private func complete(_ text: String, files: DirectoryListing = DirectoryListing()) -> Completion? {
    Completer(vocabulary: FakeVocabulary(), files: files).complete(text)
}

private func texts(_ text: String) -> [String] {
    complete(text)?.texts ?? []
}

@Suite struct CompletionTests {
    @Test func statementWordsAtTheStart() {
        #expect(texts("") == Parser.statementWords.sorted())
        #expect(texts("fr") == ["from"])
        #expect(complete("fr")?.word == "fr")
        #expect(complete("fr")?.insertion == "from ")
        #expect(texts("  lo") == ["load"])
        // Case does not matter for keywords.
        #expect(texts("FR") == ["from"])
    }

    @Test func statementWordsAfterASemicolon() {
        #expect(texts("from sales; fr") == ["from"])
    }

    @Test func stepWordsAfterAPipe() {
        #expect(texts("from sales | ") == Parser.stepWords.sorted())
        #expect(texts("from sales | se") == ["select"])
        #expect(texts("from sales | s") == ["select", "sort"])
        // Right after `|`, the step word comes with a space before it.
        #expect(texts("from sales |wh") == ["where"])
        #expect(texts("from sales |").allSatisfy { $0.hasPrefix(" ") })
    }

    @Test func stepWordsOnAContinuationLine() {
        #expect(texts("from sales |\nse") == ["select"])
        #expect(texts("from sales\n| wh") == ["where"])
        let completer = Completer(vocabulary: FakeVocabulary())
        #expect(completer.complete(line: "gro", cursor: 3, previousLines: "from sales |")?.texts == ["group"])
    }

    @Test func datasetsAfterFromJoinUnion() {
        #expect(texts("from ") == ["leads", "sales"])
        #expect(texts("from sa") == ["sales"])
        #expect(texts("from sales | join le") == ["leads", "left"])
        #expect(texts("from sales | join left l") == ["leads"])
        #expect(texts("from sales | union ") == ["leads", "sales"])
        #expect(texts("from (from le") == ["leads"])
        #expect(texts("drop ") == ["cpc", "ctr", "leads", "sales"])
        #expect(texts("set time ") == ["leads", "sales"])
    }

    @Test func columnsOfTheDatasetInScope() {
        #expect(texts("from sales | select cli") == ["clicks"])
        #expect(complete("from sales | select cli")?.insertion == "clicks ")
        #expect(texts("from sales | where ch") == ["channel"])
        // Columns of `leads` are not offered for `sales`.
        #expect(!texts("from sales | select ").contains("source"))
        #expect(texts("from sales | join leads on day | select sou") == ["source"])
        // No dataset named: every column.
        #expect(texts("show cl") == ["clicks", "clients"])
    }

    @Test func columnsTheStatementDefines() {
        #expect(texts("from sales | derive rate = clicks / cost | select ra") == ["rate"])
        #expect(texts("from sales | group channel | agg visits = count() | sort vi") == ["visits"])
    }

    @Test func columnsOfANamedDataset() {
        #expect(texts("set time sales.") == ["channel", "clicks", "cost", "day"])
        #expect(texts("relate leads.sou") == ["source"])
    }

    @Test func metricsAndFunctions() {
        #expect(texts("show ct") == ["ctr"])
        #expect(texts("target c") == ["cpc", "ctr"])
        #expect(texts("from sales | agg n = count_d") == ["count_distinct"])
        #expect(complete("from sales | agg n = sum")?.insertion == "sum(")
        #expect(texts("from sales | select lo") == ["lower"])
        let all = texts("from sales | select ")
        for name in ScalarFunction.allCases.map(\.rawValue) + AggregateFunction.allCases.map(\.rawValue) {
            #expect(all.contains(name))
        }
    }

    @Test func namesThatNeedBackQuotes() {
        #expect(texts("from leads | select Ad") == ["`Ad Group`"])
        // Inside an open back quote: the name, then the closing quote.
        let inside = complete("from leads | select `Ad")
        #expect(inside?.texts == ["Ad Group"])
        #expect(inside?.insertion == "Ad Group` ")
    }

    @Test func nothingForNewNames() {
        #expect(complete("let ") == nil)
        #expect(complete("metric ") == nil)
        #expect(complete("load \"x.csv\" as ") == nil)
    }

    @Test func nothingInCommentsNumbersOrPlainStrings() {
        #expect(complete("from sales -- sel") == nil)
        #expect(complete("from sales | top 1") == nil)
        #expect(complete("from sales | where channel = \"se") == nil)
    }

    @Test func unmatchedWordGivesNoCandidates() {
        #expect(texts("from sales | select zzz").isEmpty)
    }

    @Test func dotCommands() {
        #expect(texts(".sch") == ["schema"])
        #expect(complete(".sch")?.word == "sch")
        #expect(texts(".") == DotCommands.all.map(\.name).sorted())
        #expect(texts(".schema ") == ["leads", "sales"])
        #expect(texts(".schema s") == ["sales"])
        #expect(texts(".explain c") == ["cohort", "cpc", "ctr"])
        // `.explain` of a statement completes it as a statement.
        #expect(texts(".explain from s") == ["sales"])
        #expect(texts(".explain from sales | where ch") == ["channel"])
        #expect(texts(".mode j") == ["json"])
        #expect(texts(".timer o") == ["off", "on"])
        #expect(texts(".chart ") == ["bar", "channel", "line", "visits"])
        #expect(complete(".schema sales ") == nil)
        // A dot command only at the start of a statement.
        #expect(texts("from sales |\n.sch").isEmpty)
    }

    @Test func ambiguousInsertionIsTheSharedPrefix() {
        let completion = complete("from leads | select cli")
        #expect(completion?.texts == ["clients"])
        let two = complete("show cl")
        #expect(two?.insertion == "cli")
        let none = complete("from sales | s")
        #expect(none?.insertion == nil)
    }

    @Test func cursorInTheMiddleOfALine() {
        let completer = Completer(vocabulary: FakeVocabulary())
        let line = "from sa | select day"
        #expect(completer.complete(line: line, cursor: 7)?.texts == ["sales"])
        // The cursor is a UTF-8 offset: after `é` (two bytes).
        #expect(completer.complete(line: "from sales | select \"é\", cl", cursor: 28)?.texts == ["clicks"])
    }

    @Test func filePaths() throws {
        let folder = try TemporaryFolder()
        try folder.write("sales.csv")
        try folder.write("sessions.csv")
        try folder.write(".hidden.csv")
        try folder.makeFolder("data")
        try folder.write("data/leads.csv")
        let files = DirectoryListing(baseDirectory: folder.path)

        let load = complete("load \"sa", files: files)
        #expect(load?.texts == ["sales.csv"])
        #expect(load?.word == "sa")
        #expect(load?.insertion == "sales.csv\"")
        #expect(complete("load \"s", files: files)?.texts == ["sales.csv", "sessions.csv"])
        #expect(complete("load \"", files: files)?.texts == ["data/", "sales.csv", "sessions.csv"])
        #expect(complete("load \".h", files: files)?.texts == [".hidden.csv"])
        #expect(complete("load \"da", files: files)?.insertion == "data/")
        #expect(complete("load \"data/", files: files)?.texts == ["data/leads.csv"])
        #expect(complete("load \"data/", files: files)?.candidates.first?.display == "leads.csv")
        // `load ` then Tab opens the quotes.
        #expect(complete("load ", files: files)?.texts == ["\"data/", "\"sales.csv", "\"sessions.csv"])
        #expect(complete("export \"se", files: files)?.texts == ["sessions.csv"])
        #expect(complete(".read se", files: files)?.insertion == "sessions.csv ")
        #expect(complete(".output \"da", files: files)?.texts == ["data/"])
        #expect(complete(".export data/l", files: files)?.texts == ["data/leads.csv"])
    }

    @Test func homeFolderInPaths() throws {
        let folder = try TemporaryFolder()
        try folder.write("notes.kpiq")
        let files = DirectoryListing(home: folder.path)
        #expect(complete(".read ~/no", files: files)?.texts == ["~/notes.kpiq"])
    }

    @Test func listingInColumns() {
        let text = CompletionList.format(["alpha", "beta", "gamma", "delta", "epsilon"], width: 30)
        #expect(text == "alpha    gamma    epsilon\nbeta     delta\n")
        #expect(CompletionList.format([], width: 80) == "")
        let many = CompletionList.format((0..<300).map { "c\($0)" }, width: 80)
        #expect(many.hasSuffix("... and 100 more\n"))
    }

    @Test func historyPath() {
        #expect(CommandHistory.defaultPath { ["HOME": "/home/a"][$0] } == "/home/a/.kpiq_history")
        #expect(CommandHistory.defaultPath { ["HOME": "/home/a", "KPIQ_HISTORY": "/tmp/h"][$0] } == "/tmp/h")
        #expect(CommandHistory.defaultPath { ["HOME": "/home/a", "KPIQ_HISTORY": ""][$0] } == nil)
        #expect(CommandHistory.defaultPath { _ in nil } == nil)
    }

    @Test func showClausesAndTheirArguments() {
        #expect(texts("show ctr ov") == ["over"])
        #expect(texts("show ctr by channel dur") == ["during"])
        #expect(texts("show ctr over month during la") == ["last"])
        #expect(texts("show ctr during last mo") == ["month"])
        #expect(texts("show ctr vs p") == ["previous"])
        #expect(texts("show ctr vs previous y") == ["year"])
        #expect(texts("show c").contains("ctr"))
        #expect(texts("show ctr over month vs previous period wh") == ["where", "whole"])
        #expect(texts("show ctr over month vs previous year, previous p") == ["period"])
        #expect(texts("show ctr by channel with ") == ["ci", "n", "total"])
        #expect(texts("cohort sales: channel, day with ") == ["churn"])
        #expect(texts("funnel sales: day -> day each ") == ["within"])
        // An event funnel's later step may read another dataset: `from`, then its name, then
        // the columns of both in its condition.
        #expect(texts("funnel sales per channel: clicks > 1 -> fr") == ["from"])
        #expect(texts("funnel sales per channel: clicks > 1 -> c").contains("clicks"))
        #expect(texts("funnel sales: day -> fr") == [])
        #expect(texts("funnel sales per channel: clicks > 1 -> from l") == ["leads"])
        #expect(texts("funnel sales per channel: clicks > 1 -> from leads where cl") == ["clicks", "clients"])
        #expect(texts("target ctr >= 2% per mo") == ["month"])
    }

    /// Window functions, the forms of a metric and `first_touch` are functions too.
    @Test func functionsBeyondScalarsAndAggregates() {
        #expect(texts("from sales | sort day | derive p = la") == ["lag", "last", "last_touch"])
        #expect(texts("show ctr by first_t") == ["first_touch"])
        #expect(texts("metric open_deals = op") == ["open"])
        #expect(complete("metric active = rolling")?.insertion == "rolling(")
        #expect(texts("from sales | derive spike = anom") == ["anomaly"])
    }

    /// `let name = show ...` completes as the `show`; after a `|`, steps and expressions follow,
    /// not the show's clauses.
    @Test func composedShowClausesAndSteps() {
        #expect(texts("let x = show ctr ov") == ["over"])
        #expect(texts("let x = show ctr over month during la") == ["last"])
        #expect(texts("let x = funnel s") == ["sales"])
        #expect(texts("show ctr by channel | wh") == ["where"])
        #expect(texts("show ctr by channel | select channel ov").isEmpty)
        #expect(texts("show ctr by channel | where c").contains("ctr"))
        #expect(!texts("show ctr by channel | sort ctr ").contains("during"))
        #expect(texts("use b") == ["benchmarks"])
    }

    @Test func finishedStatements() {
        #expect(!InteractiveShell.isFinished("from sales | where channel = \"sea"))
        #expect(InteractiveShell.isFinished("from sales | where `channel = 1"))
        #expect(InteractiveShell.isFinished("from sales | select clicks"))
        #expect(!InteractiveShell.isFinished("from sales |"))
        #expect(!InteractiveShell.isFinished("from sales | select sum("))
        #expect(InteractiveShell.isFinished(".schema sales"))
        #expect(InteractiveShell.isFinished(".read \"a b"))
    }
}

/// A folder under /tmp, removed when the value goes away.
private final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array("/tmp/kpiq-completion-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure() }
        path = String(cString: made)
    }

    deinit {
        _ = try? remove(path)
    }

    struct Failure: Error {}

    func write(_ name: String) throws {
        guard let file = fopen(path + "/" + name, "w") else { throw Failure() }
        fclose(file)
    }

    func makeFolder(_ name: String) throws {
        guard mkdir(path + "/" + name, 0o755) == 0 else { throw Failure() }
    }

    private func remove(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if let directory = opendir(path) {
                var names: [String] = []
                while let item = readdir(directory) {
                    let name = withUnsafePointer(to: item.pointee.d_name) {
                        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(directory)
                for name in names { try remove(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
