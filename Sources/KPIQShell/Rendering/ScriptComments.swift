import KPIQ

/// The `--` comments of a script, as paragraphs for a report: comment lines that follow one
/// another are one paragraph (a comment wrapped over lines reads as one text); a statement or
/// a blank line ends it. `--` inside a string or a quoted name is not a comment.
enum ScriptComments {
    struct Paragraph: Equatable {
        /// Byte offset of its first `--` in the source.
        var start: Int
        var text: String
    }

    static func paragraphs(in source: SourceText) -> [Paragraph] {
        let bytes = source.bytes
        var paragraphs: [Paragraph] = []
        var quote: UInt8?
        var p = 0
        var line = 0
        // The line of the last comment added to `paragraphs`, and whether it was alone on its line.
        var lastLine = -2
        var lineHasCode = false
        while p < bytes.count {
            let c = bytes[p]
            if let q = quote {
                if c == UInt8(ascii: "\\"), q != UInt8(ascii: "`") {
                    p += 2
                    continue
                }
                if c == 10 { line += 1; lineHasCode = false }
                if c == q { quote = nil }
                p += 1
                continue
            }
            switch c {
            case 10:
                line += 1
                lineHasCode = false
                p += 1
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                quote = c
                lineHasCode = true
                p += 1
            case UInt8(ascii: "-") where p + 1 < bytes.count && bytes[p + 1] == UInt8(ascii: "-"):
                let start = p
                var end = p
                while end < bytes.count, bytes[end] != 10 { end += 1 }
                var text = String(decoding: bytes[(start + 2)..<end], as: UTF8.self)
                text = String(text.drop { $0 == "-" })
                text = String(text.drop { $0 == " " || $0 == "\t" }).trimmingTrailingWhitespace
                if !lineHasCode, lastLine == line - 1, var last = paragraphs.last {
                    if text.isEmpty {
                        last.text += "\n"
                    } else {
                        last.text += last.text.hasSuffix("\n") || last.text.isEmpty ? text : " " + text
                    }
                    paragraphs[paragraphs.count - 1] = last
                    lastLine = line
                } else if !text.isEmpty {
                    paragraphs.append(Paragraph(start: start, text: text))
                    lastLine = lineHasCode ? -2 : line
                } else {
                    lastLine = -2
                }
                p = end
            case 32, 9, 13:
                p += 1
            default:
                lineHasCode = true
                p += 1
            }
        }
        return paragraphs.map { Paragraph(start: $0.start, text: $0.text.trimmingTrailingWhitespace) }.filter { !$0.text.isEmpty }
    }
}
