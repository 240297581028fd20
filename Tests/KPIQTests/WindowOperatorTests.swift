import Foundation
import Testing
@testable import KPIQ

/// The window operator against each function's definition written out row by row: for every
/// row, its partition's rows in order (partition values and order values compared as `sort`
/// compares them, nulls equal to each other), then the value the function takes there. Random
/// tables with nulls and ties, both directions, nulls first and last, and both row orders.
@Suite struct WindowOperatorTests {
    /// Columns: id, p (partition, nulls), o (order, ties and nulls), day (date, ties and nulls),
    /// x (int, nulls), y (decimal, nulls), s (text, nulls).
    static func table(rows: Int, seed: UInt64) -> Table {
        var rng = SplitMix(seed: seed)
        func maybe<T>(_ value: T, nullOneIn k: UInt64) -> T? { rng.next() % k == 0 ? nil : value }
        var ids: [Int64?] = [], p: [Int64?] = [], o: [Int64?] = [], day: [Int64?] = [], x: [Int64?] = [], y: [Double?] = [], s: [String?] = []
        for i in 0..<rows {
            ids.append(Int64(i))
            p.append(maybe(Int64(rng.next() % 4), nullOneIn: 7))
            o.append(maybe(Int64(rng.next() % 10), nullOneIn: 9))
            day.append(maybe(19_700 + Int64(rng.next() % 40), nullOneIn: 11))
            x.append(maybe(Int64(rng.next() % 200) - 50, nullOneIn: 6))
            y.append(maybe(Double(rng.next() % 10_000) / 8 - 300, nullOneIn: 5))
            s.append(maybe(["a", "b", "c", "d"][Int(rng.next() % 4)], nullOneIn: 4))
        }
        return Table(names: ["id", "p", "o", "day", "x", "y", "s"],
                     columns: [ColumnFactory.ints(ids), ColumnFactory.ints(p), ColumnFactory.ints(o), ColumnFactory.ints(day, type: .date),
                               ColumnFactory.ints(x), ColumnFactory.doubles(y), ColumnFactory.text(s)])
    }

    static let functions: [(WindowFunction, DataType)] = [
        (.shifted(4, offset: -1), .int), (.shifted(4, offset: 2), .int), (.shifted(6, offset: -3), .text), (.lead(5), .decimal),
        (.runningSum(4), .int), (.runningSum(5), .decimal), (.runningCount(4), .int), (.runningCount(nil), .int),
        (.moving(.mean, 4, .rows(3)), .decimal), (.moving(.sum, 5, .rows(4)), .decimal), (.moving(.count, 4, .rows(2)), .int),
        (.moving(.sum, 4, .rows(100)), .int), (.moving(.mean, 5, .rows(80)), .decimal),
        (.rank, .int), (.denseRank, .int), (.rowNumber, .int), (.partitionRows, .int), (.total(4), .int), (.total(5), .decimal), (.share(4), .decimal), (.share(5), .decimal),
        (.anomaly(4, previous: 5), .bool), (.anomaly(5, previous: 3), .bool),
    ]

    @Test(arguments: [(false, false, true), (true, false, true), (false, true, false), (true, true, true)])
    func functionsMatchTheirDefinitions(descending: Bool, nullsFirst: Bool, keepsInputOrder: Bool) throws {
        for seed in [UInt64(1), 2] {
            let input = Self.table(rows: 300, seed: seed)
            let order = [WindowOrderKey(column: 2, descending: descending, nullsFirst: nullsFirst)]
            try check(input, partition: [1], order: order, functions: Self.functions, keepsInputOrder: keepsInputOrder)
            // No partition; two order keys.
            try check(input, partition: [], order: order + [WindowOrderKey(column: 6, descending: !descending, nullsFirst: false)],
                      functions: Self.functions, keepsInputOrder: keepsInputOrder)
            // Rows in the order's order already (as a pipeline's `sort` leaves them): the
            // partitions are grouped without sorting; one and two partition columns.
            let sorted = try Sorter.sort(input, keys: order.map { key in
                BoundSortKey(expression: BoundExpression(.column(key.column), type: input.columns[key.column].type, span: .none),
                             descending: key.descending, nullsFirst: key.nullsFirst)
            }, limit: nil, cancel: nil)
            #expect(try WindowOperator.isOrdered(sorted, by: order, cancel: nil))
            try check(sorted, partition: [1], order: order, functions: Self.functions, keepsInputOrder: true)
            try check(sorted, partition: [1, 6], order: order, functions: Self.functions, keepsInputOrder: true)
        }
    }

    /// Frames over a length of time: ascending dates, with ties and rows without a date.
    @Test(arguments: [false, true])
    func lengthFramesMatchTheirDefinitions(nullsFirst: Bool) throws {
        let input = Self.table(rows: 400, seed: 9)
        let functions: [(WindowFunction, DataType)] = [
            (.moving(.mean, 4, .length(Interval(days: 7))), .decimal), (.moving(.sum, 5, .length(Interval(days: 3))), .decimal),
            (.moving(.count, 4, .length(Interval(days: 1))), .int), (.moving(.sum, 4, .length(Interval(months: 1))), .int),
        ]
        try check(input, partition: [1], order: [WindowOrderKey(column: 3, nullsFirst: nullsFirst)], functions: functions, keepsInputOrder: true)
    }

