#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `.pager on`: output taller or wider than the terminal goes through `$PAGER` (default
/// `less -SRFX`: long lines scroll sideways instead of wrapping, colours pass, a result that
/// fits the screen is printed and less quits at once, and the screen is not cleared).
enum Pager {
    static let defaultCommand = "less -SRFX"

    /// The command to run: `$PAGER`, or `less -SRFX`.
    static var command: String {
        if let chosen = CommandHistory.environment("PAGER"), !chosen.trimmingCharacters(in: " ").isEmpty { return chosen }
        return defaultCommand
    }

    /// The terminal's rows and columns, when standard output is one.
    static func screen() -> (rows: Int, columns: Int)? {
        guard isatty(1) == 1 else { return nil }
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// Whether `text` is taller (leaving a row for the prompt) or wider than the screen.
    static func needed(for text: String, screen: (rows: Int, columns: Int)) -> Bool {
        var lines = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines += 1
            if lines >= screen.rows || TerminalText.width(String(line)) > screen.columns { return true }
        }
        return false
    }

    /// Writes `text` through the pager and waits for it to end. False when it could not run.
    static func show(_ text: String) -> Bool {
        // Quitting the pager before the end closes the pipe: that must not end kpiq.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        guard let pipe = popen(command, "w") else { return false }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { fwrite($0.baseAddress, 1, $0.count, pipe) }
        pclose(pipe)
        return true
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        String(Substring(self).trimmingCharacters(in: set))
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }
}
