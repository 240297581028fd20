import Testing
@testable import KPIQ

/// Per-group state for millions of groups is reserved before the batch that brings them, in
/// pieces a Ctrl-C can stop (the first `last(source, ts)` by visitor after loading sf10 spent
/// 270 ms filling it, longer than a cancel may wait).
@Suite struct AccumulatorReserveTests {
    @Test func reservingManyGroupsStopsWhenCancelled() {
        let accumulator = FirstLastByTimeAccumulator(isFirst: false, type: .int)
        let token = CancellationToken()
        token.cancel()
        #expect(throws: Cancelled.self) { try accumulator.reserve(groupCount: 2_000_000, cancel: token) }
        // Not cancelled, the same reservation goes through.
        #expect(throws: Never.self) { try accumulator.reserve(groupCount: 2_000_000, cancel: CancellationToken()) }
    }

    /// Gathering millions of groups' values stops when the token is raised: the column it
    /// returns then is empty (the sink throws before using it); otherwise it is whole.
    @Test func finishingStopsWhenCancelled() throws {
        let token = CancellationToken()
        let accumulator = FirstLastByTimeAccumulator(isFirst: true, type: .int)
        try accumulator.reserve(groupCount: 200_000, cancel: token)
        let n = 200_000
        accumulator.batchRows = (0..<n).map { Int32($0) }
        let values = Vector(type: .int, values: .ints((0..<n).map { Int64($0 * 3) }), valid: nil, count: n)
        let times = Vector(type: .int, values: .ints((0..<n).map { Int64(n - $0) }), valid: nil, count: n)
        accumulator.update(groups: (0..<n).map { Int32($0) }, groupCount: n, argument: values, order: times, mask: nil)
        let order = Array(0..<n)
        let whole = accumulator.finish(order: order)
        #expect(whole.count == n)
        #expect(whole.scalar(at: 7) == .int(21))
        token.cancel()
        #expect(accumulator.finish(order: order).count == 0)
    }

    /// The same for `min`/`max` of numbers (a cohort's first and last session per visitor).
    @Test func finishingAnExtremeStopsWhenCancelled() throws {
        let token = CancellationToken()
        let accumulator = NumericExtremeAccumulator(isMin: true, type: .int)
        try accumulator.reserve(groupCount: 200_000, cancel: token)
        let n = 200_000
        let values = Vector(type: .int, values: .ints((0..<n).map { Int64($0 * 3) }), valid: nil, count: n)
        // Every other group gets a value; the rest stay null.
        accumulator.update(groups: (0..<n).map { Int32($0 / 2 * 2) }, groupCount: n, argument: values, order: nil, mask: nil)
        let order = Array((0..<n).reversed())
        let whole = accumulator.finish(order: order)
        #expect(whole.count == n)
        #expect(whole.scalar(at: n - 1) == .int(0))
        #expect(whole.scalar(at: n - 3) == .int(6))
        #expect(whole.scalar(at: n - 2) == .null)
        token.cancel()
        #expect(accumulator.finish(order: order).count == 0)
    }

    @Test func reservedStateGivesTheRightResults() throws {
        // 100,000 rows over 70,000 text ids: groups numbered by code, more than the 65,536
        // from which state is reserved in pieces. Times are a permutation, not in order (in
        // order, `first` would take the first-row shortcut instead).
        var text = "id,ts,x\n"
        var latest: [String: Int] = [:], earliest: [String: Int] = [:]
        for row in 0..<100_000 {
            let id = "v\(row % 70_000)", ts = row &* 7919 % 100_000
            text += "\(id),\(ts),\(ts)\n"
            latest[id] = max(latest[id] ?? .min, ts)
            earliest[id] = min(earliest[id] ?? .max, ts)
        }
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        let table = try #require(try TestSupport.run("""
            load "\(path)" as t
            from t | group id | agg last_x = last(x, ts), first_x = first(x, ts)
            """))
        #expect(table.rowCount == 70_000)
        let ids = TestSupport.values(table, "id"), lasts = TestSupport.values(table, "last_x")
        let firsts = TestSupport.values(table, "first_x")
        let wrong = (0..<table.rowCount).filter { r in
            guard case .text(let id) = ids[r] else { return true }
            return lasts[r] != .int(Int64(latest[id]!)) || firsts[r] != .int(Int64(earliest[id]!))
        }
        #expect(wrong.isEmpty, "first wrong rows: \(wrong.prefix(5))")
    }
}
