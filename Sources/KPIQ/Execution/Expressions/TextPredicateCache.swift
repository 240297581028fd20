import Synchronization

/// Per-dictionary results of a text predicate, computed once per dictionary and shared by
/// every batch (and thread): "is entry k like '%demo%'?" is asked once per distinct string,
/// not once per row.
///
/// Entries keep their dictionary alive, so an identifier is never reused by another
/// dictionary while cached. Small per-batch dictionaries are not cached (cheap to redo).
final class TextPredicateCache: Sendable {
    private struct Entry {
        let dictionary: StringDictionary
        var table: [UInt8]?
        var code: Int?
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private static let maximumEntries = 64

    /// A 0/1 flag per dictionary code.
    func table(for dictionary: StringDictionary, _ predicate: (String) -> Bool) -> [UInt8] {
        let key = ObjectIdentifier(dictionary)
        if let table = entries.withLock({ $0[key]?.table }) { return table }
        // Null rows carry code 0, also in a column of nulls only, whose dictionary is empty:
        // the table always has an entry for it (its flag is masked by the row's validity).
        let table = dictionary.count == 0 ? [UInt8(0)] : (0..<dictionary.count).map { predicate(dictionary.string($0)) ? UInt8(1) : 0 }
        store(dictionary) { $0.table = table }
        return table
    }

    /// The code of `text` in the dictionary, or -1.
    func code(of text: String, in dictionary: StringDictionary) -> Int {
        let key = ObjectIdentifier(dictionary)
        if let code = entries.withLock({ $0[key]?.code }) { return code }
        let code = dictionary.code(of: text) ?? -1
        store(dictionary) { $0.code = code }
        return code
    }

    private func store(_ dictionary: StringDictionary, _ update: (inout Entry) -> Void) {
        entries.withLock { entries in
            let key = ObjectIdentifier(dictionary)
            var entry = entries[key] ?? Entry(dictionary: dictionary)
            update(&entry)
            if entries[key] != nil || entries.count < Self.maximumEntries { entries[key] = entry }
        }
    }
}
