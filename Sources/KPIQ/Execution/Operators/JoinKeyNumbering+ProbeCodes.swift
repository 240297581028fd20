/// A join on one text key whose probe side is much larger than its build side (10M sessions
/// against 200k contacts, on the visitor): the build side's strings are translated into the
/// probe side's dictionary, and the probe side is read as the codes it stores.
///
/// The general path turns every probe row into a 64-bit word (80 MB for 10M rows) and looks
/// each one up; here a bit per code of the probe's dictionary (750 KB for 6M visitors, small
/// enough to stay in cache) says which codes the build side has, so a pass over the packed
/// codes lists the few rows that can match, and only those are numbered in the hash table.
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
        let translation = probeDictionary.translation(from: buildDictionary)
        let codeCount = probeDictionary.count

        // The build rows' keys as probe codes; a null or a string the probe side lacks
        // matches nothing.
        var buildUsable: [Bool]?
        let buildValidity = build.validity
        var buildWords = [UInt64](repeating: 0, count: build.count)
        var present = [UInt64](repeating: 0, count: max(1, (codeCount + 63) / 64))
        translation.withUnsafeBufferPointer { translation in
            for row in 0..<build.count {
                let code = Int(buildCodes[row])
                let probeCode = code >= 0 && code < translation.count ? Int(translation[code]) : -1
                if probeCode < 0 || buildValidity?.isValid(row) == false {
                    if buildUsable == nil { buildUsable = [Bool](repeating: true, count: build.count) }
                    buildUsable![row] = false
                    continue
                }
                buildWords[row] = UInt64(probeCode)
                present[probeCode >> 6] |= 1 << UInt64(probeCode & 63)
            }
        }
        try cancel?.check()

        // The probe rows whose code the build side has, in row order, ranges on all cores.
        let ranges = Parallel.ranges(probe.count, parts: Parallel.threadCount * 4)
        let validity = probe.validity
        let pieces = present.withUnsafeBufferPointer { present in
            Parallel.map(ranges.count) { t -> (rows: [Int32], codes: [UInt64], stop: Error?) in
                var rows: [Int32] = [], codes: [UInt64] = []
                let chunk = 4096
                let decoded = UnsafeMutablePointer<Int64>.allocate(capacity: chunk)
                defer { decoded.deallocate() }
                var start = ranges[t].lowerBound
                while start < ranges[t].upperBound {
                    if cancel?.isCancelled == true { return (rows, codes, Cancelled()) }
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
                        codes.append(code)
                    }
                    start += n
                }
                return (rows, codes, nil)
            }
        }
        if let stop = pieces.lazy.compactMap(\.stop).first { throw stop }
        let rows = pieces.count == 1 ? pieces[0].rows : pieces.flatMap(\.rows)
        let codes = pieces.count == 1 ? pieces[0].codes : pieces.flatMap(\.codes)

        // Every listed row matches (the bits are exact): number the keys over those rows only.
        let numbering = try JoinKeyNumbering(buildWords: [buildWords], buildUsable: buildUsable,
                                             probeWords: [codes], probeUsable: nil, cancel: cancel)
        return JoinKeyNumbering(build: numbering.build,
                                probe: .sparse(rows: rows, numbers: numbering.probe.dense, rowCount: probe.count),
                                keyCount: numbering.keyCount)
    }

    private init(build: [Int32], probe: RowKeyNumbers, keyCount: Int) {
        self.build = build
        self.probe = probe
        self.keyCount = keyCount
    }
}
