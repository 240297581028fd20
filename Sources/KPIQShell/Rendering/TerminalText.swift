/// Text as a terminal shows it: how many cells it takes, and data made safe to print.
///
/// Widths follow wcwidth's rules, computed here rather than by the C library so they do not
/// depend on the process's locale: East Asian wide and fullwidth characters and emoji take
/// two cells, combining marks and other zero-width characters none, the rest one. A grapheme
/// (an emoji with modifiers or joiners, a letter with accents) is measured as one unit.
package enum TerminalText {
    /// Terminal cells `text` takes.
    package static func width(_ text: String) -> Int {
        // Plain ASCII, the common case, is one cell a byte.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var total = 0
        for character in text { total += width(character) }
        return total
    }

    /// Cells one grapheme takes: 2 when it holds a wide character or shows as an emoji.
    package static func width(_ character: Character) -> Int {
        var widest = 0
        var emojiStyle = false
        for scalar in character.unicodeScalars {
            if scalar.value == 0xFE0F { emojiStyle = true }
            widest = max(widest, width(scalar))
        }
        if emojiStyle, character.unicodeScalars.first?.properties.isEmoji == true { return 2 }
        return widest
    }

    /// Cells one code point takes on its own.
    static func width(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v < 0x20 ? 0 : 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        if v == 0x200B || (0x1160...0x11FF).contains(v) { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    /// The longest start of `text` that fits in `cells`.
    package static func prefix(_ text: String, cells: Int) -> String {
        var out = ""
        var used = 0
        for character in text {
            let w = width(character)
            if used + w > cells { break }
            out.append(character)
            used += w
        }
        return out
    }

    /// `text` with control characters shown as escapes (`\e` for ESC, `\xNN` for the others):
    /// data printed to a terminal must not move the cursor, recolour it or retitle the window.
    /// Line breaks and tabs are kept when `keepingLayout` (a CSV record may hold them).
    package static func visible(_ text: String, keepingLayout: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if keepingLayout, scalar == "\n" || scalar == "\t" || scalar == "\r" {
                out.append(scalar)
            } else if isControl(scalar) {
                let escape: String
                switch scalar {
                case "\u{1B}": escape = "\\e"
                case "\n": escape = "\\n"
                case "\r": escape = "\\r"
                case "\t": escape = "\\t"
                default:
                    let hex = String(scalar.value, radix: 16)
                    escape = "\\x" + (hex.count < 2 ? "0" : "") + hex
                }
                out.append(contentsOf: escape.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// C0 and C1 controls and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
