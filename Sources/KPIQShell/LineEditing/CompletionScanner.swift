import KPIQ

/// A forgiving tokenizer for the text before the cursor, for completion only: it never fails,
/// reports a string or a `quoted name` left open at the end, and finds where the statement
/// being typed starts. (The engine's lexer is for whole statements; this one is for halves.
/// Both read the lexer's tables of symbols and of words that continue a statement.)
struct CompletionScanner {
    struct Token: Equatable {
        enum Kind: Equatable {
            case word
            /// A `back-quoted` name; `text` is its content.
            case quotedName
            /// A '…' or "…" string; `text` is its content.
            case string
            case number
            case symbol
            /// A line break that ends a statement, or `;`.
            case statementEnd
        }

        var kind: Kind
        var text: String
        /// False for a string or quoted name still open at the end of the text.
        var closed = true
        /// True when the token touches the end of the text (no space after it).
        var atEnd = false

        func isWord(_ word: String) -> Bool { kind == .word && text.lowercased() == word }
        func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }
    }

    /// The tokens of `text`, and whether the text ends inside a `--` comment.
    static func scan(_ text: String) -> (tokens: [Token], inComment: Bool) {
        let characters = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var depth = 0
        var index = 0
        var inComment = false

        func isWordStart(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c.value >= 0x80
        }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || (c >= "0" && c <= "9") }

        while index < characters.count {
            let c = characters[index]
            let count = tokens.count
            switch c {
            case " ", "\t", "\r":
                index += 1
            case "\n":
                index += 1
                if endsStatement(tokens, depth: depth, rest: characters[index...]) {
                    tokens.append(Token(kind: .statementEnd, text: "\n"))
                }
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count, characters[index] != "\n" { index += 1 }
                if index == characters.count { inComment = true }
            case "\"", "'", "`":
                var content = String.UnicodeScalarView()
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == c {
                        // A doubled quote stands for itself.
                        if index + 1 < characters.count, characters[index + 1] == c {
                            content.append(c)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    content.append(characters[index])
                    index += 1
                }
                tokens.append(Token(kind: c == "`" ? .quotedName : .string, text: String(content), closed: closed))
            case ";":
                tokens.append(Token(kind: .statementEnd, text: ";"))
                depth = 0
                index += 1
            case "0"..."9":
                let start = index
                while index < characters.count, isWordPart(characters[index]) || characters[index] == "." || characters[index] == "%" {
                    if characters[index] == ".", index + 1 < characters.count, characters[index + 1] == "." { break }
                    index += 1
                }
                tokens.append(Token(kind: .number, text: String(String.UnicodeScalarView(characters[start..<index]))))
            default:
                if isWordStart(c) {
                    let start = index
                    while index < characters.count, isWordPart(characters[index]) { index += 1 }
                    tokens.append(Token(kind: .word, text: String(String.UnicodeScalarView(characters[start..<index]))))
                } else {
                    var symbol = String(c)
                    if index + 1 < characters.count {
                        let pair = symbol + String(characters[index + 1])
                        if Lexer.twoCharacterSymbols.contains(pair) { symbol = pair }
                    }
                    if symbol == "(" || symbol == "[" { depth += 1 }
                    if symbol == ")" || symbol == "]" { depth = max(0, depth - 1) }
                    tokens.append(Token(kind: .symbol, text: symbol))
                    index += symbol.unicodeScalars.count
                }
            }
            if index == characters.count, tokens.count > count, tokens[tokens.count - 1].kind != .statementEnd {
                tokens[tokens.count - 1].atEnd = true
            }
        }
        return (tokens, inComment)
    }

    /// The tokens of the statement the text ends in (after the last `;` or finished line).
    static func currentStatement(_ tokens: [Token]) -> ArraySlice<Token> {
        guard let end = tokens.lastIndex(where: { $0.kind == .statementEnd }) else { return tokens[...] }
        return tokens[(end + 1)...]
    }

    /// A line break ends a statement unless brackets are open, the last token asks for more,
    /// or the next line starts with `|`.
    private static func endsStatement(_ tokens: [Token], depth: Int, rest: ArraySlice<Unicode.Scalar>) -> Bool {
        guard depth == 0, let last = tokens.last, last.kind != .statementEnd else { return false }
        if !last.closed { return false }
        if last.kind == .symbol, Lexer.continuingSymbols.contains(last.text) { return false }
        if last.kind == .word, Lexer.continuingWords.contains(last.text.lowercased()) { return false }
        if let next = rest.first(where: { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }), next == "|" { return false }
        return true
    }
}
