import Synchronization

/// The part of a query that streams: rows of one table, in batches, through filters and
/// projections, into a sink (an aggregation, or a table being built).
///
/// Runs morsel by morsel on all cores: each worker takes the next range of rows, pushes its
/// batches through the steps into its own sink, and the sinks are merged at the end, so no
/// lock is taken per batch.
struct ScanPipeline {
    enum Step {
        case filter(any PhysicalExpression)
        case project([ProjectionItem])
    }

    enum ProjectionItem {
        /// Keeps a column of the current schema (no decoding).
        case pass(Int)
        case compute(any PhysicalExpression)
    }

    let table: Table
    let steps: [Step]
    /// False to run on the calling thread only (see `maxParallelDepth`).
    var parallel = true

    static let morselRows = 1 << 16

    /// Rows per morsel for a table of `rows`: at most `morselRows`, and small enough that each
    /// worker takes about eight, so a table of a few morsels (200k contacts) is not left with
    /// one worker running two morsels while the other waits. A whole number of batches.
    static func morselRows(for rows: Int, workers: Int) -> Int {
        let share = rows / max(1, workers * 8)
        let batches = max(1, (share + Vector.batchSize - 1) / Vector.batchSize)
        return min(morselRows, batches * Vector.batchSize)
    }

    /// Expressions nested deeper than this are evaluated on the calling thread, which runs
    /// statements on a large stack (`LargeStack`), rather than on worker threads, whose stacks
    /// can be as small as 512 KB (Dispatch on macOS): evaluation recurses once per level.
    static let maxParallelDepth = 100

    /// Runs the pipeline; returns one sink per worker that ran, in worker order.
    func run<S: BatchSink>(makeSink: () -> S, cancel: CancellationToken?) throws -> [S] {
        let rows = table.rowCount
        let morselRows = Self.morselRows(for: rows, workers: parallel ? Parallel.threadCount : 1)
        let morsels = max(1, (rows + morselRows - 1) / morselRows)
        let workers = parallel ? min(Parallel.threadCount, morsels) : 1
        let next = Atomic<Int>(0)
        let sinks = (0..<workers).map { _ in makeSink() }
        let boxedSinks = UncheckedBox(sinks)
        // Stopped (Ctrl-C): the sinks (a grouping's state for millions of groups) are
        // released off this thread, so the stop is answered at once.
        defer { if cancel?.isCancelled == true { ReleaseLater.release(sinks) } }
        _ = try Parallel.map(workers) { worker in
            let sink = boxedSinks.value[worker]
            while true {
                let morsel = next.add(1, ordering: .relaxed).oldValue
                if morsel >= morsels { break }
                if cancel?.isCancelled == true { throw Cancelled() }
                let start = morsel * morselRows
                let end = min(rows, start + morselRows)
                var batchStart = start
                repeat {
                    let count = min(Vector.batchSize, end - batchStart)
                    let batch = Batch(table: table, start: batchStart, count: count)
                    if try process(batch) { try sink.consume(batch, morsel: morsel) }
                    batchStart += count
                } while batchStart < end
            }
        }
        return sinks
    }

    /// Applies the steps; false when no row is left.
    /// Where a 0/1 mask holds 1, without a branch per row (filters keep rows at random).
    static func positions(of mask: [UInt8]) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: mask.count) { buffer, kept in
            var k = 0
            mask.withUnsafeBufferPointer { mask in
                for i in 0..<mask.count {
                    buffer[k] = Int32(truncatingIfNeeded: i)
                    k &+= Int(mask[i] & 1)
                }
            }
            kept = k
        }
    }

    private func process(_ batch: Batch) throws -> Bool {
        for step in steps {
            switch step {
            case .filter(let predicate):
                let mask = BoolOperand(try predicate.evaluate(batch)).truthMask(count: batch.count)
                let positions = Self.positions(of: mask)
                if positions.isEmpty { return false }
                batch.keep(positions)
            case .project(let items):
                var slots: [Batch.Slot] = []
                slots.reserveCapacity(items.count)
                for item in items {
                    switch item {
                    case .pass(let index): slots.append(batch.slots[index])
                    case .compute(let expression): slots.append(.computed(try expression.evaluate(batch)))
                    }
                }
                batch.slots = slots
            }
        }
        return true
    }
}

/// Receives the batches that come out of a scan pipeline (one sink per worker thread).
protocol BatchSink: AnyObject {
    func consume(_ batch: Batch, morsel: Int) throws
}
