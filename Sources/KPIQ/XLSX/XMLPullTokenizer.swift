/// A pull tokenizer over the bytes of one XML document, enough for the parts of a workbook:
/// start and end tags (a self-closing tag gives both), attributes read on demand, text and
/// CDATA; comments, processing instructions and the document type are skipped. Nothing is
/// built or copied: names, attributes and text are byte ranges of the input, and the reader
/// asks only for what it needs, so a sheet of a million cells costs one pass over its bytes.
/// Every read is bounds-checked: malformed input is a `SyntaxError` with its byte offset.
struct XMLPullTokenizer {
    enum Event { case start, end, text, done }

    struct SyntaxError: Error {
        var offset: Int
        var message: String
    }

    let base: UnsafePointer<UInt8>
    let count: Int
    private(set) var p = 0
    /// The local name (after any `prefix:`) of the current start or end tag.
    private(set) var nameStart = 0
    private(set) var nameCount = 0
    /// The bytes between the name and `>` of the current start tag.
    private var attributesStart = 0
    private var attributesEnd = 0
    /// The current text: a byte range, raw (CDATA) or with entities to decode.
    private(set) var textStart = 0
    private(set) var textEnd = 0
    private(set) var textIsRaw = false
    /// A self-closing tag's end event is due next.
    private var pendingEnd = false
    /// Offset of the current event's `<` (or of its text), for messages.
    private(set) var eventOffset = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { p = 3 }
    }

    mutating func next() throws -> Event {
        if pendingEnd {
            pendingEnd = false
            return .end
        }
        while p < count {
            eventOffset = p
            if base[p] != UInt8(ascii: "<") {
                textStart = p
                while p < count, base[p] != UInt8(ascii: "<") { p += 1 }
                textEnd = p
                textIsRaw = false
                return .text
            }
            guard p + 1 < count else { throw SyntaxError(offset: p, message: "a tag is cut off at the end") }
            switch base[p + 1] {
            case UInt8(ascii: "/"):
                p += 2
                readName()
                skipSpace()
                guard p < count, base[p] == UInt8(ascii: ">") else { throw SyntaxError(offset: eventOffset, message: "an end tag without `>`") }
                p += 1
                return .end
            case UInt8(ascii: "?"):
                try skip(past: "?>", what: "a processing instruction")
            case UInt8(ascii: "!"):
                if matches("<!--") {
                    try skip(past: "-->", what: "a comment")
                } else if matches("<![CDATA[") {
                    p += 9
                    textStart = p
                    try skip(past: "]]>", what: "a CDATA section")
                    textEnd = p - 3
                    textIsRaw = true
                    return .text
                } else {
                    // <!DOCTYPE ...>, possibly with an internal subset in brackets.
                    var depth = 0
                    p += 2
                    while p < count {
                        let c = base[p]
                        p += 1
                        if c == UInt8(ascii: "[") { depth += 1 }
                        else if c == UInt8(ascii: "]") { depth -= 1 }
                        else if c == UInt8(ascii: ">"), depth <= 0 { break }
                    }
                }
            default:
                p += 1
                readName()
                guard nameCount > 0 else { throw SyntaxError(offset: eventOffset, message: "a tag without a name") }
                attributesStart = p
                // Up to `>` outside attribute quotes.
                var quote: UInt8 = 0
                while p < count {
                    let c = base[p]
                    if quote != 0 {
                        if c == quote { quote = 0 }
                    } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        quote = c
                    } else if c == UInt8(ascii: ">") {
                        break
                    }
                    p += 1
                }
                guard p < count else { throw SyntaxError(offset: eventOffset, message: "a start tag without `>`") }
                attributesEnd = p
                if attributesEnd > attributesStart, base[attributesEnd - 1] == UInt8(ascii: "/") {
                    attributesEnd -= 1
                    pendingEnd = true
                }
                p += 1
                return .start
            }
        }
        return .done
    }

    /// Reads a name at `p`, keeping its local part.
    private mutating func readName() {
        let start = p
        var local = p
        while p < count {
            let c = base[p]
            if c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || c == 32 || c == 9 || c == 10 || c == 13 { break }
            p += 1
            if c == UInt8(ascii: ":") { local = p }
        }
        _ = start
        nameStart = local
        nameCount = p - local
    }

    private mutating func skipSpace() {
        while p < count, base[p] == 32 || base[p] == 9 || base[p] == 10 || base[p] == 13 { p += 1 }
    }

    private func matches(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard p + n <= count else { return false }
        let t = text.utf8Start
        for k in 0..<n where base[p + k] != t[k] { return false }
        return true
    }

    private mutating func skip(past end: StaticString, what: String) throws {
        let start = p
        while p < count {
            if matches(end) {
                p += end.utf8CodeUnitCount
                return
            }
            p += 1
        }
        throw SyntaxError(offset: start, message: "\(what) never ends")
    }

    /// The current tag's local name is `name`.
    @inline(__always)
    func nameIs(_ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        guard nameCount == n else { return false }
        let t = name.utf8Start
        for k in 0..<n where base[nameStart + k] != t[k] { return false }
        return true
    }

    var name: String { String(decoding: UnsafeBufferPointer(start: base + nameStart, count: nameCount), as: UTF8.self) }

    /// The raw value range of the current start tag's attribute whose local name is `name`.
    func attributeRange(_ name: StaticString) -> Range<Int>? {
        let n = name.utf8CodeUnitCount
        let t = name.utf8Start
        var q = attributesStart
        while q < attributesEnd {
            while q < attributesEnd, base[q] == 32 || base[q] == 9 || base[q] == 10 || base[q] == 13 { q += 1 }
            let nameStart = q
            var local = q
            while q < attributesEnd, base[q] != UInt8(ascii: "="), base[q] != 32, base[q] != 9, base[q] != 10, base[q] != 13 {
                if base[q] == UInt8(ascii: ":") { local = q + 1 }
                q += 1
            }
            let nameEnd = q
            while q < attributesEnd, base[q] != UInt8(ascii: "=") { q += 1 }
            q += 1
            while q < attributesEnd, base[q] == 32 || base[q] == 9 || base[q] == 10 || base[q] == 13 { q += 1 }
            guard q < attributesEnd else { return nil }
            let quote = base[q]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
            q += 1
            let valueStart = q
            while q < attributesEnd, base[q] != quote { q += 1 }
            let valueEnd = q
            q += 1
            if nameEnd > nameStart, nameEnd - local == n {
                var same = true
                for k in 0..<n where base[local + k] != t[k] { same = false; break }
                if same { return valueStart..<valueEnd }
            }
        }
        return nil
    }

    /// The decoded value of an attribute, as text.
    func attribute(_ name: StaticString) throws -> String? {
        guard let range = attributeRange(name) else { return nil }
        var bytes: [UInt8] = []
        try Self.decode(base, range, raw: false, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An attribute holding a non-negative integer (`s="3"`, `sheetId="1"`); nil when absent
    /// or not a plain number.
    func integerAttribute(_ name: StaticString) -> Int? {
        guard let range = attributeRange(name), !range.isEmpty, range.count <= 18 else { return nil }
        var v = 0
        for q in range {
            let c = base[q]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    /// Appends the current text, decoded.
    func appendText(into bytes: inout [UInt8]) throws {
        try Self.decode(base, textStart..<textEnd, raw: textIsRaw, into: &bytes)
    }

    /// Appends `range` with the predefined and numeric character references decoded.
    static func decode(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, raw: Bool, into bytes: inout [UInt8]) throws {
        if raw {
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
            return
        }
        var q = range.lowerBound
        var runStart = q
        while q < range.upperBound {
            guard base[q] == UInt8(ascii: "&") else { q += 1; continue }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: q - runStart))
            var end = q + 1
            while end < range.upperBound, end - q < 12, base[end] != UInt8(ascii: ";") { end += 1 }
            guard end < range.upperBound, base[end] == UInt8(ascii: ";") else {
                throw SyntaxError(offset: q, message: "an `&` that starts no character reference")
            }
            let entity = UnsafeBufferPointer(start: base + q + 1, count: end - q - 1)
            switch String(decoding: entity, as: UTF8.self) {
            case "lt": bytes.append(UInt8(ascii: "<"))
            case "gt": bytes.append(UInt8(ascii: ">"))
            case "amp": bytes.append(UInt8(ascii: "&"))
            case "quot": bytes.append(UInt8(ascii: "\""))
            case "apos": bytes.append(UInt8(ascii: "'"))
            case let name where name.hasPrefix("#"):
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                    throw SyntaxError(offset: q, message: "`&\(name);` is not a character")
                }
                bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
            case let name:
                throw SyntaxError(offset: q, message: "unknown entity `&\(name);`")
            }
            q = end + 1
            runStart = q
        }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: range.upperBound - runStart))
    }
}
