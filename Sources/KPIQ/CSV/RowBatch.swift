import CKPIQSupport

/// Up to `capacity` tokenized rows: each row's fields (a column-major matrix of `FieldRef`s),
/// where each row starts in the file, and the unescaped text of quoted fields.
///
/// The partition parser fills a batch row by row, then hands it to the column builders one
/// column at a time, so each builder runs a tight loop over its own values (and a text column
/// can prefetch hash slots for the rows ahead).
struct RowBatch: ~Copyable {
    static let capacity = 256
    /// Distance between a row's consecutive fields. A stride of exactly 4 KB would put a
    /// row's fields in one L1 cache set, which has fewer ways than a row has fields.
    static let columnStride = capacity + 4

    /// Fields per row: the columns plus one, so a row with too many fields stays in bounds.
    let columns: Int
    let fields: UnsafeMutablePointer<FieldRef>
    let rowStarts: UnsafeMutablePointer<Int>
    var scratch = GrowableBuffer<UInt8>(capacity: 4096)
    var count = 0
    let base: UnsafePointer<UInt8>
    /// One past the last byte of the file.
    let end: Int

    init(columnCount: Int, base: UnsafePointer<UInt8>, end: Int) {
        self.end = end
        columns = columnCount + 1
        fields = .allocate(capacity: Self.columnStride * columns)
        rowStarts = .allocate(capacity: Self.capacity)
        self.base = base
    }

    deinit {
        fields.deallocate()
        rowStarts.deallocate()
        scratch.release()
    }

    /// Where the next row's first field goes; its next fields are `columnStride` apart.
    var nextRowFields: UnsafeMutablePointer<FieldRef> { fields + count }

    var isFull: Bool { count == Self.capacity }

    mutating func reset() {
        count = 0
        scratch.removeAll()
    }

    /// Takes a row out (its scratch text stays, unreferenced).
    mutating func remove(row: Int) {
        for r in row..<(count - 1) {
            for c in 0..<columns { fields[c * Self.columnStride + r] = fields[c * Self.columnStride + r + 1] }
            rowStarts[r] = rowStarts[r + 1]
        }
        count -= 1
    }

    @inline(__always)
    func field(row: Int, column: Int) -> FieldRef { fields[column * Self.columnStride + row] }

    /// True when 16 bytes can be read from the field's start (for word-sized key loads).
    @inline(__always)
    func canOverread(_ field: FieldRef) -> Bool {
        field.inScratch ? field.offset + 16 <= scratch.capacity : field.offset + 16 <= end
    }

    /// Column `column`'s fields, row by row, for the loader's C loops.
    @inline(__always)
    func columnFields(_ column: Int) -> UnsafePointer<FieldRef> { UnsafePointer(fields + column * Self.columnStride) }

    /// Where the fields point (the file, the scratch buffer), for the loader's C loops.
    var fieldSource: kpiq_field_source {
        kpiq_field_source(base: base, end: end, scratch: scratch.base, scratch_capacity: scratch.capacity)
    }

    @inline(__always)
    func pointer(_ field: FieldRef) -> UnsafePointer<UInt8> {
        field.inScratch ? UnsafePointer(scratch.base) + field.offset : base + field.offset
    }
}
