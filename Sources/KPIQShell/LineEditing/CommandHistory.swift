#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine

/// The statements typed at the prompt, kept in a file so the next session can recall them.
/// Saved after every statement, so a killed process loses nothing. A multi-line statement is
/// one entry. The file is libedit's format (not GNU readline's).
final class CommandHistory {
    /// libedit's History object.
    let handle: OpaquePointer
    /// Where entries are saved (nil: kept in memory only).
    let path: String?
    static let size: Int32 = 5000
    private var warned = false

    /// `$KPIQ_HISTORY` when set (an empty value keeps history in memory only), else
    /// `~/.kpiq_history`; nil without a home folder.
    static func defaultPath(environment: (String) -> String? = CommandHistory.environment) -> String? {
        if let chosen = environment("KPIQ_HISTORY") { return chosen.isEmpty ? nil : chosen }
        guard let home = environment("HOME"), !home.isEmpty else { return nil }
        return home.hasSuffix("/") ? home + ".kpiq_history" : home + "/.kpiq_history"
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    init?(path: String?) {
        guard let handle = history_init() else { return nil }
        self.handle = handle
        self.path = path
        kpiq_history_set_size(handle, Self.size)
        // Typing the same statement twice in a row keeps one entry.
        kpiq_history_set_unique(handle, 1)
        if let path { kpiq_history_load(handle, path) }
    }

    deinit {
        history_end(handle)
    }

    /// Adds an entry (trailing spaces and line breaks dropped) and saves the file.
    func add(_ entry: String) {
        var text = entry
        while let last = text.last, last.isWhitespace { text.removeLast() }
        guard !text.allSatisfy(\.isWhitespace) else { return }
        kpiq_history_enter(handle, text)
        save()
    }

    func save() {
        guard let path else { return }
        if kpiq_history_save(handle, path) < 0, !warned {
            warned = true
            Output.standardError.write("warning: cannot save history to \(path)\n")
        }
    }
}
