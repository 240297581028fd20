/// The character encodings a file may be read from. Everything but UTF-8 is transcoded to
/// UTF-8 once, before the reader sees it, so the tokenizer and builders keep one fast path.
package enum TextEncoding: Sendable, Equatable {
    case utf8
    /// ISO 8859-1: each byte is the code point of the same number.
    case latin1
    /// Windows' Western European code page: Latin-1 with printable characters in 0x80-0x9F
    /// (`€` is 0x80). What Excel writes for "CSV" on a Western Windows.
    case windows1252
    /// UTF-16 of the given byte order; `utf16(nil)` takes the order from the byte-order mark
    /// (little-endian without one, as Windows writes it).
    case utf16(bigEndian: Bool?)

    /// `encoding "..."` names.
    package init?(name: String) {
        switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
        case "utf-8", "utf8": self = .utf8
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1": self = .latin1
        case "windows-1252", "cp1252", "win-1252", "windows1252": self = .windows1252
        case "utf-16", "utf16": self = .utf16(bigEndian: nil)
        case "utf-16le", "utf16le": self = .utf16(bigEndian: false)
        case "utf-16be", "utf16be": self = .utf16(bigEndian: true)
        default: return nil
        }
    }

    package static let names = ["utf-8", "latin1", "windows-1252", "utf-16", "utf-16le", "utf-16be"]

    var name: String {
        switch self {
        case .utf8: return "UTF-8"
        case .latin1: return "Latin-1"
        case .windows1252: return "Windows-1252"
        case .utf16(let bigEndian): return bigEndian == true ? "UTF-16 BE" : "UTF-16 LE"
        }
    }

    /// UTF-16 by its byte-order mark (FF FE little-endian, FE FF big-endian).
    static func detect(_ base: UnsafePointer<UInt8>, count: Int) -> TextEncoding? {
        guard count >= 2 else { return nil }
        if base[0] == 0xFF, base[1] == 0xFE { return .utf16(bigEndian: false) }
        if base[0] == 0xFE, base[1] == 0xFF { return .utf16(bigEndian: true) }
        return nil
    }

    /// Characters 0x80-0x9F of Windows-1252 (0 where the code page leaves one undefined:
    /// those bytes are read as the C1 control of the same number, as browsers do).
    private static let windows1252High: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    struct InvalidUTF16: Error {
        /// Byte offset in the original file.
        var offset: Int
        var message: String
    }

    /// The text of `base[0..<count]` as UTF-8 in a new buffer the caller owns (a UTF-16
    /// byte-order mark is dropped). Throws `InvalidUTF16` for a lone surrogate or an odd
    /// byte count.
    func transcode(_ base: UnsafePointer<UInt8>, count: Int) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        switch self {
        case .utf8:
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
            out.initialize(from: base, count: count)
            return (out, count)
        case .latin1, .windows1252:
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count * 3, 1))
            var n = 0
            for i in 0..<count {
                let byte = base[i]
                if byte < 0x80 {
                    out[n] = byte
                    n += 1
                    continue
                }
                var scalar = UInt32(byte)
                if self == .windows1252, byte < 0xA0, case let mapped = Self.windows1252High[Int(byte - 0x80)], mapped != 0 {
                    scalar = UInt32(mapped)
                }
                n += Self.writeUTF8(scalar, to: out + n)
            }
            return (out, n)
        case .utf16(let order):
            var start = 0
            var bigEndian = order ?? false
            if let detected = Self.detect(base, count: count), case .utf16(let detectedOrder) = detected {
                if order == nil || order == detectedOrder { bigEndian = detectedOrder!; start = 2 }
            }
            if (count - start) % 2 != 0 {
                throw InvalidUTF16(offset: count - 1, message: "the file is read as UTF-16 but has an odd number of bytes")
            }
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max((count - start) / 2 * 3, 1))
            var n = 0
            var i = start
            func unit(_ at: Int) -> UInt32 {
                bigEndian ? UInt32(base[at]) << 8 | UInt32(base[at + 1]) : UInt32(base[at + 1]) << 8 | UInt32(base[at])
            }
            while i < count {
                let u = unit(i)
                if u < 0x80 {
                    out[n] = UInt8(u)
                    n += 1
                    i += 2
                    continue
                }
                var scalar = u
                if u >= 0xD800, u < 0xDC00 {
                    guard i + 3 < count, case let low = unit(i + 2), low >= 0xDC00, low < 0xE000 else {
                        out.deallocate()
                        throw InvalidUTF16(offset: i, message: "invalid UTF-16: a high surrogate without its low half")
                    }
                    scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    i += 2
                } else if u >= 0xDC00, u < 0xE000 {
                    out.deallocate()
                    throw InvalidUTF16(offset: i, message: "invalid UTF-16: a low surrogate without its high half")
                }
                n += Self.writeUTF8(scalar, to: out + n)
                i += 2
            }
            return (out, n)
        }
    }

    private static func writeUTF8(_ scalar: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case ..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case ..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case ..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }
}
