/// A cell's address in A1 notation (`C17`): column letters and a row number, both 1-based.
struct XLSXCellReference: Equatable {
    /// The largest sheet Excel makes: columns A to XFD, rows 1 to 1,048,576.
    static let maxColumn = 16_384
    static let maxRow = 1_048_576

    var column: Int
    var row: Int

    /// Parses `C17` (`$C$17` too); nil unless it is a cell within the largest sheet.
    init?(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) {
        var q = range.lowerBound
        if q < range.upperBound, base[q] == UInt8(ascii: "$") { q += 1 }
        var column = 0
        let lettersStart = q
        while q < range.upperBound, q - lettersStart < 4 {
            let c = base[q] | 0x20
            guard c >= 97, c <= 122 else { break }
            column = column * 26 + Int(c - 96)
            q += 1
        }
        guard q > lettersStart else { return nil }
        if q < range.upperBound, base[q] == UInt8(ascii: "$") { q += 1 }
        var row = 0
        let digitsStart = q
        while q < range.upperBound, q - digitsStart < 8 {
            let c = base[q]
            guard c >= 48, c <= 57 else { return nil }
            row = row * 10 + Int(c - 48)
            q += 1
        }
        guard q == range.upperBound, q > digitsStart, column <= Self.maxColumn, row >= 1, row <= Self.maxRow else { return nil }
        self.column = column
        self.row = row
    }

    init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }

    /// `A`, `Z`, `AA`, ... for a 1-based column.
    static func letters(_ column: Int) -> String {
        var n = column
        var scalars: [Character] = []
        while n > 0 {
            let k = (n - 1) % 26
            scalars.insert(Character(UnicodeScalar(UInt8(65 + k))), at: 0)
            n = (n - 1) / 26
        }
        return String(scalars)
    }

    var name: String { Self.letters(column) + String(row) }

    /// `A1:C3` as its corners.
    static func range(_ text: String) -> (XLSXCellReference, XLSXCellReference)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        func cell(_ s: Substring) -> XLSXCellReference? {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { b in b.baseAddress.flatMap { XLSXCellReference($0, 0..<b.count) } }
        }
        if parts.count == 1, let one = cell(parts[0]) { return (one, one) }
        guard parts.count == 2, let a = cell(parts[0]), let b = cell(parts[1]) else { return nil }
        return (XLSXCellReference(column: min(a.column, b.column), row: min(a.row, b.row)),
                XLSXCellReference(column: max(a.column, b.column), row: max(a.row, b.row)))
    }
}
