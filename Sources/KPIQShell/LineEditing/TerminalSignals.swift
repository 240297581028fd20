import CEditLine

/// Keys that raise signals (Ctrl-C, Ctrl-Z) are turned off while a line is edited and must be
/// on while a statement runs, so Ctrl-C reaches the SIGINT handler that cancels it. libedit
/// restores the terminal's own modes when `el_gets` returns; this makes sure they include ISIG.
enum TerminalSignals {
    /// Makes sure Ctrl-C, Ctrl-Z and window changes reach this (the main) thread even when
    /// the parent started kpiq with them blocked; call once before the first prompt.
    static func unblock() {
        _ = kpiq_unblock_terminal_signals()
    }

    /// Turns ISIG back on for the terminal if something left it off; call before a statement.
    static func ensureEnabled(descriptor: Int32 = 0) {
        _ = kpiq_tty_ensure_signals(descriptor)
    }
}
