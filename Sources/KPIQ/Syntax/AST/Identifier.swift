/// A name as written, with where it was written.
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var span: Span

    public init(_ name: String, span: Span = .none) {
        self.name = name
        self.span = span
    }

    public var description: String { name }

    /// The name as it would be written back: backquoted when it is not a plain word.
    public var quotedIfNeeded: String { Identifier.quote(name) }

    public static func quote(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || ($0 >= 48 && $0 <= 57) }
            && !(name.utf8.first! >= 48 && name.utf8.first! <= 57) && !ReservedWords.all.contains(name.lowercased())
        return plain ? name : "`" + name.replacing("`", with: "``") + "`"
    }
}

