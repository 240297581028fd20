/// A named set of equal-length columns.
public struct Table: Sendable {
    public let names: [String]
    public let columns: [Column]
    public let rowCount: Int

    /// The most rows a table may have: queries number rows with 32-bit integers (selection
    /// vectors, first rows of groups, join pairs).
    package static let maxRows = Int(Int32.max) - 1

    /// A diagnostic when `rows` (of `what`: a file, a join, a union) is over `limit`.
    static func checkRows(_ rows: Int, of what: String, limit: Int = maxRows) throws {
        guard rows > limit else { return }
        throw Diagnostic(.limitExceeded, "\(what) would have \(Session.count(rows)) rows, more than the \(Session.count(limit)) a table can hold",
                         hints: ["filter or aggregate before it, or check the join keys (a key shared by many rows on both sides multiplies them)"])
    }

    public init(names: [String], columns: [Column]) {
        precondition(names.count == columns.count, "one name per column")
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns of unequal length")
        self.names = names
        self.columns = columns
        self.rowCount = rows
    }

    /// A table with the given columns but no rows in any of them.
    package init(names: [String], columns: [Column], rowCount: Int) {
        precondition(names.count == columns.count, "one name per column")
        precondition(columns.allSatisfy { $0.count == rowCount }, "columns of unequal length")
        self.names = names
        self.columns = columns
        self.rowCount = rowCount
    }

    public var columnCount: Int { columns.count }

    public var types: [DataType] { columns.map(\.type) }

    /// Index of the column named exactly `name`.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    public func column(named name: String) -> Column? { index(of: name).map { columns[$0] } }

    /// Bytes held by all columns (dictionaries shared between columns are counted once).
    package var byteCount: Int {
        var seen = Set<ObjectIdentifier>()
        var total = 0
        for column in columns {
            if let dictionary = column.dictionary {
                let alreadyCounted = !seen.insert(ObjectIdentifier(dictionary)).inserted
                total += column.byteCount - (alreadyCounted ? dictionary.byteCount : 0)
            } else {
                total += column.byteCount
            }
        }
        return total
    }

    /// Row `i` as scalars (rendering and tests only).
    public func row(_ i: Int) -> [Scalar] { columns.map { $0.scalar(at: i) } }

    /// The rows at `indices`, in that order.
    package func gather(_ indices: [Int32]) -> Table {
        try! gather(indices, cancel: nil)  // without a token nothing throws
    }

    /// The rows at `indices`, in that order; stops with `Cancelled` between pieces once
    /// `cancel` is raised.
    func gather(_ indices: [Int32], cancel: CancellationToken?) throws -> Table {
        try indices.withUnsafeBufferPointer { buffer in
            Table(names: names, columns: try columns.map { try $0.gather(buffer, cancel: cancel) }, rowCount: indices.count)
        }
    }

    /// Bytes a row takes in a copy of some of the rows (see `Column.gatheredBytesPerRow`).
    var gatheredBytesPerRow: Int { columns.reduce(0) { $0 + $1.gatheredBytesPerRow } }
}
