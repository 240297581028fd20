/// Reads tokens into statements. Recursive descent, one function per grammar rule; the
/// grammar is written out in `grammar/kpiq.ebnf`.
///
/// On a syntax error the parser records a diagnostic and skips to the end of the statement,
/// so one typo gives one message and the statements after it are still read.
package struct Parser {
    let source: SourceText
    var tokens: [Token]
    var index = 0
    var diagnostics: [Diagnostic] = []
    /// In a `show` metric list, `during` starts the show's range clause rather than the
    /// `x during 2024` operator (which stays available inside brackets).
    var duringEndsExpression = false
    /// Expressions and pipelines open here inside one another (see `maxNesting`).
    var depth = 0
    /// Pipeline steps read so far in this statement, inner pipelines included (see `maxSteps`).
    var steps = 0

    package struct Result: Sendable {
        package var statements: [Statement]
        package var diagnostics: [Diagnostic]
    }

    package init(_ source: SourceText) {
        self.source = source
        let (tokens, lexical) = Lexer.tokenize(source)
        self.tokens = tokens
        self.diagnostics = lexical
    }

    /// Parses every statement of `source`, on a large stack (see `LargeStack` and `maxNesting`).
    package static func parse(_ source: SourceText) -> Result {
        LargeStack.run { parseHere(source) }
    }

    /// `parse` on the current thread, for callers already on a large stack.
    static func parseHere(_ source: SourceText) -> Result {
        var parser = Parser(source)
        var statements: [Statement] = []
        if !parser.diagnostics.isEmpty { return Result(statements: [], diagnostics: parser.diagnostics) }
        while true {
            parser.skipSeparators()
            if parser.current.kind == .end { break }
            do {
                parser.steps = 0
                statements.append(try parser.statement())
                if !parser.atStatementEnd {
                    throw parser.unexpected("the end of the statement")
                }
            } catch let diagnostic as Diagnostic {
                parser.diagnostics.append(diagnostic)
                parser.skipStatement()
            } catch {
                parser.diagnostics.append(Diagnostic(.unexpectedToken, "\(error)"))
                parser.skipStatement()
            }
        }
        return Result(statements: statements, diagnostics: parser.diagnostics)
    }

    /// Parses a lone expression (used by tests and by the client for completion).
    package static func parseExpression(_ source: SourceText) throws -> Expression {
        try LargeStack.run { try parseExpressionHere(source) }
    }

    static func parseExpressionHere(_ source: SourceText) throws -> Expression {
        var parser = Parser(source)
        if let first = parser.diagnostics.first { throw first }
        let expression = try parser.expression()
        guard parser.current.kind == .end || parser.current.kind == .newline else {
            throw parser.unexpected("the end of the expression")
        }
        return expression
    }

    // MARK: - Token cursor

    var current: Token { tokens[index] }

    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    var previousEnd: Int { index > 0 ? tokens[index - 1].span.end : 0 }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    var atStatementEnd: Bool {
        switch current.kind {
        case .newline, .semicolon, .end: return true
        default: return false
        }
    }

    mutating func skipSeparators() {
        while current.kind == .newline || current.kind == .semicolon { advance() }
    }

    mutating func skipStatement() {
        while !atStatementEnd { advance() }
    }

    /// Consumes the word if it is next.
    mutating func accept(word: String) -> Bool {
        if current.isWord(word) { advance(); return true }
        return false
    }

    mutating func accept(symbol: String) -> Bool {
        if current.isSymbol(symbol) { advance(); return true }
        return false
    }

    @discardableResult
    mutating func expect(word: String) throws -> Token {
        guard current.isWord(word) else { throw unexpected("`\(word)`") }
        return advance()
    }

    @discardableResult
    mutating func expect(symbol: String) throws -> Token {
        guard current.isSymbol(symbol) else { throw unexpected("`\(symbol)`") }
        return advance()
    }

    /// Skips line breaks when the next line starts with one of `words` (a clause that
    /// continues the statement, such as `by` or `over` after `show`).
    mutating func skipNewlines(before words: Set<String>) {
        var k = index
        while tokens[k].kind == .newline { k += 1 }
        if k != index, tokens[k].kind == .identifier, words.contains(tokens[k].text.lowercased()) { index = k }
    }

    /// An identifier (plain, not reserved, or backquoted).
    mutating func identifier(_ what: String = "a name") throws -> Identifier {
        let token = current
        switch token.kind {
        case .quotedIdentifier:
            advance()
            return Identifier(token.text, span: token.span)
        case .identifier where !ReservedWords.all.contains(token.text.lowercased()):
            advance()
            return Identifier(token.text, span: token.span)
        default:
            var diagnostic = unexpected(what)
            if token.kind == .identifier {
                diagnostic.hints.append("`\(token.text)` is a reserved word; write it in backquotes (`\(token.text)`) to use it as a name")
            }
            throw diagnostic
        }
    }

    mutating func integer(_ what: String = "a whole number") throws -> Int64 {
        let token = current
        guard token.kind == .integer else { throw unexpected(what) }
        guard let value = Int64(token.text) else { throw Self.outOfRange(token) }
        advance()
        return value
    }

    static func outOfRange(_ token: Token) -> Diagnostic {
        Diagnostic(.invalidNumber, "number `\(token.text)` is out of range", at: token.span,
                   hints: ["the largest whole number is 9223372036854775807"])
    }

    mutating func string(_ what: String = "a string") throws -> (String, Span) {
        let token = current
        guard token.kind == .string else { throw unexpected(what) }
        advance()
        return (token.text, token.span)
    }

    /// "expected X, found Y" at the current token.
    func unexpected(_ expected: String) -> Diagnostic {
        let token = current
        let found = token.display
        var diagnostic = Diagnostic(.unexpectedToken, "expected \(expected), found \(found)", at: token.span)
        if token.kind == .end || token.kind == .newline {
            diagnostic.span = Span(previousEnd, previousEnd + 1)
            diagnostic.message = "expected \(expected) after this"
            diagnostic.label = "the statement ends here"
        }
        return diagnostic
    }

    // MARK: - Statements

    package static let statementWords = [
        "load", "from", "let", "metric", "show", "target", "set", "as", "relate", "use", "funnel", "cohort",
        "attribution", "check", "export", "drop", "save", "open",
    ]

    /// For a statement written in SQL (`select * from sessions`): kpiq reads
    /// `from sessions | ...`, naming the dataset the SQL reads when it is on the same line.
    func sqlDiagnostic(_ token: Token) -> Diagnostic {
        var dataset = "DATASET"
        var offset = 1
        while offset < 64 {
            let next = peek(offset)
            if next.kind == .newline || next.kind == .semicolon || next.kind == .end { break }
            if next.isWord("from") {
                let name = peek(offset + 1)
                if name.kind == .identifier || name.kind == .quotedIdentifier { dataset = name.text }
                break
            }
            offset += 1
        }
        return Diagnostic(
            .unknownStatement, "kpiq reads `from \(dataset) | ...`, not SQL", at: token.span,
            label: "SQL starts here",
            hints: ["write `from \(dataset) | where ... | select ...`; `.help pipelines` lists the steps"])
    }

    mutating func statement() throws -> Statement {
        let start = current.span.start
        let token = current
        let kind: Statement.Kind
        switch token.kind == .identifier ? token.text.lowercased() : "" {
        case "load": kind = .load(try loadStatement())
        case "from": kind = .query(try pipeline())
        case "let":
            advance()
            let name = try identifier("a name for the result")
            try expect(symbol: "=")
            if KPIStatement.words.contains(where: { current.isWord($0) }) {
                kind = .assign(name: name, try kpiPipeline())
            } else {
                guard current.isWord("from") || current.isSymbol("(") else { throw unexpected("`from` (a pipeline) or `show`, `funnel`, `cohort`, `attribution`") }
                kind = .assign(name: name, try pipelineOrBracketed())
            }
        case "metric": kind = .metric(try metricDefinition())
        case "show", "funnel", "cohort", "attribution":
            // Alone, the statement itself; with steps, the source of a pipeline.
            let pipeline = try kpiPipeline()
            if pipeline.steps.isEmpty, case .kpi(let statement) = pipeline.source {
                kind = statement.statementKind
            } else {
                kind = .query(pipeline)
            }
        case "check": kind = .check(try checkQuery())
        case "target": kind = .target(try targetStatement())
        case "set": kind = try setStatement()
        case "as", "asof": kind = try asOfStatement()
        case "relate": kind = try relateStatement()
        case "use": kind = .use(try useStatement())
        case "export":
            advance()
            let (path, span) = try string("a file path in quotes")
            kind = .export(path: path, pathSpan: span, overwrite: accept(word: "overwrite"))
        case "drop":
            advance()
            kind = .drop(try identifier("the name of a dataset or metric"))
        case "save":
            advance()
            let (path, span) = try string("a file path in quotes")
            kind = .save(path: path, pathSpan: span, overwrite: accept(word: "overwrite"))
        case "open":
            advance()
            let (path, span) = try string("a file path in quotes")
            kind = .open(path: path, pathSpan: span)
        default:
            var diagnostic = Diagnostic(
                .unknownStatement, "expected a statement, found \(token.display)", at: token.span,
                hints: ["statements start with: " + Self.statementWords.filter { $0 != "as" }.joined(separator: ", ") + ", as of"])
            if token.kind == .identifier, let near = EditDistance.closest(to: token.text, among: Self.statementWords) {
                diagnostic.label = "did you mean `\(near)`?"
            }
            if token.isSymbol("|") {
                diagnostic.hints = ["a `|` step continues the pipeline above it; start a pipeline with `from DATASET`"]
            }
            if token.isWord("select") || token.isWord("with") {
                // SQL, typed from habit: say how the same question reads here.
                diagnostic = sqlDiagnostic(token)
            }
            throw diagnostic
        }
        return Statement(kind, span: Span(start, previousEnd))
    }
}
