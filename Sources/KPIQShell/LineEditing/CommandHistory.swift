#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine

/// The statements typed at the prompt, kept in a file so the next session can recall them.
/// A multi-line statement is one entry. The file is libedit's format (not GNU readline's).
///
/// Several shells may share the file. Each statement is appended to it at once, under an
/// exclusive `flock`, so a killed process loses nothing and no shell overwrites another's
/// entries; before appending, and before each prompt, what others appended is read back
/// (the whole file is loaded again when its size changed), so Up and Ctrl-R find it.
final class CommandHistory {
    /// libedit's History object.
    let handle: OpaquePointer
    /// Where entries are saved (nil: kept in memory only).
    let path: String?
    static let size: Int32 = 5000
    /// Past this many bytes the file is written again with the newest `size` entries only.
    static let compactionBytes = 2_000_000
    private var warned = false
    /// The file's size when this process last read or wrote it.
    private var knownSize = -1

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
        readOthers()
    }

    deinit {
        history_end(handle)
    }

    /// Reads entries other shells appended since this one last looked (before a prompt).
    func readOthers() {
        guard let path else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        flock(fd, LOCK_SH)
        defer { flock(fd, LOCK_UN) }
        reloadIfChanged(fd: fd, path: path)
    }

    /// With the file locked: loads it again when its size is not the one last seen.
    private func reloadIfChanged(fd: Int32, path: String) {
        let size = Self.size(of: fd)
        guard size != knownSize else { return }
        kpiq_history_clear(handle)
        if size > 0 { kpiq_history_load(handle, path) }
        knownSize = size
    }

    /// Adds an entry (trailing spaces and line breaks dropped) and appends it to the file.
    func add(_ entry: String) {
        var text = entry
        while let last = text.last, last.isWhitespace { text.removeLast() }
        guard !text.allSatisfy(\.isWhitespace) else { return }
        guard let path else {
            kpiq_history_enter(handle, text)
            return
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            kpiq_history_enter(handle, text)
            warn(path)
            return
        }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        reloadIfChanged(fd: fd, path: path)
        // The same statement again right after itself is not a new entry (H_SETUNIQUE).
        if let newest = kpiq_history_newest(handle), String(cString: newest) == text { return }
        kpiq_history_enter(handle, text)
        let size = Self.size(of: fd)
        let written: Bool
        if size <= 0 || size > Self.compactionBytes {
            // A new file needs libedit's header; a large one is written again, newest only.
            written = kpiq_history_save(handle, path) >= 0
        } else {
            written = kpiq_history_append_entry(fd, text) == 0
        }
        if !written { warn(path) }
        knownSize = Self.size(of: fd)
    }

    private func warn(_ path: String) {
        guard !warned else { return }
        warned = true
        Output.standardError.write("warning: cannot save history to \(path)\n")
    }

    private static func size(of fd: Int32) -> Int {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int(info.st_size) : -1
    }
}
