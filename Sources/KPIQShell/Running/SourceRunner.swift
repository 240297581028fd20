import Dispatch
import KPIQ

/// Runs kpiq text that may mix statements and dot commands (a script, piped input, a line
/// typed at the prompt): splits it, checks all statements' syntax first, then runs each piece
/// in order and prints results. Stops at the first error and says whether all went well.
package struct SourceRunner {
    package let context: ShellContext

    package init(context: ShellContext) {
        self.context = context
    }

    /// A piece of input: kpiq statements (with where they start) or one dot command.
    enum Piece {
        case statements(SourceText)
        case command(String, line: Int)
    }

    /// Splits text into statements and dot commands. A line starting with `.` is a command
    /// when the statements before it are complete (not inside brackets or a string).
    static func pieces(_ text: String, name: String, firstLine: Int = 1) -> [Piece] {
        var pieces: [Piece] = []
        var pending: [Substring] = []
        var pendingStart = firstLine
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func flush() {
            let body = pending.joined(separator: "\n")
            if !body.allSatisfy({ $0.isWhitespace }) {
                pieces.append(.statements(SourceText(name: name, text: body, firstLine: pendingStart)))
            }
            pending = []
        }
        for (offset, line) in lines.enumerated() {
            let number = firstLine + offset
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            let command = trimmed.hasPrefix(".") && trimmed.dropFirst().first?.isLetter == true ? String(trimmed) : habitCommand(trimmed)
            if let command, InputCompleteness.isComplete(pending.joined(separator: "\n")) {
                flush()
                pieces.append(.command(command.trimmingTrailingWhitespace, line: number))
                pendingStart = number + 1
                continue
            }
            if pending.isEmpty { pendingStart = number }
            pending.append(line)
        }
        flush()
        return pieces
    }

    /// The dot command a line typed from another shell's habit means: `help` (psql, sqlite's
    /// `.help`), `exit`, `quit`, `\q`, `\d` (the datasets) and `\d NAME` (one's columns),
    /// with or without a closing `;`. Nil for any other line; none of these is a statement.
    static func habitCommand(_ line: Substring) -> String? {
        var text = String(line).trimmingTrailingWhitespace
        if text.hasSuffix(";") { text = String(text.dropLast()).trimmingTrailingWhitespace }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first?.lowercased() else { return nil }
        let rest = words.dropFirst().joined(separator: " ")
        switch first {
        case "help", "\\?", "\\h": return rest.isEmpty ? ".help" : ".help " + rest
        case "exit", "quit", "\\q": return words.count == 1 ? ".quit" : nil
        case "\\d", "\\dt": return rest.isEmpty ? ".datasets" : ".schema " + rest
        default: return nil
        }
    }

    /// Runs `text`; returns false when something failed (the rest was not run).
    @discardableResult
    package func run(_ text: String, name: String, firstLine: Int = 1) -> Bool {
        let pieces = Self.pieces(text, name: name, firstLine: firstLine)
        // Syntax first: a typo at the end of a script stops it before anything runs.
        for piece in pieces {
            if case .statements(let source) = piece {
                let parsed = Parser.parse(source)
                if let first = parsed.diagnostics.first {
                    context.report(first, source: source)
                    return false
                }
            }
        }
        for piece in pieces {
            switch piece {
            case .statements(let source):
                if !runStatements(source) { return false }
            case .command(let line, let number):
                // A report shows the command above what it printed.
                context.currentStatement = line
                defer { context.currentStatement = nil }
                if !DotCommands(context: context).run(line, lineNumber: number, scriptName: name) { return false }
            }
            if context.quitRequested { return true }
        }
        return true
    }

    /// Runs parsed statements, printing each one's warnings and output as soon as it ends (a
    /// long script shows its results as they come, and Ctrl-C in its tenth statement keeps
    /// the nine results already printed).
    func runStatements(_ source: SourceText) -> Bool {
        let progress = LoadProgress()
        let indicator = context.errors.isTerminal && !context.mode.isMachine ? ProgressIndicator(progress: progress, output: context.errors) : nil
        indicator?.start()
        defer { indicator?.stop() }
        // A report places the script's comments between the results, where they were.
        var comments = context.mode == .html ? ScriptComments.paragraphs(in: source)[...] : []
        func addComments(before offset: Int) {
            while let first = comments.first, first.start < offset {
                context.addToReport(.comment(first.text))
                comments.removeFirst()
            }
        }
        defer { context.currentStatement = nil }
        var printed = true
        let outcome = context.session.run(source, baseDirectory: context.baseDirectory, cancel: context.cancel, progress: progress) { report in
            // The progress line is erased before anything is printed, and drawn again for
            // the next statement.
            indicator?.stop()
            defer { indicator?.start() }
            for warning in report.warnings { context.report(warning, source: source) }
            if let output = report.output {
                addComments(before: report.span.end)
                switch output {
                case .result(let result):
                    context.currentStatement = source.text(of: report.span)
                    // Ctrl-C while printing stops this result and those after it.
                    if !context.show(result) {
                        printed = false
                        return false
                    }
                case .message(let text): context.message(text)
                }
                if context.timer { context.note("Run Time: \(ValueFormatter.fixed(report.seconds, decimals: 3)) s") }
            }
            return true
        }
        indicator?.stop()
        context.failedChecks += outcome.failedChecks
        if !printed { return false }
        if let error = outcome.error {
            addComments(before: error.span?.start ?? 0)
            context.report(error, source: source)
            return false
        }
        addComments(before: Int.max)
        return true
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var s = self
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
