#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Loads JSON lines (one object per line) or a top-level array of objects into a `Table`.
///
/// The first byte that is not white space decides the form: `[` is an array of objects, `{`
/// a sequence of objects (JSON lines; the line breaks between them are not required). Each
/// object is a row; nested objects are flattened into `a.b` columns, arrays are kept as their
/// JSON text, keys a row lacks are null. Every scalar becomes the text a CSV export would hold
/// (a number's digits, a string's characters, `true`/`false`), so the columns are typed by the
/// CSV loader's inference (`TextCellTyping`): a column of JSON numbers is numeric, strings
/// that read as dates are dates, and a column that mixes numbers with strings that are not
/// numbers is text.
package enum JSONReader {
    package static func load(
        path: String, options: CSVOptions = CSVOptions(), cancel: CancellationToken? = nil, budget: MemoryBudget? = nil
    ) throws -> (table: Table, report: LoadReport) {
        let started = DispatchTime.now()
        let file = try MappedFile(path: path)
        if let budget {
            // The cells' texts are copied once (about the file's size) and parsed into 8 bytes a value.
            try budget.check(file.count * 2, for: "the load", detail: "a file of \(ByteSize.text(file.count))",
                             remedy: "load a smaller export (fewer rows or columns)")
        }
        let parser = JSONRowParser(base: file.base, count: file.count, cancel: cancel)
        do {
            try parser.parseDocument()
        } catch let problem as JSONRowParser.Problem {
            let (line, column) = file.location(of: problem.offset)
            throw LoadError(path: path, line: line, column: column, message: problem.message, hint: problem.hint)
        }
        if parser.rowCount > Table.maxRows {
            throw LoadError(path: path, message: "the file has \(parser.rowCount) rows; a dataset holds at most \(Table.maxRows)")
        }
        var warnings: [String] = []
        // A key that is null where other rows hold an object (`"user": null` beside
        // `"user": {"name": ...}`) is not a column of its own: its members' columns are null there.
        let objectPaths = Set(parser.names.compactMap { name in name.lastIndex(of: ".").map { String(name[..<$0]) } }
            .flatMap { path in path.indices.filter { path[$0] == "." }.map { String(path[..<$0]) } + [path] })
        let kept = parser.names.indices.filter { c in
            !(objectPaths.contains(parser.names[c]) && (0..<parser.columns[c].count).allSatisfy { parser.columns[c].isNull($0) })
        }
        let names = CSVReader.uniqueNames(kept.map { parser.names[$0] }, warnings: &warnings)
        let forced = try TextCellTyping.forcedTypes(names: names, options: options, path: path)
        let table: Table
        do {
            table = try TextCellTyping.table(names: names, columns: kept.map { parser.columns[$0] }, rowCount: parser.rowCount,
                                             forced: forced, options: options, cancel: cancel)
        } catch let problem as TextCellTyping.CellProblem {
            let (line, column) = file.location(of: parser.rowStarts[problem.row])
            throw LoadError(path: path, line: line, column: column, field: names[problem.column],
                            message: problem.message, hint: problem.hint)
        }
        var report = LoadReport(path: path, bytes: file.count, rows: table.rowCount, delimiter: .byte(44), header: true,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        report.warnings = warnings
        return (table, report)
    }
}

/// The byte-level parser behind `JSONReader`: one pass over the file, cells straight into
/// their columns' `TextCells`.
final class JSONRowParser {
    struct Problem: Error {
        var offset: Int
        var message: String
        var hint: String?
    }

    /// Objects nest at most this deep (a deeper file is an error, never a stack overflow).
    static let maxDepth = 64

    let base: UnsafePointer<UInt8>
    let count: Int
    let cancel: CancellationToken?
    private var p = 0
    private(set) var names: [String] = []
    private(set) var columns: [TextCells] = []
    /// Byte offset of each row's object, for messages about a row.
    private(set) var rowStarts: [Int] = []
    var rowCount: Int { rowStarts.count }
    private var columnByPath: [String: Int] = [:]
    /// The flattened path of the object being read (`a.b.`), as bytes.
    private var prefix: [UInt8] = []
    /// The paths met in the previous row, in order, with their columns: rows of one export
    /// almost always repeat the same keys in the same order, so the k-th key of a row is first
    /// compared with the k-th key of the row before, without hashing or making a string.
    private var recentPaths: [[UInt8]] = []
    private var recentColumns: [Int] = []
    private var keyIndex = 0
    /// Unescaped string and key texts.
    private var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int, cancel: CancellationToken?) {
        self.base = base
        self.count = count
        self.cancel = cancel
    }

    func parseDocument() throws {
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { p = 3 }
        skipSpace()
        guard p < count else { throw Problem(offset: p, message: "the file is empty", hint: "a JSON file holds objects, one per line, or an array of objects") }
        if base[p] == UInt8(ascii: "[") {
            p += 1
            skipSpace()
            if p < count, base[p] == UInt8(ascii: "]") {
                p += 1
            } else {
                while true {
                    try row()
                    skipSpace()
                    guard p < count else { throw Problem(offset: p, message: "the array never ends: expected `,` or `]`") }
                    if base[p] == UInt8(ascii: ",") { p += 1; skipSpace(); continue }
                    if base[p] == UInt8(ascii: "]") { p += 1; break }
                    throw Problem(offset: p, message: "expected `,` or `]` after an object, found \(describe(p))")
                }
            }
            skipSpace()
            if p < count { throw Problem(offset: p, message: "unexpected \(describe(p)) after the array's closing `]`") }
        } else {
            while p < count {
                try row()
                skipSpace()
            }
        }
    }

    // MARK: - Rows and values

    private func row() throws {
        guard p < count, base[p] == UInt8(ascii: "{") else {
            throw Problem(offset: p, message: "expected an object (`{`), found \(p < count ? describe(p) : "the end of the file")",
                          hint: "each row of a JSON file is an object: `{\"name\": value, ...}`")
        }
        if rowStarts.count & 0xFFFF == 0, cancel?.isCancelled == true { throw Cancelled() }
        rowStarts.append(p)
        keyIndex = 0
        try object(depth: 1)
    }

    /// The members of an object at `p` (its `{`), each into its column.
    private func object(depth: Int) throws {
        try elements(of: .object, depth: depth) {
            let (key, n) = try memberKey()
            if p < count, base[p] == UInt8(ascii: "{") {
                // A nested object: its members are columns `key.member`.
                let saved = prefix.count
                prefix.append(contentsOf: UnsafeBufferPointer(start: key, count: n))
                prefix.append(UInt8(ascii: "."))
                try object(depth: depth + 1)
                prefix.removeLast(prefix.count - saved)
            } else {
                try value(column: column(forKey: key, n), depth: depth)
            }
        }
    }

    /// One member's value (not an object) into `column`.
    private func value(column: Int, depth: Int) throws {
        guard p < count else { throw Problem(offset: p, message: "expected a value, found the end of the file") }
        let c = base[p]
        switch c {
        case UInt8(ascii: "\""):
            let (text, n) = try string()
            store(column) { $0.append(text, n) }
        case UInt8(ascii: "["):
            let start = p
            try skipArray(depth: depth + 1)
            compactText(start, p)
            store(column) { cells in scratch.withUnsafeBufferPointer { cells.append($0.baseAddress!, $0.count) } }
        case UInt8(ascii: "t"):
            try literal("true")
            store(column) { $0.append(base + p - 4, 4) }
        case UInt8(ascii: "f"):
            try literal("false")
            store(column) { $0.append(base + p - 5, 5) }
        case UInt8(ascii: "n"):
            try literal("null")
            store(column) { $0.appendNull() }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = p
            try number()
            store(column) { $0.append(base + start, p - start) }
        default:
            throw Problem(offset: p, message: "expected a value, found \(describe(p))",
                          hint: "values are strings in double quotes, numbers, true, false, null, objects or arrays")
        }
    }

    /// Puts the current row's cell into `column`; a key given twice in one object keeps its last value.
    @inline(__always)
    private func store(_ column: Int, _ put: (TextCells) -> Void) {
        let cells = columns[column]
        let row = rowStarts.count - 1
        if cells.count > row { cells.removeLast() }
        cells.padNulls(to: row)
        put(cells)
    }

    // MARK: - Keys

    /// The column of a key's full path (the prefix and the key), created when new.
    private func column(forKey key: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let slot = keyIndex
        keyIndex += 1
        if slot < recentPaths.count, matches(recentPaths[slot], key, n) { return recentColumns[slot] }
        var path = prefix
        path.append(contentsOf: UnsafeBufferPointer(start: key, count: n))
        let name = String(decoding: path, as: UTF8.self)
        let column: Int
        if let known = columnByPath[name] {
            column = known
        } else {
            column = columns.count
            columnByPath[name] = column
            names.append(name)
            columns.append(TextCells())
        }
        if slot < recentPaths.count {
            recentPaths[slot] = path
            recentColumns[slot] = column
        } else {
            recentPaths.append(path)
            recentColumns.append(column)
        }
        return column
    }

    @inline(__always)
    private func matches(_ path: [UInt8], _ key: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard path.count == prefix.count + n else { return false }
        return path.withUnsafeBufferPointer { stored in
            prefix.withUnsafeBufferPointer { prefix in
                (prefix.isEmpty || memcmp(stored.baseAddress!, prefix.baseAddress!, prefix.count) == 0)
                    && (n == 0 || memcmp(stored.baseAddress! + prefix.count, key, n) == 0)
            }
        }
    }

    // MARK: - Scalars

    /// The string at `p` (its opening quote), unescaped. Points into the file when the string
    /// has no escapes, else into `scratch` (valid until the next string).
    private func string() throws -> (UnsafePointer<UInt8>, Int) {
        let open = p
        p += 1
        let start = p
        while p < count {
            let c = base[p]
            if c == UInt8(ascii: "\"") {
                p += 1
                return (base + start, p - 1 - start)
            }
            if c == UInt8(ascii: "\\") { return try escapedString(open: open, start: start) }
            if c < 0x20 { throw controlCharacter() }
            p += 1
        }
        throw Problem(offset: open, message: "this string never ends (no closing `\"`)")
    }

    private func controlCharacter() -> Problem {
        Problem(offset: p, message: "a control character (byte \(base[p])) inside a string",
                hint: "JSON writes line breaks and tabs in strings as \\n and \\t")
    }

    private func escapedString(open: Int, start: Int) throws -> (UnsafePointer<UInt8>, Int) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: p - start))
        while p < count {
            let c = base[p]
            if c == UInt8(ascii: "\"") {
                p += 1
                return scratch.withUnsafeBufferPointer { ($0.baseAddress ?? base, $0.count) }
            }
            if c < 0x20 { throw controlCharacter() }
            if c != UInt8(ascii: "\\") {
                scratch.append(c)
                p += 1
                continue
            }
            guard p + 1 < count else { break }
            let escape = base[p + 1]
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
            case UInt8(ascii: "b"): scratch.append(8)
            case UInt8(ascii: "f"): scratch.append(12)
            case UInt8(ascii: "n"): scratch.append(10)
            case UInt8(ascii: "r"): scratch.append(13)
            case UInt8(ascii: "t"): scratch.append(9)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: p + 2)
                var consumed = 6
                if scalar >= 0xD800, scalar < 0xDC00 {
                    // A high surrogate must be followed by `\u` and a low one.
                    guard p + 11 < count, base[p + 6] == UInt8(ascii: "\\"), base[p + 7] == UInt8(ascii: "u") else {
                        throw Problem(offset: p, message: "a lone surrogate `\\u\(hexText(scalar))` in a string")
                    }
                    let low = try hex4(at: p + 8)
                    guard low >= 0xDC00, low < 0xE000 else {
                        throw Problem(offset: p, message: "a lone surrogate `\\u\(hexText(scalar))` in a string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    consumed = 12
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw Problem(offset: p, message: "a lone surrogate `\\u\(hexText(scalar))` in a string")
                }
                appendUTF8(scalar)
                p += consumed
                continue
            default:
                throw Problem(offset: p, message: "unknown escape `\\\(describeByte(escape))` in a string",
                              hint: "JSON escapes: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
            }
            p += 2
        }
        throw Problem(offset: open, message: "this string never ends (no closing `\"`)")
    }

    private func hex4(at q: Int) throws -> UInt32 {
        guard q + 4 <= count else { throw Problem(offset: q - 2, message: "`\\u` needs four hexadecimal digits") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[q + k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw Problem(offset: q - 2, message: "`\\u` needs four hexadecimal digits")
            }
            v = v << 4 | d
        }
        return v
    }

    private func hexText(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80: scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | v >> 6)); scratch.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | v >> 12)); scratch.append(UInt8(0x80 | v >> 6 & 0x3F)); scratch.append(UInt8(0x80 | v & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | v >> 18)); scratch.append(UInt8(0x80 | v >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | v >> 6 & 0x3F)); scratch.append(UInt8(0x80 | v & 0x3F))
        }
    }

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private func number() throws {
        let start = p
        func digits() -> Int {
            let s = p
            while p < count, base[p] >= 48, base[p] <= 57 { p += 1 }
            return p - s
        }
        if base[p] == UInt8(ascii: "-") { p += 1 }
        let intDigits = digits()
        guard intDigits > 0 else { throw Problem(offset: start, message: "a number needs digits after `-`") }
        if intDigits > 1, base[p - intDigits] == 48 {
            throw Problem(offset: start, message: "a number cannot start with 0 followed by digits", hint: "write it as a string if the zeros matter: \"0123\"")
        }
        if p < count, base[p] == UInt8(ascii: ".") {
            p += 1
            guard digits() > 0 else { throw Problem(offset: start, message: "a number needs digits after its decimal point") }
        }
        if p < count, base[p] | 0x20 == UInt8(ascii: "e") {
            p += 1
            if p < count, base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-") { p += 1 }
            guard digits() > 0 else { throw Problem(offset: start, message: "a number needs digits in its exponent") }
        }
        if p < count, isWordByte(base[p]) {
            throw Problem(offset: start, message: "not a number: \(describe(start))")
        }
    }

    private func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        let start = p
        guard p + n <= count, memcmp(base + p, w, n) == 0, p + n == count || !isWordByte(base[p + n]) else {
            throw Problem(offset: start, message: "expected a value, found \(describe(start))",
                          hint: "text values are written in double quotes; the words JSON knows are true, false and null")
        }
        p += n
    }

    @inline(__always)
    private func isWordByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == 95 || c == 46 || c >= 0x80
    }

    /// The JSON text of `start..<end` without the white space between its tokens, in
    /// `scratch`: an array reads the same whether its file was indented or not.
    private func compactText(_ start: Int, _ end: Int) {
        scratch.removeAll(keepingCapacity: true)
        var inString = false
        var q = start
        while q < end {
            let c = base[q]
            if inString {
                scratch.append(c)
                if c == UInt8(ascii: "\\"), q + 1 < end {
                    scratch.append(base[q + 1])
                    q += 1
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if c == UInt8(ascii: "\"") {
                inString = true
                scratch.append(c)
            } else if c != 32, c != 10, c != 13, c != 9 {
                scratch.append(c)
            }
            q += 1
        }
    }

    /// Moves past the array at `p`, checking its syntax, so its exact text can be kept.
    private func skipArray(depth: Int) throws {
        try elements(of: .array, depth: depth) { try skipValue(depth: depth) }
    }

    private func skipValue(depth: Int) throws {
        switch base[p] {
        case UInt8(ascii: "["): try skipArray(depth: depth + 1)
        case UInt8(ascii: "{"): try skipObject(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw Problem(offset: p, message: "expected a value, found \(describe(p))")
        }
    }

    /// An object inside an array: kept as text with the array, so only its syntax is checked.
    private func skipObject(depth: Int) throws {
        let open = p
        try elements(of: .object, depth: depth) {
            _ = try memberKey()
            guard p < count else { throw Problem(offset: open, message: "this object never ends") }
            try skipValue(depth: depth)
        }
    }

    // MARK: - Arrays and objects

    /// An array or an object: its closing bracket and its name, for messages.
    private enum Container {
        case array, object

        var close: UInt8 { self == .array ? UInt8(ascii: "]") : UInt8(ascii: "}") }
        var name: String { self == .array ? "array" : "object" }
    }

    /// Moves through the container whose opening bracket is at `p`, checking how deep it
    /// nests, its commas and its closing bracket; `element` reads each element (an object's
    /// member from its key) at `p`.
    @inline(__always)
    private func elements(of container: Container, depth: Int, _ element: () throws -> Void) throws {
        guard depth <= Self.maxDepth else {
            throw Problem(offset: p, message: "\(container.name)s nest more than \(Self.maxDepth) deep")
        }
        let open = p
        p += 1
        skipSpace()
        if p < count, base[p] == container.close { p += 1; return }
        while true {
            guard p < count else { throw Problem(offset: open, message: "this \(container.name) never ends") }
            try element()
            skipSpace()
            guard p < count else { throw Problem(offset: open, message: "this \(container.name) never ends") }
            if base[p] == UInt8(ascii: ",") { p += 1; skipSpace(); continue }
            if base[p] == container.close { p += 1; return }
            throw Problem(offset: p, message: "expected `,` or `\(Character(UnicodeScalar(container.close)))` in an \(container.name), found \(describe(p))")
        }
    }

    /// An object member's key at `p` and the `:` after it; leaves `p` at the value.
    private func memberKey() throws -> (UnsafePointer<UInt8>, Int) {
        guard base[p] == UInt8(ascii: "\"") else {
            throw Problem(offset: p, message: "expected a key in double quotes, found \(describe(p))")
        }
        let key = try string()
        skipSpace()
        guard p < count, base[p] == UInt8(ascii: ":") else {
            throw Problem(offset: p, message: "expected `:` after the key, found \(p < count ? describe(p) : "the end of the file")")
        }
        p += 1
        skipSpace()
        return key
    }

    @inline(__always)
    private func skipSpace() {
        while p < count {
            let c = base[p]
            guard c == 32 || c == 10 || c == 13 || c == 9 else { return }
            p += 1
        }
    }

    /// A short quote of the text at `offset` for messages.
    private func describe(_ offset: Int) -> String {
        var end = offset
        while end < count, end - offset < 20, base[end] != 10, base[end] != 13 { end += 1 }
        if end == offset { return "a line break" }
        var text = String(decoding: UnsafeBufferPointer(start: base + offset, count: end - offset), as: UTF8.self)
        if end - offset == 20 { text += "..." }
        return "`\(text)`"
    }

    private func describeByte(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "byte \(c)"
    }
}
