/// Turns source text into tokens.
///
/// A line break ends a statement, except inside brackets, after a token that cannot end an
/// expression (an operator, a comma, `=`), or when the next line starts with `|` (a pipeline
/// continuing). Comments run from `--` to the end of the line.
package struct Lexer {
    let bytes: [UInt8]
    var position = 0
    var depth = 0
    var tokens: [Token] = []
    var diagnostics: [Diagnostic] = []

    package init(_ source: SourceText) {
        bytes = source.bytes
    }

    /// All tokens, ending with `.end`, and any lexical problems.
    package static func tokenize(_ source: SourceText) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(source)
        lexer.run()
        return (lexer.tokens, lexer.diagnostics)
    }

    /// Symbols after which a line break does not end the statement (the shell's completion
    /// scanner reads these tables too, so both agree on where a statement ends).
    package static let continuingSymbols: Set<String> = [
        ",", "+", "-", "*", "/", "%", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "|", "->", "..", "(", "[", ":",
    ]
    /// Words after which a line break does not end the statement.
    package static let continuingWords: Set<String> = ["and", "or", "not", "in", "between", "like", "is", "with"]

    mutating func run() {
        while position < bytes.count {
            let c = bytes[position]
            switch c {
            case 32, 9, 13:
                position += 1
            case 10:
                newline()
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                while position < bytes.count, bytes[position] != 10 { position += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                string(quote: c)
            case UInt8(ascii: "`"):
                quotedIdentifier()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number()
            case UInt8(ascii: "."):
                if let next = peek(1), next >= 48, next <= 57, !(tokens.last.map(isOperand) ?? false) {
                    number()
                } else {
                    symbol()
                }
            case UInt8(ascii: ";"):
                add(.semicolon, ";", position, position + 1)
                position += 1
            default:
                if isIdentifierStart(c) {
                    identifier()
                } else {
                    symbol()
                }
            }
        }
        add(.end, "", bytes.count, bytes.count)
    }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func add(_ kind: Token.Kind, _ text: String, _ start: Int, _ end: Int) {
        tokens.append(Token(kind: kind, text: text, span: Span(start, end)))
    }

    private func isOperand(_ token: Token) -> Bool {
        switch token.kind {
        case .identifier, .quotedIdentifier, .integer, .decimal, .percent, .string, .date, .timestamp: return true
        case .symbol: return token.text == ")" || token.text == "]"
        default: return false
        }
    }

    private func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80
    }

    private func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= 48 && c <= 57)
    }

    private mutating func newline() {
        let at = position
        position += 1
        guard depth == 0, let last = tokens.last, last.kind != .newline, last.kind != .semicolon else { return }
        if last.kind == .symbol, Self.continuingSymbols.contains(last.text) { return }
        if last.kind == .identifier, Self.continuingWords.contains(last.text.lowercased()) { return }
        // A following line that starts with `|` continues a pipeline.
        var p = position
        while p < bytes.count {
            let c = bytes[p]
            if c == 32 || c == 9 || c == 13 || c == 10 {
                p += 1
            } else if c == UInt8(ascii: "-"), p + 1 < bytes.count, bytes[p + 1] == UInt8(ascii: "-") {
                while p < bytes.count, bytes[p] != 10 { p += 1 }
            } else {
                break
            }
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "|") { return }
        add(.newline, "\n", at, at + 1)
    }

    private mutating func identifier() {
        let start = position
        while position < bytes.count, isIdentifierPart(bytes[position]) { position += 1 }
        add(.identifier, String(decoding: bytes[start..<position], as: UTF8.self), start, position)
    }

    private mutating func quotedIdentifier() {
        let start = position
        position += 1
        var value: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "`") {
                if peek(1) == UInt8(ascii: "`") {
                    value.append(c)
                    position += 2
                    continue
                }
                position += 1
                add(.quotedIdentifier, String(decoding: value, as: UTF8.self), start, position)
                return
            }
            if c == 10 { break }
            value.append(c)
            position += 1
        }
        diagnostics.append(Diagnostic(.unterminatedString, "unterminated quoted name", at: Span(start, position),
                                      label: "no closing backquote", hints: ["close the name with ` on the same line"]))
        add(.quotedIdentifier, String(decoding: value, as: UTF8.self), start, position)
    }

    private mutating func string(quote: UInt8) {
        let start = position
        position += 1
        var value: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            if c == quote {
                if peek(1) == quote {
                    value.append(c)
                    position += 2
                    continue
                }
                position += 1
                add(.string, String(decoding: value, as: UTF8.self), start, position)
                return
            }
            if c == UInt8(ascii: "\\"), let next = peek(1) {
                switch next {
                case UInt8(ascii: "n"): value.append(10)
                case UInt8(ascii: "t"): value.append(9)
                case UInt8(ascii: "r"): value.append(13)
                default: value.append(next)
                }
                position += 2
                continue
            }
            // A string may run over lines (as in SQL), so the prompt can wait for its end.
            if c == 13, peek(1) == 10 {
                position += 1
                continue
            }
            value.append(c)
            position += 1
        }
        let q = String(UnicodeScalar(quote))
        var firstLineEnd = start
        while firstLineEnd < bytes.count, bytes[firstLineEnd] != 10, bytes[firstLineEnd] != 13 { firstLineEnd += 1 }
        diagnostics.append(Diagnostic(.unterminatedString, "unterminated string", at: Span(start, firstLineEnd),
                                      label: "this string has no closing \(q)", hints: ["close the string with \(q); a string can run over several lines"]))
        add(.string, String(decoding: value, as: UTF8.self), start, position)
    }

    private func digitsAt(_ p: Int, _ count: Int) -> Bool {
        guard p + count <= bytes.count else { return false }
        for k in 0..<count where !(bytes[p + k] >= 48 && bytes[p + k] <= 57) { return false }
        return true
    }

    private mutating func number() {
        let start = position
        // A date: exactly YYYY-MM-DD, maybe followed by THH:MM[:SS[.ffffff]].
        if digitsAt(start, 4), peek(4) == UInt8(ascii: "-"), digitsAt(start + 5, 2), peek(7) == UInt8(ascii: "-"),
            digitsAt(start + 8, 2), !digitsAt(start + 10, 1)
        {
            position = start + 10
            if peek(0) == UInt8(ascii: "T"), digitsAt(position + 1, 2), peek(3) == UInt8(ascii: ":"), digitsAt(position + 4, 2) {
                position += 6
                if peek(0) == UInt8(ascii: ":"), digitsAt(position + 1, 2) {
                    position += 3
                    if peek(0) == UInt8(ascii: "."), digitsAt(position + 1, 1) {
                        position += 1
                        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
                    }
                }
                add(.timestamp, String(decoding: bytes[start..<position], as: UTF8.self), start, position)
            } else {
                add(.date, String(decoding: bytes[start..<position], as: UTF8.self), start, position)
            }
            return
        }
        var isDecimal = false
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
        if peek(0) == UInt8(ascii: "."), let next = peek(1), next >= 48, next <= 57 {
            isDecimal = true
            position += 1
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
        }
        if let e = peek(0), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var p = position + 1
            if let sign = p < bytes.count ? bytes[p] : nil, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { p += 1 }
            if digitsAt(p, 1) {
                isDecimal = true
                position = p
                while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if peek(0) == UInt8(ascii: "%") {
            position += 1
            add(.percent, text, start, position)
            return
        }
        add(isDecimal ? .decimal : .integer, text, start, position)
    }

    /// Symbols written with two characters (every other symbol is one character).
    package static let twoCharacterSymbols: Set<String> = ["==", "!=", "<>", "<=", ">=", "->", "..", "||"]
    /// The symbols of one character, as bytes (a set lookup, not a substring search per symbol).
    private static let oneCharacterSymbols = Set("|,().[]=<>+-*/%:!".utf8)

    private mutating func symbol() {
        let start = position
        if let next = peek(1) {
            let pair = String(decoding: [bytes[position], next], as: UTF8.self)
            if Self.twoCharacterSymbols.contains(pair) {
                position += 2
                add(.symbol, pair, start, position)
                return
            }
        }
        let c = bytes[position]
        position += 1
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: ")"), UInt8(ascii: "]"): depth = max(0, depth - 1)
        default: break
        }
        let text = String(decoding: [c], as: UTF8.self)
        if !Self.oneCharacterSymbols.contains(c) {
            diagnostics.append(Diagnostic(.invalidCharacter, "unexpected character `\(text)`", at: Span(start, position)))
        }
        add(.symbol, text, start, position)
    }
}
