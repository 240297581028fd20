/// A name as written, with where it was written.
package struct Identifier: Sendable, Hashable, CustomStringConvertible {
    package var name: String
    package var span: Span

    package init(_ name: String, span: Span = .none) {
        self.name = name
        self.span = span
    }

    package var description: String { name }

    /// The name as it would be written back: backquoted when it is not a plain word.
    package var quotedIfNeeded: String { Identifier.quote(name) }

    package static func quote(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || ($0 >= 48 && $0 <= 57) }
            && !(name.utf8.first! >= 48 && name.utf8.first! <= 57) && !ReservedWords.all.contains(name.lowercased())
        return plain ? name : "`" + name.replacing("`", with: "``") + "`"
    }
}

