import Testing
@testable import KPIQ

/// The interner gives each distinct string one code, in first-seen order, through every
/// growth of its table (kept sparse while small, half full after), for short inline keys and
/// long hashed ones alike, and its lookup view finds exactly the strings interned.
@Suite struct StringInternerTests {
    @Test func codesSurviveEveryGrowth() {
        var interner = StringInterner()
        // Short (inline), exactly 15 and 16 bytes (the inline/long boundary), and long strings.
        let strings = (0..<5000).map { k -> String in
            switch k % 4 {
            case 0: return "s\(k)"
            case 1: return String(repeating: "x", count: 15 - String(k).count) + String(k)
            case 2: return String(repeating: "y", count: 16 - String(k).count) + String(k)
            default: return "/landing/page/number/\(k)"
            }
        }
        for (k, string) in strings.enumerated() {
            #expect(interner.intern(string) == k, "first intern of \(string)")
            if k % 97 == 0 {
                // Everything interned so far still maps to its code.
                for (j, earlier) in strings.prefix(k + 1).enumerated() where j % 13 == 0 {
                    #expect(interner.intern(earlier) == j)
                }
            }
        }
        #expect(interner.count == strings.count)
        let lookup = interner.lookup
        for (k, string) in strings.enumerated() {
            var copy = string
            let found = copy.withUTF8 { lookup.code(of: StringInterner.key($0.baseAddress!, $0.count), $0.baseAddress!, $0.count) }
            #expect(found == k)
        }
        var absent = "not there"
        let missing = absent.withUTF8 { lookup.code(of: StringInterner.key($0.baseAddress!, $0.count), $0.baseAddress!, $0.count) }
        #expect(missing == -1)
    }
}
