import KPIQ

/// The names completion can offer: what is loaded and defined in the session, plus the
/// language's fixed words. A protocol so completion can be tested without a session.
package protocol CompletionVocabulary {
    var datasetNames: [String] { get }
    func columnNames(of dataset: String) -> [String]
    var allColumnNames: [String] { get }
    var metricNames: [String] { get }
    /// Columns of the last result shown (for `.chart`).
    var lastResultColumns: [String] { get }
}

extension CompletionVocabulary {
    package var lastResultColumns: [String] { [] }
}

/// The vocabulary of a live session.
package struct SessionVocabulary: CompletionVocabulary {
    package let session: Session

    package init(session: Session) {
        self.session = session
    }

    package var datasetNames: [String] { session.datasetNames }
    package func columnNames(of dataset: String) -> [String] { session.columnNames(of: dataset) }
    package var allColumnNames: [String] { session.allColumnNames }
    package var metricNames: [String] { session.kpis.metricOrder }
    package var lastResultColumns: [String] { session.lastResult?.table.names ?? [] }
}

/// The language's fixed words, gathered from the engine so completion never drifts from it.
enum LanguageWords {
    static var statements: [String] { Parser.statementWords }
    static var steps: [String] { Parser.stepWords }
    static var functions: [String] {
        var seen = Set<String>()
        let all = ScalarFunction.allCases.map(\.rawValue) + AggregateFunction.allCases.map(\.rawValue)
            + ScalarFunction.specialNames.sorted() + FunctionVocabulary.metricForms + FunctionVocabulary.dimensionFunctions
        return all.filter { seen.insert($0).inserted }
    }
    static let grains = ["day", "week", "month", "quarter", "year"]
    static var showClauses: [String] { Array(Parser.showClauses).sorted() }
    static let rangeStarts = ["last", "this", "previous", "today", "yesterday", "ytd", "qtd", "mtd"]
    static let joinKinds = ["left", "inner"]
    static let sortDirections = ["asc", "desc"]
}
