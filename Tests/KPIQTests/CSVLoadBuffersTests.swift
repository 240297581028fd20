import Foundation
import Testing
@testable import KPIQ

/// The narrow buffers the CSV loader appends into, and the packing of their contents, which
/// must give exactly what packing plain 64-bit values gives.
@Suite struct CSVLoadBuffersTests {
    @Test func integerBufferWidensAndReadsBack() {
        var buffer = IntegerBuffer()
        var expected: [Int64?] = []
        var generator = SystemRandomNumberGenerator()
        let magnitudes: [Int64] = [100, 30_000, 2_000_000_000, Int64.max / 2]
        for magnitude in magnitudes {
            for _ in 0..<500 {
                if Int.random(in: 0..<10, using: &generator) == 0 {
                    buffer.appendPlaceholder()
                    expected.append(nil)
                } else {
                    let v = Int64.random(in: -magnitude...magnitude, using: &generator)
                    buffer.append(v)
                    expected.append(v)
                }
            }
        }
        buffer.append(.min)
        buffer.append(.max)
        expected += [.min, .max]
        do { let ok = buffer.width == 8; #expect(ok) }
        for (i, value) in expected.enumerated() where value != nil { #expect(buffer[i] == value!) }
        do { let ok = buffer.minimum == .min; #expect(ok) }
        do { let ok = buffer.maximum == .max; #expect(ok) }
    }

    @Test func integerBufferStaysNarrowForSmallRanges() {
        var buffer = IntegerBuffer()
        for v in [5_000_000_000 as Int64, 5_000_000_100, 4_999_999_900] { buffer.append(v) }
        do { let ok = buffer.width == 1; #expect(ok) }
        do { let ok = buffer[2] == 4_999_999_900; #expect(ok) }
    }

    @Test func timestampsAreSecondsUntilAFractionArrives() {
        var buffer = IntegerBuffer(unit: IntegerBuffer.microsPerSecond)
        buffer.append(1_700_000_000_000_000)
        buffer.appendPlaceholder()
        buffer.append(1_700_000_060_000_000)
        do { let ok = buffer.unit == IntegerBuffer.microsPerSecond; #expect(ok) }
        do { let ok = buffer.width == 1; #expect(ok) }
        buffer.append(1_700_000_060_000_001)
        do { let ok = buffer.unit == 1; #expect(ok) }
        do { let ok = buffer[0] == 1_700_000_000_000_000; #expect(ok) }
        do { let ok = buffer[2] == 1_700_000_060_000_000; #expect(ok) }
        do { let ok = buffer[3] == 1_700_000_060_000_001; #expect(ok) }
    }

    @Test func daysMultiplyIntoSeconds() {
        var buffer = IntegerBuffer()
        buffer.append(19_000)
        buffer.append(19_001)
        buffer.multiply(by: CivilCalendar.microsPerDay)
        do { let ok = buffer.unit == IntegerBuffer.microsPerSecond; #expect(ok) }
        do { let ok = buffer[1] == 19_001 * CivilCalendar.microsPerDay; #expect(ok) }
        do { let ok = buffer.minimum == 19_000 * 86_400; #expect(ok) }
    }

    @Test func truncateRecomputesTheRange() {
        var buffer = IntegerBuffer()
        buffer.append(10)
        buffer.append(20)
        buffer.append(1_000_000)
        buffer.truncate(to: 2) { _ in true }
        do { let ok = buffer.maximum == 20; #expect(ok) }
        do { let ok = buffer.count == 2; #expect(ok) }
    }

    /// A run appended at once equals the same values appended one at a time.
    @Test func integerRunsMatchSingleAppends() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var single = IntegerBuffer()
            var runs = IntegerBuffer()
            let magnitude = [Int64(50), 40_000, 3_000_000_000, .max].randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let n = Int.random(in: 0...40, using: &generator)
                let values = (0..<n).map { _ in Int64.random(in: -magnitude...magnitude, using: &generator) }
                let nulls = (0..<n).map { _ in Int.random(in: 0..<4, using: &generator) == 0 }
                for i in 0..<n {
                    if nulls[i] { single.appendPlaceholder() } else { single.appendInUnits(values[i]) }
                }
                runs.appendRun(values, nulls: nulls, count: n)
                for i in 0..<n where !nulls[i] { #expect(runs[runs.count - n + i] == values[i]) }
            }
            let same = single.count == runs.count && single.width == runs.width && single.base == runs.base
                && single.minimum == runs.minimum && single.maximum == runs.maximum
            #expect(same)
        }
    }

    @Test func codeBufferWidensPastOneByte() {
        var codes = CodeBuffer()
        for code in 0..<300 as Range<UInt32> { codes.append(code % 7 == 0 ? code : code % 200) }
        do { let ok = codes.isWide; #expect(ok) }
        for code in 0..<300 as Range<UInt32> { #expect(codes[Int(code)] == (code % 7 == 0 ? code : code % 200)) }
        codes[5] = 60_000
        do { let ok = codes[5] == 60_000; #expect(ok) }
    }

    /// The loader reserves a batch at a time once a partition outgrows its row estimate: the
    /// buffers must grow geometrically then, or each batch copies everything before it (a
    /// 71 MB file whose first rows were long took 40 s to load instead of 0.25 s).
    @Test func batchReservationsPastTheEstimateGrowGeometrically() {
        var ints = IntegerBuffer(capacity: 1_000)
        var codes = CodeBuffer(capacity: 1_000)
        var intCapacities: Set<Int> = [ints.capacity], codeCapacities: Set<Int> = [codes.capacity]
        let values = [Int64](repeating: 7, count: 100), nulls = [Bool](repeating: false, count: 100)
        for _ in 0..<10_000 {
            ints.reserve(ints.count + 100)
            ints.appendRun(values, nulls: nulls, count: 100)
            intCapacities.insert(ints.capacity)
            codes.reserve(codes.count + 100)
            codes.setCount(codes.count + 100)
            codeCapacities.insert(codes.capacity)
        }
        // 1,000 -> 1,000,000 by factors of at least 1.5 is at most 18 growths (doubling: 10).
        #expect(intCapacities.count <= 19)
        #expect(codeCapacities.count <= 19)
        #expect(ints.count == 1_000_000 && ints[999_999] == 7)
    }

    /// Every integer column of a loaded file (split across partitions) is packed exactly as
    /// `PackedIntegers.pack` packs its values.
    @Test func loadedIntegerColumnsMatchGeneralPacking() throws {
        var text = "flag,small,id,big,neg,ts,ts_ms,day,maybe\n"
        for i in 0..<80_000 {
            let ts = "2024-03-\(String(format: "%02d", 1 + i % 28))T\(String(format: "%02d", i % 24)):15:\(String(format: "%02d", i % 60))"
            let ms = i % 3 == 0 ? ts + ".250" : ts
            text += "\(i % 2),\(i % 1000),\(i),\(Int64(i) * 3_000_000_000),\(-i),\(ts),\(ms),2023-01-\(String(format: "%02d", 1 + i % 31)),\(i % 5 == 0 ? "" : String(i % 300))\n"
        }
        for threads in [1, 3] {
            let table = try loadWithThreads(text, threads)
            for name in table.names {
                let column = table.column(named: name)!
                guard case .integers(let packed) = column.values else { continue }
                let values = (0..<table.rowCount).map { column.isNull($0) ? 0 : packed[$0] }
                let scales: [Int64] = column.type == .timestamp ? [CivilCalendar.microsPerSecond, 1000] : []
                let reference = PackedIntegers.pack(values, validity: column.validity, scales: scales)
                #expect(packed.base == reference.base, "\(name)")
                #expect(packed.scale == reference.scale, "\(name)")
                #expect(packed.width == reference.width, "\(name)")
                #expect(packed.unpacked() == reference.unpacked(), "\(name)")
            }
        }
    }

    private func loadWithThreads(_ text: String, _ threads: Int) throws -> Table {
        let path = try TestSupport.file(text)
        defer { TestSupport.remove(path) }
        return try CSVReader.load(path: path, options: CSVOptions(), partitions: threads).table
    }
}

/// The fast field parsers agree with the general ones wherever they answer.
@Suite struct FastFieldParsingTests {
    @Test func eightDigitsAgreeWithParseInt() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789".utf8) + Array(" +-x/:".utf8) + [0x80, 0xFF, 0x39, 0x30, 0x2F, 0x3A]
        for _ in 0..<200_000 {
            let n = Int.random(in: 0...10, using: &generator)
            let mostlyDigits = Bool.random(using: &generator)
            var bytes = (0..<16).map { _ in alphabet.randomElement(using: &generator)! }
            if mostlyDigits { for k in 0..<n where Int.random(in: 0..<20, using: &generator) != 0 { bytes[k] = UInt8(48 + Int.random(in: 0...9, using: &generator)) } }
            bytes.withUnsafeBufferPointer { buffer in
                let p = buffer.baseAddress!
                var expected: Int64 = 0
                let general = FieldParsing.parseInt(p, n, &expected)
                if let fast = DigitParsing.parseUpToEightDigits(p, n) {
                    #expect(general && fast == expected, "\(Array(bytes[0..<n]))")
                } else if general, n <= 8 {
                    // Only signs and spaces are left to the general parser.
                    #expect(bytes[0..<n].contains { !(48...57).contains($0) }, "\(Array(bytes[0..<n]))")
                }
            }
        }
    }

    @Test func secondTimestampsAgreeWithISOParsing() {
        var parser = SecondTimestampParser()
        let samples = [
            "2023-01-01T00:03:42", "2023-01-01T00:04:02", "2023-01-01 23:59:59", "2024-02-29t12:00:00",
            "2023-02-29T00:00:00", "2023-01-01T24:00:00", "2023-01-01T00:60:00", "2023-01-01T00:00:60",
            "2023-13-01T00:00:00", "2023-01-01T10:00+01", "2023-01-01T10:00:00Z", " 2023-01-01T10:00:0",
            "2023-01-01X10:00:00", "0000-01-01T00:00:00", "9999-12-31T23:59:59", "1969-12-31T23:59:59",
            "2023-01-0aT00:00:00", "2023/01/01T00:00:00", "2023-01-01T00:00:00.5",
        ]
        for text in samples + samples.reversed() {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                var micros: Int64 = 0
                let general = FieldParsing.parseISOTimestamp(buffer.baseAddress!, bytes.count, &micros)
                if let seconds = parser.parse(buffer.baseAddress!, bytes.count) {
                    #expect(general && seconds * 1_000_000 == micros, "\(text)")
                } else {
                    #expect(!general || bytes.count != 19 || text.contains("+") || text.contains("Z"), "\(text)")
                }
            }
        }
    }
}
