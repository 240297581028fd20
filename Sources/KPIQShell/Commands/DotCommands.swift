import KPIQ

/// The one-line commands that start with a dot: settings and descriptions of the session.
package struct DotCommands {
    package let context: ShellContext

    package init(context: ShellContext) {
        self.context = context
    }

    /// Every command with its arguments and a line of help.
    package static let all: [(name: String, arguments: String, help: String)] = [
        ("help", "[topic]", "this list, or help on a topic (load, pipelines, windows, functions, metrics, show, targets, funnel, cohort, attribution, check, statistics, formats)"),
        ("datasets", "", "loaded datasets: rows, columns, memory (also .tables, \\d)"),
        ("schema", "NAME", "columns of a dataset: type, nulls, distinct values, examples"),
        ("metrics", "", "defined metrics with their formulas and formats"),
        ("explain", "NAME|STATEMENT", "a metric's definition and what it reads, or the plan a statement runs"),
        ("targets", "", "targets set with `target`"),
        ("asof", "[DATE|today]", "the date `today`, `last 30 days` and partial periods count from"),
        ("memory", "[SIZE|default]", "the memory datasets and a statement may take (4GB, 512MB, 50%); shows it without SIZE"),
        ("mode", "[MODE]", "how results are printed: table, csv, json, markdown, line, html (a report: .help formats)"),
        ("timer", "[on|off]", "print the wall time of each statement"),
        ("maxrows", "[N]", "rows shown before the middle of a result is left out (0: all)"),
        ("maxwidth", "[N]", "widest column, in characters, before text is cut"),
        ("pager", "[on|off]", "results taller or wider than the terminal go through $PAGER (less -SRFX)"),
        ("show", "", "every setting and its value (a setting's command alone shows one)"),
        ("chart", "[bar|line] [X] [Y...]", "draw the last result"),
        ("last", "", "the whole last result, every row"),
        ("export", "FILE [overwrite]", "write the last result to a CSV file (FILE.html: an HTML report of it; overwrite: even a file a dataset was loaded from)"),
        ("save", "FILE [overwrite]", "keep the whole session (datasets, metrics, targets) in one file, as `save \"FILE\"`"),
        ("open", "FILE", "replace the session with one kept by .save (also `kpiq FILE.kpiq`)"),
        ("read", "FILE", "run a script file"),
        ("output", "[FILE]", "send results to a file; without FILE, back to the terminal"),
        ("quit", "", "leave (also .exit, exit, quit, \\q, or Ctrl-D)"),
    ]

    /// Runs one command line (starting with `.`). Returns false on an error.
    @discardableResult
    package func run(_ line: String, lineNumber: Int = 1, scriptName: String = "input") -> Bool {
        let words = Self.split(line)
        guard let first = words.first else { return true }
        let name = String(first.dropFirst()).lowercased()
        let arguments = Array(words.dropFirst())
        do {
            if name == "explain", arguments.count > 1 {
                // The rest of the line is a statement, read as typed (quotes and all).
                return explain(statement: Self.rest(of: line), lineNumber: lineNumber, scriptName: scriptName)
            }
            try execute(name, arguments)
            return true
        } catch let failure as Failure {
            context.errors.write("error: \(failure.message)\n" + (failure.hint.map { "help: \($0)\n" } ?? ""))
            return false
        } catch let diagnostic as Diagnostic {
            context.report(diagnostic, source: nil)
            return false
        } catch {
            context.errors.write("error: \(error)\n")
            return false
        }
    }

    /// `.explain STATEMENT`: the plan, or the statement's diagnostic shown on its text.
    private func explain(statement text: String, lineNumber: Int, scriptName: String) -> Bool {
        let source = SourceText(name: scriptName, text: text, firstLine: lineNumber)
        do {
            explanation(try context.session.explain(statement: source))
            return true
        } catch let diagnostic as Diagnostic {
            context.report(diagnostic, source: source)
            return false
        } catch {
            context.errors.write("error: \(error)\n")
            return false
        }
    }

    /// Explanations are not data: in a machine format (csv, json) they go to standard error,
    /// with the other messages, so that standard output holds only results.
    private func explanation(_ text: String) {
        context.message(text.trimmingTrailingWhitespace)
    }

    /// What follows the command word of a line (`.explain from x | ...` gives `from x | ...`).
    static func rest(of line: String) -> String {
        let afterCommand = line.drop { $0.isWhitespace }.drop { !$0.isWhitespace }
        return String(afterCommand.drop { $0.isWhitespace })
    }

    struct Failure: Error {
        let message: String
        var hint: String?
    }

    /// Words of a command line; double quotes group words with spaces.
    static func split(_ line: some StringProtocol) -> [String] {
        let scan = scanWords(line)
        return scan.words + (scan.partial.map { [$0] } ?? [])
    }

    /// The words of a command line so far: those ended by a blank, the one still being typed
    /// (nil after a blank), and whether a double quote is open (Tab completion needs all three).
    static func scanWords(_ line: some StringProtocol) -> (words: [String], partial: String?, inQuotes: Bool) {
        var words: [String] = []
        var current = ""
        var quoted = false
        var hasWord = false
        for c in line {
            if c == "\"" {
                quoted.toggle()
                hasWord = true
            } else if c.isWhitespace, !quoted {
                if hasWord { words.append(current) }
                current = ""
                hasWord = false
            } else {
                current.append(c)
                hasWord = true
            }
        }
        return (words, hasWord ? current : nil, quoted)
    }

    private func require(_ arguments: [String], _ count: Int, _ usage: String) throws {
        guard arguments.count == count else { throw Failure(message: "usage: \(usage)") }
    }

    private func execute(_ name: String, _ arguments: [String]) throws {
        switch name {
        case "help":
            context.output.write(HelpText.text(topic: arguments.first))
        case "datasets", "tables":
            describe(context.session.datasetsTable())
        case "schema":
            if arguments.isEmpty {
                for dataset in context.session.datasetNames {
                    context.output.write("\(dataset)\n")
                    describe(try context.session.schemaTable(dataset))
                }
            } else {
                try require(arguments, 1, ".schema NAME")
                describe(try context.session.schemaTable(arguments[0]))
            }
        case "metrics":
            describe(context.session.metricsTable())
        case "explain":
            // Several words are a statement (see `run`).
            try require(arguments, 1, ".explain METRIC | .explain STATEMENT")
            explanation(try context.session.explain(arguments[0]))
        case "targets":
            describe(context.session.targetsTable())
        case "asof":
            if arguments.isEmpty {
                context.output.write("as of \(CivilCalendar.formatDate(context.session.settings.effectiveAsOf))\(context.session.settings.asOf == nil ? " (today)" : "")\n")
                return
            }
            try require(arguments, 1, ".asof YYYY-MM-DD | today")
            if arguments[0].lowercased() == "today" {
                context.session.settings.asOf = nil
            } else {
                guard let day = CivilCalendar.parseDate(arguments[0]) else {
                    throw Failure(message: "`\(arguments[0])` is not a date", hint: "write it YYYY-MM-DD")
                }
                context.session.settings.asOf = day
            }
            context.message("as of \(CivilCalendar.formatDate(context.session.settings.effectiveAsOf))")
        case _ where arguments.isEmpty && ["mode", "timer", "maxrows", "maxwidth", "pager"].contains(name):
            // A setting's command alone says its value.
            context.output.write(settingText(name) + "\n")
        case "show":
            try require(arguments, 0, ".show")
            let names = ["mode", "timer", "maxrows", "maxwidth", "pager", "memory", "asof", "output"]
            let width = names.map(\.count).max() ?? 0
            for name in names {
                context.output.write(String(repeating: " ", count: width - name.count) + name + ": " + settingText(name) + "\n")
            }
        case "memory":
            let settings = context.session.settings
            if arguments.isEmpty {
                let budget = context.session.memoryBudget
                context.output.write("memory limit \(ByteSize.text(settings.memoryLimit))\(settings.memoryLimit == MemoryBudget.defaultLimit ? " (default: 80% of the machine's memory)" : ""); datasets hold \(ByteSize.text(budget.held)), \(ByteSize.text(budget.available)) free for statements\n")
                return
            }
            try require(arguments, 1, ".memory SIZE | default")
            context.session.settings.memoryLimit = try Self.memoryLimit(arguments[0])
            context.message("memory limit \(ByteSize.text(context.session.settings.memoryLimit))")
        case "mode":
            try require(arguments, 1, ".mode table|csv|json|markdown|line|html")
            guard let mode = OutputMode(rawValue: arguments[0].lowercased()) else {
                throw Failure(message: "unknown mode `\(arguments[0])`", hint: "modes: " + OutputMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            // A report gathered so far is finished in the mode it was started in.
            if mode != .html { context.flushReport() }
            context.mode = mode
        case "timer":
            try require(arguments, 1, ".timer on|off")
            context.timer = try onOff(arguments[0])
        case "pager":
            try require(arguments, 1, ".pager on|off")
            context.pager = try onOff(arguments[0])
        case "maxrows", "maxwidth":
            try require(arguments, 1, ".\(name) N")
            if name == "maxrows" {
                guard let n = Int(arguments[0]), n >= 0 else { throw Failure(message: "`\(arguments[0])` is not a number of rows", hint: "0 shows every row") }
                context.maxRows = n
            } else {
                guard let n = Int(arguments[0]), n > 0 else { throw Failure(message: "`\(arguments[0])` is not a positive number") }
                context.maxWidth = max(4, n)
            }
        case "chart":
            guard let result = context.session.lastResult else { throw Failure(message: "there is no result to chart yet", hint: "run a query first") }
            var style = ChartRequest.Style.auto
            var rest = arguments
            if let first = rest.first, let s = ChartRequest.Style(rawValue: first.lowercased()) {
                style = s
                rest.removeFirst()
            } else if let first = rest.first, result.table.index(of: first) == nil {
                throw Failure(message: "`\(first)` is neither a chart style (bar, line) nor a column of the last result",
                              hint: "columns: " + result.table.names.joined(separator: ", "))
            }
            let request = ChartRequest(style: style, x: rest.first, y: Array(rest.dropFirst()))
            if context.mode == .html {
                context.addToReport(.chart(result, request))
                return
            }
            do {
                context.output.write(try ChartRenderer(width: context.terminalWidth ?? 80, unicode: context.unicode).render(result, request: request))
            } catch {
                throw Failure(message: "\(error)")
            }
        case "last":
            guard let result = context.session.lastResult else { throw Failure(message: "there is no result yet") }
            let saved = context.maxRows
            context.maxRows = Int.max
            show(result)
            context.maxRows = saved
        case "export":
            let overwrite = arguments.count == 2 && arguments[1].lowercased() == "overwrite"
            guard arguments.count == 1 || overwrite else { throw Failure(message: "usage: .export FILE.csv [overwrite]") }
            do {
                let rows = try context.session.exportLastResult(to: resolve(arguments[0]), written: arguments[0], overwrite: overwrite,
                                                                howToOverwrite: ".export \(arguments[0]) overwrite")
                context.message("exported \(ValueFormatter.grouped(Int64(rows))) row\(rows == 1 ? "" : "s") to \(arguments[0])")
            } catch let diagnostic as Diagnostic {
                throw Failure(message: diagnostic.message, hint: diagnostic.hints.first)
            }
        case "save", "open":
            // The statements `save "FILE"` and `open "FILE"`, with the path quoted for them.
            let overwrite = name == "save" && arguments.count == 2 && arguments[1].lowercased() == "overwrite"
            guard arguments.count == 1 || overwrite else { throw Failure(message: name == "save" ? "usage: .save FILE [overwrite]" : "usage: .open FILE") }
            let quoted = "\"" + arguments[0].replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
            if !SourceRunner(context: context).run("\(name) \(quoted)\(overwrite ? " overwrite" : "")", name: ".\(name)") {
                throw Failure(message: ".\(name) stopped at the error above")
            }
        case "read":
            try require(arguments, 1, ".read FILE")
            let path = resolve(arguments[0])
            guard let text = FileText.read(path) else { throw Failure(message: "cannot read `\(arguments[0])`: \(FileText.lastError())") }
            let saved = context.baseDirectory
            context.baseDirectory = FileText.directory(of: path)
            defer { context.baseDirectory = saved }
            if !SourceRunner(context: context).run(text, name: arguments[0]) { throw Failure(message: "`\(arguments[0])` stopped at the error above") }
        case "output":
            // What was gathered for a report goes where it was headed.
            context.flushReport()
            if arguments.isEmpty {
                context.output = .standardOutput
            } else {
                try require(arguments, 1, ".output [FILE]")
                // Opening the file empties it: never one a dataset was loaded from.
                if let dataset = context.session.datasetLoaded(from: resolve(arguments[0])) {
                    throw Failure(message: "`\(arguments[0])` is the file dataset `\(dataset)` was loaded from; writing results to it would replace it",
                                  hint: "send results to another file")
                }
                do {
                    context.output = try Output(path: resolve(arguments[0]))
                } catch let error as Output.OutputError {
                    throw Failure(message: "cannot write `\(arguments[0])`: \(error.reason)")
                }
            }
        case "quit", "exit", "q":
            context.quitRequested = true
        default:
            let names = Self.all.map(\.name)
            var hint = "commands: " + names.map { "." + $0 }.joined(separator: " ")
            if let near = EditDistance.closest(to: name, among: names) { hint = "did you mean `.\(near)`?" }
            throw Failure(message: "unknown command `.\(name)`", hint: hint)
        }
    }

    /// A setting's current value as its command takes it.
    private func settingText(_ name: String) -> String {
        switch name {
        case "mode": return context.mode.rawValue
        case "timer": return context.timer ? "on" : "off"
        case "pager": return context.pager ? "on (\(Pager.command))" : "off"
        case "maxrows": return context.maxRows == Int.max ? "0" : String(context.maxRows)
        case "maxwidth": return String(context.maxWidth)
        case "asof":
            return CivilCalendar.formatDate(context.session.settings.effectiveAsOf) + (context.session.settings.asOf == nil ? " (today)" : "")
        case "output": return context.output.path ?? "the terminal (standard output)"
        case "memory":
            let settings = context.session.settings
            return ByteSize.text(settings.memoryLimit) + (settings.memoryLimit == MemoryBudget.defaultLimit ? " (default: 80% of the machine's memory)" : "")
        default: return ""
        }
    }

    /// A memory limit as typed (`4GB`, `512MiB`, `50%` of the machine, `default`).
    static func memoryLimit(_ text: String) throws -> Int {
        if text.lowercased() == "default" { return MemoryBudget.defaultLimit }
        guard let bytes = ByteSize.parse(text, percentOf: MemoryBudget.machineMemory), bytes > 0 else {
            throw Failure(message: "`\(text)` is not a size of memory", hint: "write it like 4GB, 512MB, 1.5GiB or 50% (of the machine's memory), or `default`")
        }
        return bytes
    }

    private func onOff(_ word: String) throws -> Bool {
        switch word.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw Failure(message: "expected on or off, found `\(word)`")
        }
    }

    /// `~` expanded, then a relative path taken from the script's folder.
    private func resolve(_ path: String) -> String {
        let path = HomePath.expanded(path)
        guard let base = context.baseDirectory, !path.hasPrefix("/") else { return path }
        return base + "/" + path
    }

    /// A description of the session (datasets, columns, metrics, targets): every row and
    /// whole values, since a cut formula or a hidden metric is a wrong answer. When the table
    /// is wider than the terminal, one value per line instead.
    private func describe(_ table: Table) {
        let result = QueryResult(table: table)
        guard context.mode == .table else { return show(result) }
        let text = TableRenderer(maxRows: 0, maxColumnWidth: Int.max, terminalWidth: nil, unicode: context.unicode).render(result)
        if let width = context.terminalWidth, text.split(separator: "\n").contains(where: { TerminalText.width(String($0)) > width }) {
            context.present(MachineFormats.lines(result))
        } else {
            context.present(text)
        }
    }

    private func show(_ result: QueryResult) {
        context.show(result)
    }
}
