#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine

/// A line editor on the terminal, built on libedit: the prompt, emacs or vi editing
/// (`~/.editrc` is read), history with Ctrl-R search, Tab completion and Ctrl-C to discard
/// the line. One per process, used from one thread.
final class LineEditor {
    /// What reading a line gave.
    enum Input: Equatable {
        /// A line, without its line break.
        case line(String)
        /// Ctrl-C: the line was discarded.
        case cancelled
        /// Ctrl-D on an empty line, or the terminal went away.
        case end
    }

    /// libedit's EditLine object.
    private let editor: OpaquePointer
    let history: CommandHistory
    /// The prompt, as C text that stays valid while libedit may draw it.
    private var promptText: UnsafeMutablePointer<CChar>
    /// Terminal cells the prompt takes.
    private(set) var promptWidth = 0
    /// Set by the Ctrl-C key function while a line is read.
    var cancelled = false
    /// Completion for the text before the cursor on the line being edited.
    var completion: ((_ beforeCursor: String) -> Completion?)?
    /// What libedit reads: standard input, with pastes and search keys sorted out.
    let input = TerminalInput()
    /// Whether the terminal is asked to mark pastes (not on a terminal that cannot).
    let bracketedPaste: Bool

    init?(program: String, history: CommandHistory) {
        // Without a locale, libedit silently drops non-ASCII input.
        setlocale(LC_CTYPE, "")
        guard let editor = kpiq_el_init(program) else { return nil }
        self.editor = editor
        self.history = history
        promptText = strdup("")
        let terminal = CommandHistory.environment("TERM") ?? ""
        // The mode is set by writing to standard output: only when that is the terminal.
        bracketedPaste = !terminal.isEmpty && terminal != "dumb" && isatty(1) == 1
        // Key and prompt functions are C functions without context: they find this object
        // through the editor's client data.
        kpiq_el_set_client_data(editor, Unmanaged.passUnretained(self).toOpaque())
        kpiq_el_set_prompt(editor) { el in LineEditor.owner(of: el)?.promptText }
        kpiq_el_set_editor(editor, "emacs")
        // libedit's handlers while editing: window size changes, suspend and resume.
        kpiq_el_set_signal(editor, 1)
        // Ctrl-C and Ctrl-Z arrive as keys while editing (see EditorKeys).
        kpiq_el_set_tty_no_signals(editor)
        kpiq_el_set_history(editor, history.handle)
        kpiq_el_set_read_function(editor) { el, character in
            guard let el, let character, let owner = LineEditor.owner(of: el) else { return -1 }
            return owner.readCharacter(el, into: character)
        }
        EditorKeys.register(on: editor)
        EditorKeys.bind(on: editor, vi: false)
        // ~/.editrc (or $EDITRC). `bind -v` there resets the key maps: bind ours again.
        el_source(editor, nil)
        if isViMode { EditorKeys.bind(on: editor, vi: true) }
    }

    deinit {
        el_end(editor)
        free(promptText)
    }

    var isViMode: Bool {
        guard let mode = kpiq_el_get_editor(editor) else { return false }
        return String(cString: mode) == "vi"
    }

    /// Reads one line with `prompt`.
    func read(prompt: String) -> Input {
        free(promptText)
        promptText = strdup(prompt)
        promptWidth = CompletionList.displayWidth(prompt)
        cancelled = false
        // The window may have changed size while a statement ran.
        el_resize(editor)
        input.searching = false
        // Pastes arrive marked only while a line is edited: a paste while a statement runs
        // is typed ahead as plain text, as the terminal would show it.
        if bracketedPaste { Output.standardOutput.write("\u{1B}[?2004h") }
        defer { if bracketedPaste { Output.standardOutput.write("\u{1B}[?2004l") } }
        var failures = 0
        while true {
            var count: Int32 = 0
            guard let line = el_gets(editor, &count) else {
                // -1 is an error or a signal; try again a few times for a stray signal.
                if count < 0, errno == EINTR, failures < 3 {
                    failures += 1
                    continue
                }
                return .end
            }
            var text = String(cString: line)
            if cancelled {
                cancelled = false
                return .cancelled
            }
            if text.hasSuffix("\n") { text.removeLast() }
            return .line(text)
        }
    }

    /// True when more input is already waiting (the rest of a paste, lines typed ahead), or
    /// arrives within `milliseconds`: the line just read is not the last of a block.
    func hasPendingInput(milliseconds: Int32 = 20) -> Bool {
        input.hasPendingInput(timeout: milliseconds)
    }

    /// libedit's read function: one character from `input`.
    private func readCharacter(_ el: OpaquePointer, into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        let next = input.next(lineIsEmpty: {
            guard let info = el_line(el)?.pointee else { return true }
            return info.buffer == info.lastchar
        })
        guard let next else { return 0 }
        character.pointee = wchar_t(bitPattern: next)
        return 1
    }

    /// The editor that owns `el`, from its client data.
    static func owner(of el: OpaquePointer?) -> LineEditor? {
        guard let el, let data = kpiq_el_get_client_data(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }
}
