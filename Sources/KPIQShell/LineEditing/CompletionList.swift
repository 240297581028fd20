#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine

/// The choices shown under the line when Tab is ambiguous: in columns, down then across, as
/// `ls` does, cut short when there are very many.
enum CompletionList {
    static let limit = 200

    static func format(_ items: [String], width: Int) -> String {
        guard !items.isEmpty else { return "" }
        let shown = Array(items.prefix(limit))
        let widths = shown.map(displayWidth)
        let columnWidth = (widths.max() ?? 1) + 2
        let columns = max(1, min(shown.count, (max(width, 20) + 2) / columnWidth))
        let rows = (shown.count + columns - 1) / columns
        var out = ""
        for row in 0..<rows {
            var line = ""
            for column in 0..<columns {
                let index = column * rows + row
                guard index < shown.count else { break }
                let isLast = column == columns - 1 || (column + 1) * rows + row >= shown.count
                line += shown[index]
                if !isLast { line += String(repeating: " ", count: columnWidth - widths[index]) }
            }
            out += line + "\n"
        }
        if items.count > shown.count { out += "... and \(items.count - shown.count) more\n" }
        return out
    }

    /// The row of the edit area (0 for the prompt's) that the cursor is on, when `before` is
    /// the text before the cursor and lines wrap at `columns`, as libedit draws them.
    static func cursorRow(promptWidth: Int, before: String, columns: Int) -> Int {
        let columns = max(columns, 1)
        var row = 0
        var column = promptWidth
        while column >= columns {
            column -= columns
            row += 1
        }
        for scalar in before.unicodeScalars {
            if scalar == "\n" {
                row += 1
                column = 0
                continue
            }
            let w = max(0, Int(kpiq_wcwidth(scalar.value)))
            if column + w > columns {
                row += 1
                column = 0
            }
            column += w
            if column >= columns {
                row += 1
                column = 0
            }
        }
        return row
    }

    /// Terminal cells a name takes (wide characters count two).
    static func displayWidth(_ text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars {
            let w = kpiq_wcwidth(scalar.value)
            total += w < 0 ? 1 : Int(w)
        }
        return total
    }

    /// Rows of the terminal on standard output (24 when unknown).
    static func terminalRows() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return 24
    }

    /// Columns of the terminal on standard output (80 when unknown).
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
