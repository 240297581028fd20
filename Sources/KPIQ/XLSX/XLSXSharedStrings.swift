/// The workbook's shared strings (`xl/sharedStrings.xml`): a cell of type `s` holds an index
/// into this table. Kept as one buffer of texts end to end.
struct XLSXSharedStrings {
    private(set) var bytes: [UInt8] = []
    /// Start of each string in `bytes`, and the end of the last one.
    private(set) var offsets: [Int] = [0]

    var count: Int { offsets.count - 1 }

    init() {}

    /// Reads `<si>` items: plain (`<t>`) or rich text (runs `<r><t>`), whose texts join;
    /// phonetic guides (`<rPh>`) are not part of the value.
    init(_ data: [UInt8], part: String) throws {
        try XLSXWorkbook.parse(data, part: part) { xml in
            var inItem = false
            var inText = false
            var phoneticDepth = 0
            while true {
                switch try xml.next() {
                case .start:
                    if xml.nameIs("si") {
                        inItem = true
                    } else if xml.nameIs("rPh") {
                        phoneticDepth += 1
                    } else if inItem, phoneticDepth == 0, xml.nameIs("t") {
                        inText = true
                    }
                case .end:
                    if xml.nameIs("si") {
                        inItem = false
                        Self.unescapeOOXML(&bytes, from: offsets[offsets.count - 1])
                        offsets.append(bytes.count)
                    } else if xml.nameIs("rPh") {
                        phoneticDepth = max(0, phoneticDepth - 1)
                    } else if xml.nameIs("t") {
                        inText = false
                    }
                case .text:
                    if inText { try xml.appendText(into: &bytes) }
                case .done:
                    return
                }
            }
        }
    }

    func string(_ index: Int) -> ArraySlice<UInt8>? {
        guard index >= 0, index < count else { return nil }
        return bytes[offsets[index]..<offsets[index + 1]]
    }

    /// Office writes characters XML cannot hold (a carriage return, say) as `_xHHHH_`, and a
    /// literal `_x` that could be read so as `_x005F_x`. Decodes those in `bytes[from...]`.
    static func unescapeOOXML(_ bytes: inout [UInt8], from start: Int) {
        guard bytes.count - start >= 7 else { return }
        var found = false
        for k in start..<(bytes.count - 6) where bytes[k] == UInt8(ascii: "_") && bytes[k + 1] == UInt8(ascii: "x") && bytes[k + 6] == UInt8(ascii: "_") {
            found = true
            break
        }
        guard found else { return }
        var out: [UInt8] = []
        var k = start
        while k < bytes.count {
            if k + 6 < bytes.count, bytes[k] == UInt8(ascii: "_"), bytes[k + 1] == UInt8(ascii: "x"), bytes[k + 6] == UInt8(ascii: "_"),
               let value = UInt32(String(decoding: bytes[(k + 2)..<(k + 6)], as: UTF8.self), radix: 16),
               let scalar = Unicode.Scalar(value) {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                k += 7
                continue
            }
            out.append(bytes[k])
            k += 1
        }
        bytes.replaceSubrange(start..., with: out)
    }
}
