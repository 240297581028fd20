#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a table as RFC 4180 CSV: raw values at full precision, ISO dates, empty fields for
/// null. Files are written to a temporary name and renamed into place, so a failure never
/// leaves half a file.
package enum CSVWriter {
    package struct WriteError: Error {
        package let reason: String
    }

    /// The CSV text of a table. With `neutralizeFormulas`, a text value that starts with
    /// `=`, `+`, `-`, `@`, a tab or a carriage return (and is not a number) gets a leading `'`, so a spreadsheet opening
    /// the file does not run it as a formula.
    /// `rows`: only these (a slice of a long result, written piece by piece).
    package static func text(_ table: Table, neutralizeFormulas: Bool = false, header: Bool = true, rows: Range<Int>? = nil) -> String {
        var out = ""
        if header { out += table.names.map(field).joined(separator: ",") + "\n" }
        for row in rows ?? 0..<table.rowCount {
            var cells: [String] = []
            cells.reserveCapacity(table.columnCount)
            for column in table.columns {
                let value = column.scalar(at: row)
                switch value {
                case .null: cells.append("")
                case .text(let s):
                    cells.append(field(neutralizeFormulas ? neutralized(s) : s))
                default: cells.append(field(value.description))
                }
            }
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    package static func write(_ table: Table, to path: String, neutralizeFormulas: Bool = true) throws {
        try writeAtomically(text(table, neutralizeFormulas: neutralizeFormulas), to: path)
    }

    /// Writes `text` to `path` through a temporary file in the same folder.
    package static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "w") else {
            throw WriteError(reason: String(cString: strerror(errno)).lowercased())
        }
        var bytes = Array(text.utf8)
        let written = bytes.withUnsafeMutableBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let flushed = fflush(file) == 0
        fclose(file)
        guard written == bytes.count, flushed else {
            unlink(temporary)
            throw WriteError(reason: "the disk refused the data (\(String(cString: strerror(errno)).lowercased()))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno)).lowercased()
            unlink(temporary)
            throw WriteError(reason: reason)
        }
        bytes.removeAll()
    }

    static func field(_ text: String) -> String {
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacing("\"", with: "\"\"") + "\""
        }
        return text
    }

    static func neutralized(_ text: String) -> String {
        // OWASP's list: a tab or carriage return first also starts a formula in some programs.
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        var number: Double = 0
        let bytes = Array(text.utf8)
        let isNumber = bytes.withUnsafeBufferPointer { FieldParsing.parseDouble($0.baseAddress!, $0.count, &number) }
        return isNumber ? text : "'" + text
    }
}
