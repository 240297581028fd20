/// Text in double quotes with backslash escapes: `\"`, `\\`, `\n`, `\r` and `\t`, which both
/// kpiq's lexer and JSON read back. One writer for kpiq string literals (plans, `.explain`)
/// and JSON strings (machine formats).
package enum BackslashQuoting {
    /// `text` quoted. With `escapingControls` the other control characters (below U+0020)
    /// become `\u00XX`, as JSON requires; kpiq's lexer has no such escape, so its literals
    /// keep them as they are.
    package static func quoted(_ text: String, escapingControls: Bool) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if escapingControls, scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
