/// A lexical token: its kind, its exact text and where it is.
package struct Token: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case identifier
        /// `` `emp.var.rate` ``: any text as a name.
        case quotedIdentifier
        case integer
        case decimal
        /// A number written with a `%` right after it: `3%` is 0.03.
        case percent
        case string
        /// `2024-03-01`
        case date
        /// `2024-03-01T10:30:00`
        case timestamp
        case symbol
        /// The end of a statement (a line break outside brackets).
        case newline
        case semicolon
        case end
    }

    package var kind: Kind
    /// The source text of the token (for strings and quoted identifiers: the decoded value).
    package var text: String
    package var span: Span

    /// True for an identifier spelled `word` (any letter case), the way keywords are matched.
    package func isWord(_ word: String) -> Bool {
        kind == .identifier && text.lowercased() == word
    }

    package func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// What to call the token in "expected X, found Y".
    package var display: String {
        switch kind {
        case .end: return "end of input"
        case .newline: return "end of line"
        case .semicolon: return "`;`"
        case .string: return "string \"\(text)\""
        case .quotedIdentifier: return "`\(text)`"
        default: return "`\(text)`"
        }
    }
}

/// Words that are never column or dataset names (without backquotes), because they
/// build expressions. Every other word, `date`, `source`, `count`, `month` included, is free.
package enum ReservedWords {
    package static let all: Set<String> = [
        "and", "or", "not", "in", "is", "null", "true", "false", "between", "like", "case", "when",
        "then", "else", "end",
    ]
}
