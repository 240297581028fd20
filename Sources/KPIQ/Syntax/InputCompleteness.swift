/// Whether typed text is a whole statement yet, so the prompt knows to run it or to ask for
/// another line (as `sqlite3_complete` does for SQLite's shell).
package enum InputCompleteness {
    /// False while a bracket or string is open, or the text ends with an operator, a comma or
    /// a word that needs more (`and`, `with`...), or a `|` step is being added.
    /// (A line that *starts* with `|` after a finished statement is handled by the shell: it
    /// extends the statement before.)
    package static func isComplete(_ text: String) -> Bool {
        let source = SourceText(name: "input", text: text)
        var lexer = Lexer(source)
        lexer.run()
        if lexer.depth > 0 { return false }
        // An open string waits for its closing quote; an open `quoted name` cannot span lines,
        // so the statement is run and the error shown.
        let utf8 = Array(text.utf8)
        if lexer.diagnostics.contains(where: { d in
            guard d.code == .unterminatedString, let start = d.span?.start, start < utf8.count else { return false }
            return utf8[start] != UInt8(ascii: "`")
        }) {
            return false
        }
        let significant = lexer.tokens.filter { $0.kind != .newline && $0.kind != .end }
        guard let last = significant.last else { return true }
        if last.kind == .symbol, Lexer.continuingSymbols.contains(last.text), last.text != ")" { return false }
        if last.kind == .identifier, Lexer.continuingWords.contains(last.text.lowercased()) { return false }
        return true
    }
}
