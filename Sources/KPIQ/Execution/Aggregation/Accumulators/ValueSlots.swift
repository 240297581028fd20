/// One value per group of any type, for aggregates that keep a value (min, max, first, last).
///
/// Numbers and times are kept as words; text as a dictionary code while every batch shares one
/// dictionary, and as strings once a second dictionary shows up.
struct ValueSlots {
    let type: DataType
    private(set) var words: [UInt64] = []
    private(set) var has: [Bool] = []
    private var dictionary: StringDictionary?
    private var strings: [String?]?

    init(type: DataType) { self.type = type }

    mutating func grow(to count: Int) {
        words.grow(to: count, with: 0)
        has.grow(to: count, with: false)
        if strings != nil { strings!.grow(to: count, with: nil) }
    }

    /// Reads row i of a vector as a comparable value.
    struct Reader {
        let vector: Vector
        let numbers: NumericOperand?
        let ranks: [UInt32]?

        /// `comparing`: whether values will be ordered (text then needs its dictionary's sort
        /// ranks, which cost a sort of the dictionary the first time).
        init(_ vector: Vector, comparing: Bool = true) {
            self.vector = vector.flattened()
            numbers = NumericOperand(self.vector)
            if comparing, case .text(_, let d) = self.vector.values { ranks = d.sortRanks } else { ranks = nil }
        }
    }

    /// Orders the value at row i of `reader` against group g's value: -1, 0, 1.
    func compare(_ reader: Reader, _ i: Int, toGroup g: Int) -> Int {
        switch reader.vector.values {
        case .text(let codes, let d):
            if strings == nil, d === dictionary, let ranks = reader.ranks {
                return ComparisonExpression.compare(ranks[Int(codes[i])], ranks[Int(words[g])])
            }
            return ComparisonExpression.compareBytes(Array(d.string(Int(codes[i])).utf8), Array(text(g).utf8))
        case .doubles(let a):
            return ComparisonExpression.compare(a[i], Double(bitPattern: words[g]))
        case .bools(let a):
            return ComparisonExpression.compare(a[i], UInt8(truncatingIfNeeded: words[g]))
        default:
            return ComparisonExpression.compare(reader.numbers?.int(i) ?? 0, Int64(bitPattern: words[g]))
        }
    }

    mutating func set(_ g: Int, from reader: Reader, _ i: Int) {
        has[g] = true
        switch reader.vector.values {
        case .text(let codes, let d):
            if strings == nil {
                if dictionary == nil { dictionary = d }
                if dictionary === d {
                    words[g] = UInt64(codes[i])
                    return
                }
                switchToStrings()
            }
            strings![g] = d.string(Int(codes[i]))
        case .doubles(let a): words[g] = a[i].bitPattern
        case .bools(let a): words[g] = UInt64(a[i])
        default: words[g] = UInt64(bitPattern: reader.numbers?.int(i) ?? 0)
        }
    }

    /// Copies group `g` of another slot set into group `t` here.
    mutating func set(_ t: Int, from other: ValueSlots, _ g: Int) {
        has[t] = true
        if type == .text {
            if strings == nil, other.strings == nil, dictionary == nil || dictionary === other.dictionary {
                dictionary = other.dictionary
                words[t] = other.words[g]
                return
            }
            if strings == nil { switchToStrings() }
            strings![t] = other.text(g)
        } else {
            words[t] = other.words[g]
        }
    }

    func compare(_ other: ValueSlots, _ g: Int, toGroup t: Int) -> Int {
        switch type {
        case .text:
            if strings == nil, other.strings == nil, dictionary === other.dictionary, let d = dictionary {
                let ranks = d.sortRanks
                return ComparisonExpression.compare(ranks[Int(other.words[g])], ranks[Int(words[t])])
            }
            return ComparisonExpression.compareBytes(Array(other.text(g).utf8), Array(text(t).utf8))
        case .decimal: return ComparisonExpression.compare(Double(bitPattern: other.words[g]), Double(bitPattern: words[t]))
        default: return ComparisonExpression.compare(Int64(bitPattern: other.words[g]), Int64(bitPattern: words[t]))
        }
    }

    func text(_ g: Int) -> String {
        if let strings { return strings[g] ?? "" }
        return dictionary?.string(Int(words[g])) ?? ""
    }

    private mutating func switchToStrings() {
        strings = (0..<words.count).map { has[$0] ? (dictionary?.string(Int(words[$0])) ?? "") : nil }
        dictionary = nil
    }

    func column(order: [Int]) -> Column {
        let valid = order.map { $0 < has.count && has[$0] }
        let validity = valid.contains(false) ? Validity(flags: valid) : nil
        let words = order.map { $0 < self.words.count ? self.words[$0] : 0 }
        switch type {
        case .text:
            if strings == nil, let dictionary {
                return Column(type: .text, values: .text(codes: PackedIntegers.pack(words.map { Int64($0) }, validity: validity), dictionary: dictionary),
                              validity: validity)
            }
            return ColumnFactory.text(order.enumerated().map { valid[$0.offset] ? text($0.element) : nil })
        case .decimal: return Column(type: .decimal, values: .doubles(words.map { Double(bitPattern: $0) }), validity: validity)
        case .bool: return Column(type: .bool, values: .bools(words.map { UInt8(truncatingIfNeeded: $0) }), validity: validity)
        default:
            return Column(type: type, values: .integers(PackedIntegers.pack(words.map { Int64(bitPattern: $0) }, validity: validity)), validity: validity)
        }
    }
}

/// `min(x)` / `max(x)` of text and booleans (numbers and times: `NumericExtremeAccumulator`).
final class MinMaxAccumulator: Accumulator {
    private let isMin: Bool
    // Read and written in the per-batch loops: `@exclusivity(unchecked)` drops the run-time
    // exclusivity check on each access. One thread uses an instance at a time; no access to
    // one of these may overlap another (say, a call out during a mutation), as nothing checks it.
    @exclusivity(unchecked) private var slots: ValueSlots

    init(isMin: Bool, type: DataType) {
        self.isMin = isMin
        slots = ValueSlots(type: type)
    }

    func update(groups: [Int32], groupCount: Int, argument: Vector?, order: Vector?, mask: [UInt8]?) {
        slots.grow(to: groupCount)
        guard let argument else { return }
        let reader = ValueSlots.Reader(argument)
        let valid = reader.vector.valid
        for i in 0..<groups.count where included(i, mask, valid) {
            let g = Int(groups[i])
            if !slots.has[g] {
                slots.set(g, from: reader, i)
            } else {
                let c = slots.compare(reader, i, toGroup: g)
                if isMin ? c < 0 : c > 0 { slots.set(g, from: reader, i) }
            }
        }
    }

    func merge(_ other: any Accumulator, mapping: [Int32], groupCount: Int) {
        let other = other as! MinMaxAccumulator
        slots.grow(to: groupCount)
        for g in 0..<other.slots.has.count where other.slots.has[g] && mapping[g] >= 0 {
            let t = Int(mapping[g])
            if !slots.has[t] {
                slots.set(t, from: other.slots, g)
            } else {
                let c = slots.compare(other.slots, g, toGroup: t)
                if isMin ? c < 0 : c > 0 { slots.set(t, from: other.slots, g) }
            }
        }
    }

    func finish(order: [Int]) -> Column { slots.column(order: order) }
}

extension ValueSlots {
    mutating func clear(_ g: Int) { has[g] = false }
}
