#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEditLine

/// The editor functions kpiq adds to libedit and the keys bound to them: Tab completes,
/// Ctrl-C discards the line, Ctrl-Z suspends, Ctrl-R searches history backwards (arrow keys
/// during the search are sorted out in `TerminalInput`), Ctrl-U deletes to the line's start,
/// Ctrl-Left and Ctrl-Right move by words.
///
/// Signals are off while editing (`EL_SETTY -d -isig`): libedit forces ISIG on and retries
/// the first interrupted read, so a SIGINT handler alone would need Ctrl-C twice.
enum EditorKeys {
    static func register(on el: OpaquePointer) {
        kpiq_el_add_function(el, "kpiq-complete", "Complete the word before the cursor") { el, _ in
            EditorKeys.complete(el)
        }
        kpiq_el_add_function(el, "kpiq-cancel", "Discard the line") { el, _ in
            EditorKeys.cancel(el)
        }
        kpiq_el_add_function(el, "kpiq-suspend", "Suspend kpiq") { el, _ in
            EditorKeys.suspend(el)
        }
    }

    static func bind(on el: OpaquePointer, vi: Bool) {
        kpiq_el_bind(el, "^I", "kpiq-complete")
        kpiq_el_bind(el, "^C", "kpiq-cancel")
        kpiq_el_bind(el, "^Z", "kpiq-suspend")
        kpiq_el_bind(el, "^R", "em-inc-search-prev")
        // Ctrl-U deletes back to the start of the line, as in readline and the terminal's
        // own line mode (libedit's emacs map kills the whole line).
        kpiq_el_bind(el, "^U", "vi-kill-line-prev")
        // Ctrl-Left and Ctrl-Right move by words. libedit knows no sequences with modifiers
        // and would insert their tails (`5D`): xterm's and rxvt's forms. Not in vi mode:
        // binding a sequence that starts with ESC in the insert map makes ESC wait for the
        // rest of it instead of switching to command mode.
        if !vi {
            for left in ["\\e[1;5D", "\\e[5D", "\\eOd"] { kpiq_el_bind(el, left, "ed-prev-word") }
            for right in ["\\e[1;5C", "\\e[5C", "\\eOc"] { kpiq_el_bind(el, right, "em-next-word") }
        }
        if vi {
            kpiq_el_bind_command_map(el, "^C", "kpiq-cancel")
            kpiq_el_bind_command_map(el, "^Z", "kpiq-suspend")
            kpiq_el_bind_command_map(el, "^R", "em-inc-search-prev")
        }
    }

    private static func code(_ value: Int32) -> UInt8 { UInt8(value) }

    /// The text of the line from `start` to `end` (pointers into libedit's buffer).
    private static func text(_ start: UnsafePointer<CChar>, _ end: UnsafePointer<CChar>) -> String {
        let count = end - start
        guard count > 0 else { return "" }
        return start.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }

    /// Tab: replaces the word before the cursor with the one choice or the prefix all choices
    /// share; otherwise lists the choices under the line.
    static func complete(_ el: OpaquePointer?) -> UInt8 {
        guard let el, let editor = LineEditor.owner(of: el), let info = el_line(el)?.pointee,
            let buffer = info.buffer, let cursor = info.cursor
        else { return code(CC_ERROR) }
        let before = text(buffer, cursor)
        guard let completion = editor.completion?(before), !completion.candidates.isEmpty else {
            return code(CC_ERROR)
        }
        if let insertion = completion.insertion {
            // libedit counts characters (wide characters), not bytes.
            el_deletestr(el, Int32(completion.word.unicodeScalars.count))
            if el_insertstr(el, insertion) != 0 { return code(CC_ERROR) }
            return code(CC_REFRESH)
        }
        let columns = CompletionList.terminalColumns()
        let listing = CompletionList.format(completion.candidates.map(\.display), width: columns)
        // A list longer than the screen would push the line out of view: ask first, as
        // readline does.
        let listingRows = listing.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        if listingRows >= CompletionList.terminalRows() - 2 {
            Output.standardOutput.write("\nDisplay all \(completion.candidates.count) possibilities? (y or n) ")
            var answer: CChar = 0
            let read = el_getc(el, &answer)
            if read != 1 || !(answer == CChar(UInt8(ascii: "y")) || answer == CChar(UInt8(ascii: "Y")) || answer == CChar(UInt8(ascii: " "))) {
                Output.standardOutput.write("\n")
                return code(CC_REDISPLAY)
            }
        }
        // libedit redraws the line by going up as many rows as the cursor was below the
        // prompt; leave that many blank rows under the list so the list stays in view.
        let row = CompletionList.cursorRow(promptWidth: editor.promptWidth, before: before, columns: columns)
        Output.standardOutput.write("\n" + listing + String(repeating: "\n", count: row))
        return code(CC_REDISPLAY)
    }

    /// Ctrl-C: marks the line cancelled, shows `^C` at its end and ends it (the pushed line
    /// break runs libedit's own newline, which moves below a line that wraps).
    static func cancel(_ el: OpaquePointer?) -> UInt8 {
        guard let el, let editor = LineEditor.owner(of: el) else { return code(CC_ERROR) }
        editor.cancelled = true
        if let info = el_line(el)?.pointee, let cursor = info.cursor, let last = info.lastchar {
            let after = text(cursor, last).unicodeScalars.count
            if after > 0 { _ = el_cursor(el, Int32(after)) }
        }
        _ = el_insertstr(el, "^C")
        el_push(el, "\n")
        return code(CC_REFRESH)
    }

    /// Ctrl-Z: stops the process group as the terminal would; libedit puts the terminal back
    /// on suspend and back in raw mode on resume (EL_SIGNAL); kill returns after the resume,
    /// and the prompt and line are drawn again below whatever the shell printed meanwhile.
    static func suspend(_ el: OpaquePointer?) -> UInt8 {
        // The shell kpiq returns to must not get its pastes marked.
        let marksPastes = LineEditor.owner(of: el)?.bracketedPaste ?? false
        if marksPastes { Output.standardOutput.write("\u{1B}[?2004l") }
        kill(0, SIGTSTP)
        if marksPastes { Output.standardOutput.write("\u{1B}[?2004h") }
        return code(CC_REDISPLAY)
    }
}
