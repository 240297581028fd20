/// Turns a key vector into one 64-bit word per row, comparable across the batches a thread
/// sees, plus whether the row's key is null.
///
/// Numbers and times use their bits; text uses the dictionary code when every batch shares
/// one dictionary (stored columns and functions mapped over them), and otherwise an id from
/// this key's own string table, so texts from per-batch dictionaries still group together.
final class KeyComponents {
    let type: DataType
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    /// Text: the shared dictionary, once seen; nil while none or in string mode.
    @exclusivity(unchecked) private(set) var dictionary: StringDictionary?
    /// Text in string mode: id per distinct string.
    @exclusivity(unchecked) private var ids: [String: UInt64] = [:]
    @exclusivity(unchecked) private(set) var strings: [String] = []
    @exclusivity(unchecked) private(set) var usesStrings = false

    init(type: DataType, stableText: Bool) {
        self.type = type
        self.usesStrings = type == .text && !stableText
    }

    /// Words for each row of `vector` into `out` (null rows get 0 and are flagged in `nulls`).
    func encode(_ vector: Vector, into out: inout [UInt64], nulls: inout [UInt8]) {
        let n = vector.count
        let flat = vector.flattened()
        Self.resize(&nulls, to: n)
        nulls.withUnsafeMutableBufferPointer { nulls in
            if let valid = flat.valid {
                for i in 0..<n { nulls[i] = valid[i] ^ 1 }
            } else {
                nulls.update(repeating: 0)
            }
        }
        Self.resize(&out, to: n)
        func fill(_ word: (Int) -> UInt64) {
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<n { out[i] = word(i) }
            }
        }
        switch flat.values {
        case .ints(let a):
            a.withUnsafeBufferPointer { a in fill { UInt64(bitPattern: a[$0]) } }
        case .doubles(let a):
            a.withUnsafeBufferPointer { a in fill { Self.doubleKey(a[$0]) } }
        case .bools(let a):
            a.withUnsafeBufferPointer { a in fill { UInt64(a[$0]) } }
        case .text(let codes, let d):
            if !usesStrings {
                if dictionary == nil { dictionary = d }
                if dictionary === d {
                    codes.withUnsafeBufferPointer { codes in fill { UInt64(bitPattern: codes[$0]) } }
                    return
                }
                convertToStrings()
            }
            for i in 0..<n { out[i] = nulls[i] != 0 ? 0 : id(of: d.string(Int(codes[i]))) }
        case .constant:
            fill { _ in 0 }
        }
    }

    /// Makes `array` hold `count` elements (their values are overwritten by the caller),
    /// reusing its storage from batch to batch.
    private static func resize<T: FixedWidthInteger>(_ array: inout [T], to count: Int) {
        if array.count > count { array.removeLast(array.count - count) }
        if array.count < count { array.append(contentsOf: repeatElement(0, count: count - array.count)) }
    }

    /// Equal doubles give equal words (0.0 and -0.0, every NaN).
    @inline(__always)
    static func doubleKey(_ v: Double) -> UInt64 {
        if v == 0 { return 0 }
        if v.isNaN { return Double.nan.bitPattern }
        return v.bitPattern
    }

    /// Takes `dictionary` as this key's, when it has none yet (merging another thread's groups).
    func adopt(_ d: StringDictionary) {
        if dictionary == nil, !usesStrings { dictionary = d }
    }

    func id(of text: String) -> UInt64 {
        if let id = ids[text] { return id }
        let id = UInt64(strings.count)
        ids[text] = id
        strings.append(text)
        return id
    }

    /// Leaves code mode for string mode (a second dictionary appeared). Existing words were
    /// codes of the first dictionary; `translation` maps them to ids for the caller to apply.
    @exclusivity(unchecked) private(set) var pendingTranslation: [UInt64: UInt64]?

    private func convertToStrings() {
        guard let dictionary else { usesStrings = true; return }
        var translation: [UInt64: UInt64] = [:]
        for code in 0..<dictionary.count { translation[UInt64(code)] = id(of: dictionary.string(code)) }
        pendingTranslation = translation
        self.dictionary = nil
        usesStrings = true
    }

    func takeTranslation() -> [UInt64: UInt64]? {
        defer { pendingTranslation = nil }
        return pendingTranslation
    }

    /// The text of a word (text keys).
    func text(of word: UInt64) -> String {
        if usesStrings { return strings[Int(word)] }
        return dictionary?.string(Int(word)) ?? ""
    }

    /// The word another `KeyComponents` of the same key would give `word` in this one.
    func translate(_ word: UInt64, from other: KeyComponents) -> UInt64 {
        guard type == .text else { return word }
        if !usesStrings, !other.usesStrings, dictionary === other.dictionary || other.dictionary == nil { return word }
        if !usesStrings { convertToStringsForMerge() }
        return id(of: other.text(of: word))
    }

    private func convertToStringsForMerge() {
        convertToStrings()
    }
}
