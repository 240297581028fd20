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
            let width = endLineIndex == lineIndex ? max(1, endColumn - column) : max(1, text.count - column + 1)
            let (shown, offset, caretWidth) = window(text, column: column - 1, width: width)
            out += " \(lineNumber) | \(shown)\n"
            var underline = String(repeating: " ", count: offset) + String(repeating: "^", count: caretWidth)
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

    /// Lines longer than this are cut to a window around the caret (a generated query can be
    /// one line of 100,000 characters, which no terminal shows usefully).
    static let maxLineWidth = 120

    /// The part of `line` to print, where the caret starts in it, and how many `^` to draw,
    /// for a span at `column` (from 0) of `width` characters.
    static func window(_ line: String, column: Int, width: Int) -> (text: String, offset: Int, width: Int) {
        let characters = Array(line)
        guard characters.count > maxLineWidth else { return (line, column, width) }
        let context = 40
        let caretWidth = min(width, maxLineWidth - 2 * context)
        let start = min(max(0, column - context), characters.count)
        let end = min(characters.count, column + caretWidth + context)
        let prefix = start > 0 ? "…" : ""
        let suffix = end < characters.count ? "…" : ""
        return (prefix + String(characters[start..<max(start, end)]) + suffix, prefix.count + column - start, caretWidth)
    }
}
