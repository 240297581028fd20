/// A typed, contiguous column with an optional null bitmap.
public struct Column: Sendable {
    /// The physical buffers; which case goes with which `DataType` is fixed (see `DataType`).
    package enum Values: Sendable {
        /// int, date (days) and timestamp (microseconds).
        case integers(PackedIntegers)
        case doubles([Double])
        /// 0 or 1 per row.
        case bools([UInt8])
        case text(codes: PackedIntegers, dictionary: StringDictionary)
    }

    public let type: DataType
    package let values: Values
    /// Nil when no row is null.
    package let validity: Validity?
    /// A loaded column that had no values to infer a type from (every field empty, or no
    /// rows): stored as text, but its type is open. Queries read it as a column of nulls of
    /// whatever type the other side of a join, union or comparison has (`Schema.Field.untyped`).
    package let isUntyped: Bool
    /// Integer-backed columns: their extremes and whether they never decrease, once asked
    /// (`StoredExtremes.of`, `isStoredNondecreasing`).
    package let extremes: ColumnExtremes?

    package init(type: DataType, values: Values, validity: Validity?, untyped: Bool = false) {
        self.type = type
        self.values = values
        self.isUntyped = untyped
        if case .integers = values { extremes = ColumnExtremes() } else { extremes = nil }
        self.validity = validity?.simplified
        precondition(validity == nil || validity!.count == count, "validity length mismatch")
    }

    /// The same column, with or without an open type (a kept result's column with no values
    /// stays open as its schema says: `Schema.Field.untyped`).
    package func untyped(_ untyped: Bool) -> Column {
        untyped == isUntyped ? self : Column(type: type, values: values, validity: validity, untyped: untyped)
    }

    public var count: Int {
        switch values {
        case .integers(let p): return p.count
        case .doubles(let a): return a.count
        case .bools(let a): return a.count
        case .text(let codes, _): return codes.count
        }
    }

    public var nullCount: Int { validity?.nullCount ?? 0 }

    @inline(__always)
    public func isNull(_ i: Int) -> Bool { !(validity?.isValid(i) ?? true) }

    /// Bytes held by the column (values, bitmap and its own dictionary).
    package var byteCount: Int {
        let bitmap = (validity?.words.count ?? 0) * 8
        switch values {
        case .integers(let p): return p.byteCount + bitmap
        case .doubles(let a): return a.count * 8 + bitmap
        case .bools(let a): return a.count + bitmap
        case .text(let codes, let dictionary): return codes.byteCount + dictionary.byteCount + bitmap
        }
    }

    /// The dictionary of a text column.
    package var dictionary: StringDictionary? {
        if case .text(_, let dictionary) = values { return dictionary }
        return nil
    }

    /// The value at row `i` (for rendering and tests).
    public func scalar(at i: Int) -> Scalar {
        if isNull(i) { return .null }
        switch values {
        case .integers(let p):
            switch type {
            case .date: return .date(p[i])
            case .timestamp: return .timestamp(p[i])
            default: return .int(p[i])
            }
        case .doubles(let a): return .decimal(a[i])
        case .bools(let a): return .bool(a[i] != 0)
        case .text(let codes, let dictionary): return .text(dictionary.string(Int(codes[i])))
        }
    }

    /// The rows at `indices`, in that order; stops with `Cancelled` between pieces once
    /// `cancel` is raised (see `Gather`).
    func gather(_ indices: UnsafeBufferPointer<Int32>, cancel: CancellationToken?) throws -> Column {
        let validity = try self.validity?.gather(indices, cancel: cancel)
        switch values {
        case .integers(let p):
            return Column(type: type, values: .integers(try p.gather(indices, cancel: cancel)), validity: validity, untyped: isUntyped)
        case .doubles(let a):
            return Column(type: type, values: .doubles(try Gather.values(a, at: indices, cancel: cancel)), validity: validity, untyped: isUntyped)
        case .bools(let a):
            return Column(type: type, values: .bools(try Gather.values(a, at: indices, cancel: cancel)), validity: validity, untyped: isUntyped)
        case .text(let codes, let dictionary):
            return Column(type: type, values: .text(codes: try codes.gather(indices, cancel: cancel), dictionary: dictionary), validity: validity, untyped: isUntyped)
        }
    }

    func gather(_ indices: [Int32], cancel: CancellationToken?) throws -> Column {
        try indices.withUnsafeBufferPointer { try gather($0, cancel: cancel) }
    }

    /// The rows at `indices`, in that order.
    package func gather(_ indices: UnsafeBufferPointer<Int32>) -> Column {
        try! gather(indices, cancel: nil)  // without a token nothing throws
    }

    package func gather(_ indices: [Int32]) -> Column {
        indices.withUnsafeBufferPointer { gather($0) }
    }

    /// Bytes a row of this column takes in a copy of some of its rows (`gather`): the stored
    /// width, and a byte for nulls when it has any (the bitmap is built from byte flags). A
    /// dictionary is shared with the copy, not counted.
    var gatheredBytesPerRow: Int {
        let nulls = validity == nil ? 0 : 1
        switch values {
        case .integers(let p): return p.width + nulls
        case .doubles: return 8 + nulls
        case .bools: return 1 + nulls
        case .text(let codes, _): return codes.width + nulls
        }
    }
}
