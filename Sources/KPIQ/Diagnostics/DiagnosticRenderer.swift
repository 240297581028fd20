/// Renders a diagnostic as text, rustc-style, with the source line and a caret underline:
///
///     error: unknown column `clikcs` in dataset `ads`
///       --> query:1:28
///        |
///      1 | from ads | derive ctr = clikcs / impressions
///        |                         ^^^^^^ did you mean `clicks`?
///
/// A pure function of its inputs; the client decides where the text goes.
public enum DiagnosticRenderer {
    public static func render(_ diagnostic: Diagnostic, source: SourceText?) -> String {
        var out = "\(diagnostic.severity.rawValue): \(diagnostic.message)\n"
        if let file = diagnostic.file {
            var location = file.path
            if let line = file.line {
                location += ":\(line)"
                if let column = file.column { location += ":\(column)" }
            }
            out += "  --> \(location)\n"
            if let field = file.field { out += "   = in column `\(field)`\n" }
        } else if let span = diagnostic.span, let source {
            let (lineIndex, column) = source.location(of: span.start)
            let (endLineIndex, endColumn) = source.location(of: max(span.start, span.end))
            let lineNumber = String(lineIndex + source.firstLine)
            let gutter = String(repeating: " ", count: lineNumber.count + 1)
            out += "\(gutter)--> \(source.name):\(lineNumber):\(column)\n"
            out += "\(gutter) |\n"
            let text = source.line(lineIndex)
            out += " \(lineNumber) | \(text)\n"
            let width = endLineIndex == lineIndex ? max(1, endColumn - column) : max(1, text.count - column + 1)
            var underline = String(repeating: " ", count: column - 1) + String(repeating: "^", count: width)
            if let label = diagnostic.label { underline += " " + label }
            out += "\(gutter) | \(underline)\n"
        } else if let label = diagnostic.label {
            out += "  = \(label)\n"
        }
        for hint in diagnostic.hints {
            out += "help: \(hint)\n"
        }
        return out
    }
}
