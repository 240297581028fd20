/// A join on one text key whose probe side is much larger than its build side (10M sessions
/// against 200k contacts, on the visitor): the build side's strings are translated into the
/// probe side's dictionary, and the probe side is read as the codes it stores.
///
/// The general path turns every probe row into a 64-bit word (80 MB for 10M rows) and looks
/// each one up; here a bit per code of the probe's dictionary (750 KB for 6M visitors, small
/// enough to stay in cache) says which codes the build side has, so a pass over the packed
/// codes lists the few rows that match, each numbered by its code's rank among those bits.
extension JoinKeyNumbering {
    /// The numbering, with the probe side's matching rows listed (`RowKeyNumbers.sparse`),
    /// or nil when this way does not apply: not one text key on each side, a probe side not
    /// at least four times the build side, or a probe dictionary too large to translate into.
    static func byProbeCodes(build: Column, probe: Column, cancel: CancellationToken?) throws -> JoinKeyNumbering? {
        guard case .text(let buildCodes, let buildDictionary) = build.values,
            case .text(let probeCodes, let probeDictionary) = probe.values,
            probe.count >= 100_000, probe.count > 4 * build.count
        else { return nil }
        // The same rule as the general path for which dictionary a key is compared in:
        // translating into the probe's needs its lookup index, or a dictionary not much larger
        // than its rows (building the index then costs what translating them would).
        guard buildDictionary === probeDictionary || probeDictionary.hasLookupIndex
            || probeDictionary.count <= 2 * probe.count
        else { return nil }
        // One dictionary on both sides (a stage joined back to its source): codes are codes.
        let sameDictionary = buildDictionary === probeDictionary
        let translation = sameDictionary ? [] : probeDictionary.translation(from: buildDictionary)
        let codeCount = probeDictionary.count

        // The build rows' keys as probe codes; a null or a string the probe side lacks
        // matches nothing.
        var present = [UInt64](repeating: 0, count: max(1, (codeCount + 63) / 64))
        var buildCodesHere = [Int](repeating: -1, count: build.count)
        let buildValidity = build.validity
        try translation.withUnsafeBufferPointer { translation in
            for row in 0..<build.count where buildValidity?.isValid(row) ?? true {
                if row & 0xFFFF == 0 { try cancel?.check() }
                let code = Int(buildCodes[row])
                let probeCode = sameDictionary ? (code < codeCount ? code : -1)
                    : code >= 0 && code < translation.count ? Int(translation[code]) : -1
                guard probeCode >= 0 else { continue }
                buildCodesHere[row] = probeCode
                present[probeCode >> 6] |= 1 << UInt64(probeCode & 63)
            }
        }
        // A key's number is its code's rank among the codes present: the set bits before it,
        // from a running count per word. No hash table: the word a probe row tests for its
        // bit also gives its number.
        var bitsBefore = [Int32](repeating: 0, count: present.count + 1)
        for w in present.indices { bitsBefore[w + 1] = bitsBefore[w] + Int32(present[w].nonzeroBitCount) }
        let keyCount = Int(bitsBefore[present.count])
        @inline(__always) func rank(_ code: Int, _ present: UnsafeBufferPointer<UInt64>, _ bitsBefore: UnsafeBufferPointer<Int32>) -> Int32 {
            let below = present[code >> 6] & ((1 << UInt64(code & 63)) - 1)
            return bitsBefore[code >> 6] + Int32(below.nonzeroBitCount)
        }
        let buildNumbers = present.withUnsafeBufferPointer { present in
            bitsBefore.withUnsafeBufferPointer { bitsBefore in
                buildCodesHere.map { $0 < 0 ? Int32(-1) : rank($0, present, bitsBefore) }
            }
        }
        try cancel?.check()

        // The probe rows whose code the build side has, in row order, with their numbers;
        // ranges on all cores.
        let ranges = Parallel.ranges(probe.count, parts: Parallel.threadCount * 4)
        let validity = probe.validity
        let pieces = present.withUnsafeBufferPointer { present in
            bitsBefore.withUnsafeBufferPointer { bitsBefore in
                Parallel.map(ranges.count) { t -> (rows: [Int32], numbers: [Int32], stop: Error?) in
                    var rows: [Int32] = [], numbers: [Int32] = []
                    let chunk = 4096
                    let decoded = UnsafeMutablePointer<Int64>.allocate(capacity: chunk)
                    defer { decoded.deallocate() }
                    var start = ranges[t].lowerBound
                    while start < ranges[t].upperBound {
                        if cancel?.isCancelled == true { return (rows, numbers, Cancelled()) }
                        let n = min(chunk, ranges[t].upperBound - start)
                        probeCodes.decode(from: start, count: n, into: decoded)
                        // A branch per row, which most rows skip: the bit lookups of rows that
                        // miss overlap (a count moved on by each row's bit would wait for each).
                        for k in 0..<n {
                            let code = UInt64(bitPattern: decoded[k])
                            guard code < UInt64(codeCount), present[Int(code >> 6)] & (1 << (code & 63)) != 0 else { continue }
                            // A null row may hold any code.
                            if let validity, !validity.isValid(start + k) { continue }
                            rows.append(Int32(start + k))
                            numbers.append(rank(Int(code), present, bitsBefore))
                        }
                        start += n
                    }
                    return (rows, numbers, nil)
                }
            }
        }
        if let stop = pieces.lazy.compactMap(\.stop).first { throw stop }
        let rows = pieces.count == 1 ? pieces[0].rows : pieces.flatMap(\.rows)
        let numbers = pieces.count == 1 ? pieces[0].numbers : pieces.flatMap(\.numbers)
        return JoinKeyNumbering(build: buildNumbers, probe: .sparse(rows: rows, numbers: numbers, rowCount: probe.count), keyCount: keyCount)
    }

    private init(build: [Int32], probe: RowKeyNumbers, keyCount: Int) {
        self.build = build
        self.probe = probe
        self.keyCount = keyCount
    }
}
