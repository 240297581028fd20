import Testing
@testable import KPIQ

@Suite struct LexerTests {
    func kinds(_ text: String) -> [Token.Kind] {
        Lexer.tokenize(SourceText(name: "t", text: text)).tokens.map(\.kind)
    }

    func texts(_ text: String) -> [String] {
        Lexer.tokenize(SourceText(name: "t", text: text)).tokens.filter { $0.kind != .end }.map(\.text)
    }

    @Test func literals() {
        #expect(kinds("42 3.5 1e3 3% \"s\" 'q' 2024-03-01 2024-03-01T10:30:00") ==
                [.integer, .decimal, .decimal, .percent, .string, .string, .date, .timestamp, .end])
        #expect(texts("\"a \"\"b\"\" \\n\"") == ["a \"b\" \n"])
    }

    @Test func dateLiteralIsNotSubtraction() {
        #expect(kinds("2024-03-01") == [.date, .end])
        #expect(kinds("2024 - 03") == [.integer, .symbol, .integer, .end])
        #expect(kinds("2024-3") == [.integer, .symbol, .integer, .end])
    }

    @Test func quotedNamesAndSymbols() {
        #expect(texts("`emp.var.rate` >= 1.5 != <> -> .. || ==") == ["emp.var.rate", ">=", "1.5", "!=", "<>", "->", "..", "||", "=="])
        #expect(kinds("`a b`").first == .quotedIdentifier)
    }

    @Test func commentsAreSkipped() {
        #expect(texts("from t -- the table\n-- a whole line\n") == ["from", "t", "\n"])
    }

    @Test func lineBreaksEndStatementsExceptWhenContinued() {
        #expect(kinds("a\nb").filter { $0 == .newline }.count == 1)
        #expect(kinds("from t\n| where x").filter { $0 == .newline }.isEmpty)
        #expect(kinds("f(a,\nb)").filter { $0 == .newline }.isEmpty)
        #expect(kinds("a +\nb").filter { $0 == .newline }.isEmpty)
        #expect(kinds("x and\ny").filter { $0 == .newline }.isEmpty)
        #expect(kinds("from t\n-- comment\n  | where x").filter { $0 == .newline }.isEmpty)
    }

    @Test func unterminatedStringIsReported() {
        let (_, diagnostics) = Lexer.tokenize(SourceText(name: "t", text: "\"abc"))
        #expect(diagnostics.first?.code == .unterminatedString)
    }

    @Test func inputCompleteness() {
        #expect(InputCompleteness.isComplete("from t | where x = 1"))
        #expect(!InputCompleteness.isComplete("from t | where (x = 1"))
        #expect(!InputCompleteness.isComplete("from t |"))
        #expect(!InputCompleteness.isComplete("from t | where x ="))
        #expect(!InputCompleteness.isComplete("load \"unfinished"))
        #expect(!InputCompleteness.isComplete("from t | where a and"))
        #expect(InputCompleteness.isComplete(""))
    }
}
