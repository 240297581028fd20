/// A batch of rows flowing through the scan part of a pipeline (filters and projections).
///
/// It refers to rows of a stored table (a contiguous range, or a list after a filter) and
/// holds, per column of the current schema, either "column i of the table" (decoded only when
/// an expression reads it) or a vector computed by an earlier step.
package final class Batch {
    package enum Rows {
        case range(start: Int, count: Int)
        case indices([Int32])
    }

    package enum Slot {
        case stored(Int)
        case computed(Vector)
    }

    package let table: Table
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) package private(set) var rows: Rows
    @exclusivity(unchecked) package var slots: [Slot]
    /// Decoded stored columns, by table column index (valid for the current `rows`).
    @exclusivity(unchecked) private var decoded: [Int: Vector] = [:]

    package init(table: Table, start: Int, count: Int) {
        self.table = table
        self.rows = .range(start: start, count: count)
        self.slots = (0..<table.columnCount).map { .stored($0) }
    }

    package var count: Int {
        switch rows {
        case .range(_, let count): return count
        case .indices(let indices): return indices.count
        }
    }

    /// Row numbers in the table of this batch's rows.
    package var rowNumbers: [Int32] {
        switch rows {
        case .range(let start, let count):
            // Row numbers fit Int32: tables hold at most `Table.maxRows` rows (loads, joins and
            // unions check it).
            return [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Int32(truncatingIfNeeded: start &+ i) }
                initialized = count
            }
        case .indices(let indices): return indices
        }
    }

    /// The vector of schema column `index`.
    package func vector(_ index: Int) -> Vector {
        switch slots[index] {
        case .computed(let vector): return vector
        case .stored(let column):
            if let vector = decoded[column] { return vector }
            let vector = Batch.decode(table.columns[column], rows)
            decoded[column] = vector
            return vector
        }
    }

    /// Per row of schema column `index`: 1 when it has a value; nil when every row has one.
    /// For a stored column not decoded yet, reads its null bitmap only (`x is null` needs no
    /// values). Nil for a computed vector too: callers check constants themselves.
    func storedValidity(_ index: Int) -> [UInt8]?? {
        guard case .stored(let column) = slots[index] else { return .none }
        if let vector = decoded[column] { return .some(vector.valid) }
        guard let validity = table.columns[column].validity else { return .some(nil) }
        let n = count
        return .some(Self.flags(validity, rows, n))
    }

    /// Keeps only the rows at `positions` (ascending positions within the batch).
    package func keep(_ positions: [Int32]) {
        if positions.count == count { return }
        switch rows {
        case .range(let start, _): rows = .indices(positions.map { Int32(start) + $0 })
        case .indices(let indices): rows = .indices(positions.map { indices[Int($0)] })
        }
        decoded = [:]
        for k in 0..<slots.count {
            if case .computed(let vector) = slots[k] { slots[k] = .computed(vector.compacted(positions)) }
        }
    }

    /// Validity flags of a batch's rows.
    private static func flags(_ validity: Validity, _ rows: Rows, _ n: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 {
                switch rows {
                case .range(let start, _): validity.writeFlags(from: start, count: n, into: buffer.baseAddress!)
                case .indices(let indices): indices.withUnsafeBufferPointer { validity.writeFlags(at: $0, into: buffer.baseAddress!) }
                }
            }
            initialized = n
        }
    }

    /// Decodes rows of a stored column into a flat vector.
    static func decode(_ column: Column, _ rows: Rows) -> Vector {
        let n: Int
        switch rows {
        case .range(_, let count): n = count
        case .indices(let indices): n = indices.count
        }
        var valid: [UInt8]?
        if let validity = column.validity {
            valid = flags(validity, rows, n)
        }
        func decodeIntegers(_ packed: PackedIntegers) -> [Int64] {
            [Int64](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 {
                    switch rows {
                    case .range(let start, _): packed.decode(from: start, count: n, into: buffer.baseAddress!)
                    case .indices(let indices):
                        indices.withUnsafeBufferPointer { packed.decode(indices: $0.baseAddress!, count: n, into: buffer.baseAddress!) }
                    }
                }
                initialized = n
            }
        }
        func gather<T>(_ array: [T]) -> [T] {
            switch rows {
            case .range(let start, _): return Array(array[start..<(start + n)])
            case .indices(let indices): return indices.map { array[Int($0)] }
            }
        }
        switch column.values {
        case .integers(let packed):
            return Vector(type: column.type, values: .ints(decodeIntegers(packed)), valid: valid, count: n)
        case .doubles(let array):
            return Vector(type: .decimal, values: .doubles(gather(array)), valid: valid, count: n)
        case .bools(let array):
            return Vector(type: .bool, values: .bools(gather(array)), valid: valid, count: n)
        case .text(let codes, let dictionary):
            return Vector(type: .text, values: .text(codes: decodeIntegers(codes), dictionary: dictionary), valid: valid, count: n)
        }
    }
}