    /// A sort key is decoded in pieces (a million rows each, by all cores); pieces of 7 rows,
    /// some with nulls and some without, compare every pair as one piece does.
    @Test func keysDecodedInPiecesCompareAsOnePiece() throws {
        let input = Self.table(rows: 300, seed: 21)
        // o: ints with nulls; y: decimals; s: text (ranks); id: no nulls at all.
        for column in [0, 2, 5, 6] {
            let whole = try Sorter.key(input.columns[column], rows: 300, descending: false, nullsFirst: false, cancel: nil)
            let pieces = try Sorter.key(input.columns[column], rows: 300, descending: false, nullsFirst: false, pieceRows: 7, cancel: nil)
            var differing = 0
            for a in stride(from: 0, to: 300, by: 3) {
                for b in 0..<300 where whole.compare(a, b) != pieces.compare(a, b) { differing += 1 }
            }
            #expect(differing == 0, "column \(input.names[column])")
            // The null flags are the column's, row for row (none for a column without nulls).
            let flags = input.columns[column].validity.map { validity in (0..<300).map { UInt8(validity.isValid($0) ? 1 : 0) } }
            #expect(pieces.valid == flags && whole.valid == flags, "column \(input.names[column])")
        }
        let token = CancellationToken()
        token.cancel()
        #expect(throws: Cancelled.self) {
            try Sorter.key(input.columns[6], rows: 300, descending: false, nullsFirst: false, pieceRows: 7, cancel: token)
        }
        #expect(throws: Cancelled.self) { try WindowOperator.isOrdered(input, by: [WindowOrderKey(column: 0)], cancel: token) }
    }

    @Test func emptyAndSingleRowInputs() throws {
        for rows in [0, 1] {
            let input = Self.table(rows: rows, seed: 4)
            try check(input, partition: [1], order: [WindowOrderKey(column: 2)], functions: Self.functions, keepsInputOrder: true)
        }
    }

    private func check(_ input: Table, partition: [Int], order: [WindowOrderKey], functions: [(WindowFunction, DataType)], keepsInputOrder: Bool) throws {
        let names = input.names + functions.indices.map { "f\($0)" }
        if keepsInputOrder, try !WindowOperator.isOrdered(input, by: order, cancel: nil) {
            // The rows of this check come unsorted: the operator sorts them itself.
            #expect(input.rowCount < 2 || !order.isEmpty)
        }
        let output = try WindowOperator.run(input, partition: partition, order: order, functions: functions.map(\.0), types: functions.map(\.1),
                                            keepsInputOrder: keepsInputOrder, names: names, cancel: nil)
        #expect(output.rowCount == input.rowCount)
        let rows = (0..<input.rowCount).map { input.row($0) }
        // Output row -> input row.
        // Output row -> input row, through the id column.
        var rowOfID: [Int: Int] = [:]
        for r in 0..<input.rowCount { rowOfID[Int(input.columns[0].scalar(at: r).doubleValue!)] = r }
        let source = (0..<output.rowCount).map { rowOfID[Int(output.columns[0].scalar(at: $0).doubleValue!)]! }
        if keepsInputOrder { #expect(source == Array(0..<input.rowCount)) }
        // Each row's partition in order, sorted once.
        var partitions: [[Scalar]: [Int]] = [:]
        for row in rows.indices { partitions[partition.map { rows[row][$0] }, default: []].append(row) }
        var sortedPartition = [[Int]](repeating: [], count: rows.count)
        for members in partitions.values {
            let sorted = members.sorted { a, b in
                let c = Self.orderCompare(a, b, rows, order)
                return c != 0 ? c < 0 : a < b
            }
            for row in members { sortedPartition[row] = sorted }
        }
        var wrong: [String] = []
        for (k, (function, _)) in functions.enumerated() {
            let column = output.columns[input.columnCount + k]
            for r in 0..<output.rowCount {
                let expected = Self.expected(function, row: source[r], rows: rows, sorted: sortedPartition[source[r]], order: order)
                let actual = column.scalar(at: r)
                if !Self.same(actual, expected) { wrong.append("\(function) row \(source[r]): \(actual) against \(expected)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) values differ, first: \(wrong.prefix(5).joined(separator: "; "))")
    }

    static func same(_ a: Scalar, _ b: Scalar) -> Bool {
        if a.isNull || b.isNull { return a.isNull && b.isNull }
        if case .text(let x) = a, case .text(let y) = b { return x == y }
        if case .bool(let x) = a, case .bool(let y) = b { return x == y }
        guard let x = a.doubleValue, let y = b.doubleValue else { return false }
        return abs(x - y) <= 1e-9 * max(1, abs(y))
    }

    /// Numbers, dates (days) and times as a number.
    static func number(_ value: Scalar) -> Double? {
        switch value {
        case .date(let v), .timestamp(let v): return Double(v)
        default: return value.doubleValue
        }
    }

    /// `sort`'s comparison of two values of one key: nulls last unless first, in either direction.
    static func compare(_ a: Scalar, _ b: Scalar, _ key: WindowOrderKey) -> Int {
        if a.isNull || b.isNull {
            if a.isNull && b.isNull { return 0 }
            return a.isNull == key.nullsFirst ? -1 : 1
        }
        let c: Int
        if case .text(let x) = a, case .text(let y) = b { c = x < y ? -1 : x == y ? 0 : 1 } else {
            let (x, y) = (number(a)!, number(b)!)
            c = x < y ? -1 : x == y ? 0 : 1
        }
        return key.descending ? -c : c
    }

    /// The order of two rows by the order keys alone (0 for ties).
    static func orderCompare(_ a: Int, _ b: Int, _ rows: [[Scalar]], _ order: [WindowOrderKey]) -> Int {
        for key in order {
            let c = compare(rows[a][key.column], rows[b][key.column], key)
            if c != 0 { return c }
        }
        return 0
    }

    /// The function's value at `row`, from its definition; `sorted`: the rows of its partition
    /// in order (ties in input order).
    static func expected(_ function: WindowFunction, row: Int, rows: [[Scalar]], sorted: [Int], order: [WindowOrderKey]) -> Scalar {
        func orderCompare(_ a: Int, _ b: Int) -> Int { Self.orderCompare(a, b, rows, order) }
        let position = sorted.firstIndex(of: row)!
        func values(_ c: Int, _ positions: some Sequence<Int>) -> [Scalar] { positions.map { rows[sorted[$0]][c] }.filter { !$0.isNull } }
        func sum(_ items: [Scalar]) -> Scalar {
            if items.isEmpty { return .null }
            if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                return .int(items.reduce(0) { $0 + Int64($1.doubleValue!) })
            }
            return .decimal(items.reduce(0) { $0 + $1.doubleValue! })
        }
        func at(_ c: Int, _ target: Int) -> Scalar { target >= 0 && target < sorted.count ? rows[sorted[target]][c] : .null }
        switch function {
        case .shifted(let c, let offset): return at(c, position + offset)
        case .lead(let c): return at(c, position + 1)
        case .runningSum(let c): return sum(values(c, 0...position))
        case .runningCount(let c):
            return .int(Int64(c.map { values($0, 0...position).count } ?? position + 1))
        case .moving(let aggregate, let c, let frame):
            let positions: [Int]
            switch frame {
            case .rows(let n): positions = Array(max(0, position - n + 1)...position)
            case .length(let length):
                let t = order[0].column
                if rows[row][t].isNull {
                    positions = sorted.indices.filter { rows[sorted[$0]][t].isNull }
                } else {
                    let day = Int64(number(rows[row][t])!)
                    let lower = CalendarMath.shift(day, inputType: .date, by: Interval(months: -length.months, days: -length.days), resultType: .date)!
                    positions = sorted.indices.filter { j in
                        guard let v = number(rows[sorted[j]][t]) else { return false }
                        return Int64(v) > lower && Int64(v) <= day
                    }
                }
            }
            let items = values(c, positions)
            switch aggregate {
            case .count: return .int(Int64(items.count))
            case .sum: return sum(items)
            case .mean: return items.isEmpty ? .null : .decimal(items.reduce(0) { $0 + $1.doubleValue! } / Double(items.count))
            }
        case .rank: return .int(Int64(sorted.filter { orderCompare($0, row) < 0 }.count + 1))
        case .denseRank:
            var distinct: [Int] = []
            for other in sorted where orderCompare(other, row) < 0 {
                if let last = distinct.last, orderCompare(last, other) == 0 { continue }
                distinct.append(other)
            }
            return .int(Int64(distinct.count + 1))
        case .rowNumber: return .int(Int64(position + 1))
        case .partitionRows: return .int(Int64(sorted.count))
        case .total(let c): return sum(values(c, sorted.indices))
        case .share(let c):
            let total = sum(values(c, sorted.indices))
            guard let x = rows[row][c].doubleValue, let t = total.doubleValue, t != 0 else { return .null }
            return .decimal(x / t)
        case .anomaly(let c, let previous):
            // The robust three-sigma rule, from its definition.
            guard let x = rows[row][c].doubleValue else { return .null }
            let baseline = values(c, max(0, position - previous)..<position).map { $0.doubleValue! }
            guard baseline.count >= 3 else { return .null }
            func median(_ v: [Double]) -> Double {
                let s = v.sorted()
                return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
            }
            let m = median(baseline)
            let mad = median(baseline.map { abs($0 - m) })
            return .bool(abs(x - m) > 3 * 1.482602218505602 * mad)
        }
    }
}
