/// Builds a text vector row by row into a fresh dictionary, for results whose strings come
/// from several places (`case` branches over different columns, `concat`, casts to text).
struct TextVectorBuilder {
    private var interner = [String: Int64]()
    private var strings: [String] = []
    private(set) var codes: [Int64] = []
    private(set) var valid: [UInt8] = []
    private var anyNull = false

    init(capacity: Int) {
        codes.reserveCapacity(capacity)
        valid.reserveCapacity(capacity)
    }

    mutating func append(_ text: String) {
        if let code = interner[text] {
            codes.append(code)
        } else {
            let code = Int64(strings.count)
            interner[text] = code
            strings.append(text)
            codes.append(code)
        }
        valid.append(1)
    }

    mutating func appendNull() {
        codes.append(0)
        valid.append(0)
        anyNull = true
    }

    func vector() -> Vector {
        Vector(type: .text, values: .text(codes: codes, dictionary: StringDictionary(strings: strings)),
               valid: anyNull ? valid : nil, count: codes.count)
    }
}

extension Vector {
    /// The text of row `i` (nil when null); for text vectors and constants.
    func text(at i: Int) -> String? {
        guard isValid(i) else { return nil }
        switch values {
        case .text(let codes, let dictionary): return dictionary.string(Int(codes[i]))
        case .constant(let scalar): return scalar.isNull ? nil : scalar.description
        default: return scalar(at: i).description
        }
    }
}
