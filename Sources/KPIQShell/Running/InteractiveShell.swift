import KPIQ

/// The interactive prompt on a terminal: line editing, history kept between sessions, Tab
/// completion, multi-line statements, Ctrl-C to discard a line or stop a statement, Ctrl-D
/// to leave. A line starting with `|` extends the statement run before it, as in a script. (When standard input is not a terminal, `CommandLineRunner` runs it as a script.)
package struct InteractiveShell {
    package let context: ShellContext

    static let prompt = "kpiq> "
    /// Shown while a statement is unfinished; as wide as `prompt` so lines align.
    static let continuationPrompt = " ...> "

    package init(context: ShellContext) {
        self.context = context
    }

    package func run() -> Int32 {
        context.output.write(Self.banner(datasets: context.session.datasetNames, unicode: context.unicode))
        guard let history = CommandHistory(path: CommandHistory.defaultPath()),
            let editor = LineEditor(program: "kpiq", history: history)
        else {
            context.errors.write("error: cannot start the line editor\n")
            return 1
        }
        TerminalSignals.unblock()
        let runner = SourceRunner(context: context)
        var pending = ""
        // The last statement run, which a line starting with `|` extends.
        var previous: String?
        let session = context.session
        editor.completion = { before in
            let completer = Completer(vocabulary: SessionVocabulary(session: session))
            return completer.complete(pending.isEmpty ? before : pending + "\n" + before)
        }
        while !context.quitRequested {
            // Up and Ctrl-R also find what other shells sharing the history file ran.
            if pending.isEmpty { history.readOthers() }
            switch editor.read(prompt: pending.isEmpty ? Self.prompt : Self.continuationPrompt) {
            case .end:
                // libedit has echoed `^D`; leave on a fresh line.
                Output.standardOutput.write("\n")
                context.flushReport()
                return 0
            case .cancelled:
                pending = ""
            case .line(let line):
                if pending.isEmpty, line.allSatisfy(\.isWhitespace) { continue }
                if pending.isEmpty, let previous, Self.startsWithStep(line) {
                    // As in a script, a line starting with `|` continues the statement before:
                    // it runs again with the new step.
                    pending = previous + "\n" + line
                } else {
                    pending = pending.isEmpty ? line : pending + "\n" + line
                }
                // Lines already waiting (a paste, or lines typed ahead) belong to the same
                // block: read them all before deciding whether it is complete, so a block runs
                // as `.read` runs the same text instead of each partial statement on its own.
                if editor.hasPendingInput() { continue }
                guard Self.isFinished(pending) else { continue }
                let statement = pending
                pending = ""
                previous = Self.isDotCommand(statement) ? nil : statement
                history.add(statement)
                // Ctrl-C while it runs raises the token (through the SIGINT handler); the
                // terminal's signal keys are on outside the editor, and the token starts low.
                TerminalSignals.ensureEnabled()
                context.cancel.reset()
                runner.run(statement, name: "input")
                // `.mode html` at the terminal: each input's results are a document; with
                // `.output FILE`, the file gets one document when it is closed.
                if context.output.path == nil { context.flushReport() }
                context.cancel.reset()
            }
        }
        context.flushReport()
        return 0
    }

    /// Two lines: how to start (load a file, or query the one loaded from the command line),
    /// and how to get help and leave.
    static func banner(datasets: [String], unicode: Bool) -> String {
        let dash = unicode ? "—" : "-"
        let start: String
        // Short enough for an 80-column terminal.
        if let name = datasets.last {
            start = "`\(name)` is loaded: try `from \(name) | ...` or `.schema \(name)`"
        } else {
            start = "start with `load \"file.csv\"`, then `from file | ...` or `show`"
        }
        return "\(KPIQVersion.description) \(dash) \(start)\n.help for help (.help pipelines, .help show), Ctrl-D to leave\n"
    }

    /// A dot command is one line; statements run once their brackets, strings and trailing
    /// operators (`|`, `,`, `and`...) are closed. In a block of several lines, what counts is
    /// its end, split as a script is: the last dot command, or the statements after it.
    static func isFinished(_ text: String) -> Bool {
        guard let last = SourceRunner.pieces(text, name: "input").last else { return true }
        switch last {
        case .command: return true
        case .statements(let source): return InputCompleteness.isComplete(source.text)
        }
    }

    static func isDotCommand(_ text: String) -> Bool {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        return trimmed.hasPrefix(".") && trimmed.dropFirst().first?.isLetter == true || SourceRunner.habitCommand(trimmed) != nil
    }

    static func startsWithStep(_ line: String) -> Bool {
        line.drop { $0 == " " || $0 == "\t" }.hasPrefix("|")
    }
}
