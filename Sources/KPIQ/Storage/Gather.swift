/// Copies of the values at given row numbers (`Column.gather`), made a piece at a time with a
/// cancellation check between pieces: a join's or a sort's output can be hundreds of millions
/// of rows, and Ctrl-C must not wait for a whole column to be copied.
enum Gather {
    /// Rows per piece: a few milliseconds of copying.
    static let pieceRows = 1 << 20

    /// `values[indices[k]]` for every k.
    static func values<T>(_ values: [T], at indices: UnsafeBufferPointer<Int32>, cancel: CancellationToken?) throws -> [T] {
        try [T](unsafeUninitializedCapacity: indices.count) { out, initialized in
            guard let start = out.baseAddress else { return }
            try values.withUnsafeBufferPointer { values in
                while initialized < indices.count {
                    try cancel?.check()
                    let end = min(initialized + pieceRows, indices.count)
                    for k in initialized..<end { (start + k).initialize(to: values[Int(indices[k])]) }
                    initialized = end
                }
            }
        }
    }

    /// Calls `body` on consecutive ranges of `0..<count`, one piece each, checking `cancel`
    /// before each.
    static func inPieces(_ count: Int, cancel: CancellationToken?, _ body: (Range<Int>) -> Void) throws {
        var start = 0
        while start < count {
            try cancel?.check()
            let end = min(start + pieceRows, count)
            body(start..<end)
            start = end
        }
    }
}
