/// A piece of kpiq source: a script file, a line typed at the prompt, or a `-c` argument.
public struct SourceText: Sendable {
    /// What to call it in messages: a file path, `query`, `<stdin>`.
    public let name: String
    public let text: String
    /// UTF-8 bytes of `text` (spans are byte offsets into these).
    public let bytes: [UInt8]
    /// Byte offset of the first character of each line.
    public let lineStarts: [Int]
    /// Added to line numbers in messages (a statement that starts on line 12 of a script).
    public let firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == 10 { starts.append(offset + 1) }
        self.lineStarts = starts
        self.firstLine = firstLine
    }

    /// 0-based line index and 1-based column (in characters) of a byte offset.
    public func location(of offset: Int) -> (lineIndex: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let start = lineStarts[low]
        let end = min(max(offset, start), bytes.count)
        let column = String(decoding: bytes[start..<end], as: UTF8.self).count + 1
        return (low, column)
    }

    /// The text of a line (0-based), without its newline.
    public func line(_ index: Int) -> String {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start, bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The source text covered by a span.
    public func text(of span: Span) -> String {
        let lower = max(0, min(span.start, bytes.count)), upper = max(lower, min(span.end, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }
}

/// A range of bytes in a `SourceText`: `start..<end`.
public struct Span: Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    public static let none = Span(0, 0)

    /// The smallest span covering both.
    public func to(_ other: Span) -> Span { Span(min(start, other.start), max(end, other.end)) }

    public var description: String { "\(start)..<\(end)" }
}
