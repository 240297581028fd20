import Dispatch
import Foundation
import Synchronization
import Testing
@testable import KPIQ

/// A join knows its size from the key counts before it makes a row, refuses one over the row
/// limit or the memory budget at once, and stops within moments of Ctrl-C whatever the keys
/// (issue 22, defect 2: a 60,000-row self-join on one key value reached 15 GB and ignored
/// SIGINT).
@Suite struct JoinGuardTests {
    /// `rows` rows, all with key 1, and a second column numbering them.
    func oneKey(_ rows: Int) -> Table {
        Table(names: ["k", "v"], columns: [ColumnFactory.ints([Int64?](repeating: 1, count: rows)),
                                           ColumnFactory.ints((0..<rows).map { Int64($0) })], rowCount: rows)
    }

    /// Raises `cancel` after `seconds` from a thread of its own, as the shell's SIGINT handler
    /// does (a dispatch queue's threads may all be busy with the work it is to cancel).
    static func cancel(_ cancel: CancellationToken, after seconds: Double) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            cancel.cancel()
        }
    }

    let inner = JoinSpec(kind: .inner, leftKeys: [0], rightKeys: [0], rightColumns: [1])

    @Test func theRowLimitIsCheckedFromTheKeyCountsBeforeAnyPair() throws {
        let table = oneKey(60_000)
        let started = DispatchTime.now()
        #expect {
            _ = try HashJoin.join(table, table, spec: inner, names: ["k", "v", "v2"], cancel: nil)
        } throws: { error in
            // The exact total can only come from counting: pairs made one by one stop at the
            // limit (and, here, at 17 GB).
            (error as? Diagnostic)?.message == "this join would have 3,600,000,000 rows, more than the 2,147,483,646 a table can hold"
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        #expect(seconds < 1, "the refusal took \(seconds) s")
    }

    @Test func theMemoryBudgetIsCheckedBeforeThePairs() throws {
        let table = oneKey(2_000)
        let budget = MemoryBudget(limit: 10_000_000, held: 1_000_000)
        #expect {
            _ = try HashJoin.join(table, table, spec: inner, names: ["k", "v", "v2"], cancel: nil, budget: budget)
        } throws: { error in
            // 4,000,000 rows of two row numbers, k (1 byte), v and v2 (2 bytes each).
            (error as? Diagnostic)?.message
                == "the join needs 52 MB (4,000,000 rows of 13 bytes), more than the memory limit of 10 MB leaves (the loaded datasets hold 1 MB of it)"
        }
        // Within the budget, the same join runs.
        let small = oneKey(500)
        #expect(try HashJoin.join(small, small, spec: inner, names: ["k", "v", "v2"], cancel: nil, budget: budget).rowCount == 250_000)
    }

    /// One key shared by 30,000 rows a side: 900 million pairs, within the row limit. A cancel
    /// raised 100 ms in stops it mid-way (the pairs are written with a check every 65,536).
    @Test func aCancelStopsTheJoinMidway() throws {
        let table = oneKey(30_000)
        let cancel = CancellationToken()
        Self.cancel(cancel, after: 0.1)
        let started = DispatchTime.now()
        #expect(throws: Cancelled.self) {
            _ = try HashJoin.join(table, table, spec: inner, names: ["k", "v", "v2"], cancel: cancel)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        #expect(seconds < 2, "the cancel took \(seconds) s")
    }

    /// A sort makes tens of millions of comparisons on a million rows (half a minute in a
    /// debug build); a cancel raised while it compares reaches it between comparisons.
    @Test func aCancelStopsASortMidway() throws {
        let rows = 1_000_000
        var state: UInt64 = 1
        let values = (0..<rows).map { _ -> Int64? in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int64(truncatingIfNeeded: state >> 1)
        }
        let table = Table(names: ["x"], columns: [ColumnFactory.ints(values)], rowCount: rows)
        let key = BoundSortKey(expression: BoundExpression(.column(0), type: .int, span: .none), descending: false, nullsFirst: false)
        let cancel = CancellationToken()
        // Raised when the comparisons have begun (a debug build spends up to a second or two
        // on a loaded machine numbering the rows first, a few milliseconds optimized); the
        // time is measured from the raise.
        let raised = Mutex<DispatchTime?>(nil)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 3)
            raised.withLock { $0 = DispatchTime.now() }
            cancel.cancel()
        }
        do {
            _ = try Sorter.sort(table, keys: [key], limit: nil, cancel: cancel)
            // A machine fast enough to sort before the cancel: nothing to check.
        } catch is Cancelled {
            let at = try #require(raised.withLock { $0 })
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - at.uptimeNanoseconds) / 1e9
            #expect(seconds < 1, "the cancel took \(seconds) s")
        }
    }

    /// Through a session: the statement gets the error, and the session goes on.
    @Test func theSessionGoesOnAfterAJoinItRefused() throws {
        let session = Session()
        session.catalog.put(Dataset(name: "a", table: oneKey(60_000), origin: "test"))
        let outcome = session.run(SourceText(name: "t", text: "from a | join a on k | agg n = count()"))
        #expect(outcome.error?.code == .limitExceeded)
        #expect(outcome.error?.span == Span(0, 38))
        let next = try TestSupport.run("from a | join a on v | agg n = count()", session: session)
        #expect(next?.row(0) == [.int(60_000)])
    }
}
