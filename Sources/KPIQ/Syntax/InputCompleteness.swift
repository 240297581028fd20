/// Whether typed text is a whole statement yet, so the prompt knows to run it or to ask for
/// another line (as `sqlite3_complete` does for SQLite's shell).
public enum InputCompleteness {
    /// False while a bracket or string is open, or the text ends with an operator, a comma or
    /// a word that needs more (`and`, `with`...), or a `|` step is being added.
    public static func isComplete(_ text: String) -> Bool {
        let source = SourceText(name: "input", text: text)
        var lexer = Lexer(source)
        lexer.run()
        if lexer.depth > 0 { return false }
        if lexer.diagnostics.contains(where: { $0.code == .unterminatedString }) { return false }
        let significant = lexer.tokens.filter { $0.kind != .newline && $0.kind != .end }
        guard let last = significant.last else { return true }
        if last.kind == .symbol, Lexer.continuing.contains(last.text), last.text != ")" { return false }
        if last.kind == .identifier, Lexer.continuingWords.contains(last.text.lowercased()) { return false }
        return true
    }
}
