#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KPIQ

/// How results are printed.
package enum OutputMode: String, CaseIterable, Sendable {
    case table, csv, json, markdown, line, html

    /// Formats for programs: messages go to standard error so the data stays clean.
    var isMachine: Bool { self == .csv || self == .json }

    /// Formats whose output must hold nothing but results (machine formats, and the HTML
    /// document): confirmations and notes go to standard error.
    var keepsMessagesOut: Bool { isMachine || self == .html }
}

/// The state of one kpiq process: the engine session plus how to show things.
package final class ShellContext {
    package let session = Session()
    package var mode: OutputMode = .table
    package var maxRows = 40
    package var maxWidth = 40
    package var timer = false
    /// `.pager on`: results taller or wider than the terminal go through `$PAGER`.
    package var pager = false
    package var output: Output = .standardOutput
    package var errors: Output = .standardError
    /// True when the terminal's locale is UTF-8 (else charts and ellipses use ASCII).
    package var unicode: Bool
    /// Raised by Ctrl-C; the engine checks it between batches.
    package let cancel = CancellationToken()
    /// Set by `.quit`.
    package var quitRequested = false
    /// `check`s that found rows so far: a script that had any exits with status 3.
    package var failedChecks = 0
    /// Folder for relative paths in `load`, `.read`, `export` (a script's own folder).
    package var baseDirectory: String?

    /// `.mode html`: the report being gathered, written to `output` as one document by
    /// `flushReport` (at the end of a run, or when the output or the mode changes).
    package var report: HTMLReport?
    /// The heading of reports (the script's name).
    package var reportTitle = "kpiq report"
    /// The text of the statement whose results are being shown (a report prints it).
    var currentStatement: String?

    package init() {
        unicode = ShellContext.localeIsUTF8()
        // `export "r.html"` writes the last result as a report.
        let writer: (QueryResult, String) throws -> Void = { [unowned self] result, path in
            try CSVWriter.writeAtomically(self.document(for: result), to: path)
        }
        session.exportWriters["html"] = writer
        session.exportWriters["htm"] = writer
    }

    /// A report holding one result, with the session's as-of day and data sources.
    package func document(for result: QueryResult) -> String {
        var report = HTMLReport(title: result.title ?? reportTitle)
        report.items = [.result(result, statement: nil)]
        report.describe(session)
        return report.document()
    }

    /// Adds an item to the report being gathered.
    func addToReport(_ item: HTMLReport.Item) {
        if report == nil { report = HTMLReport(title: reportTitle) }
        report!.items.append(item)
    }

    /// Writes the gathered report, if any, to the output as one document.
    package func flushReport() {
        guard var report, !report.items.isEmpty else {
            self.report = nil
            return
        }
        self.report = nil
        report.describe(session)
        output.write(report.document())
    }

    static func localeIsUTF8() -> Bool {
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            if let value = getenv(name) {
                let text = String(cString: value)
                if text.isEmpty { continue }
                return text.uppercased().contains("UTF-8") || text.uppercased().contains("UTF8")
            }
        }
        return false
    }

    /// A fixed width to render for instead of the terminal's (tests).
    package var fixedTerminalWidth: Int?

    /// Columns of the terminal on standard output, if it is one.
    package var terminalWidth: Int? {
        if let fixedTerminalWidth { return fixedTerminalWidth }
        guard output.isTerminal else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return nil
    }

    /// A result as text in the current mode.
    package func render(_ result: QueryResult) -> String {
        // Detail columns (the days a comparison read) are data for machines; the notes under
        // a table say the same to a person.
        let result = mode == .csv || mode == .json ? result : result.withoutDetailColumns()
        switch mode {
        case .table:
            // A file from `.output` is read later, not scrolled past: it gets every row.
            let maxRows = output.path == nil ? self.maxRows : 0
            var renderer = TableRenderer(maxRows: maxRows, maxColumnWidth: maxWidth, terminalWidth: terminalWidth, unicode: unicode)
            let cancel = self.cancel
            renderer.isCancelled = { cancel.isCancelled }
            var text = renderer.render(result)
            if let chart = result.chart {
                do {
                    text += "\n" + (try ChartRenderer(width: terminalWidth ?? 80, unicode: unicode).render(result, request: chart))
                } catch {
                    text += "(no chart: \(error))\n"
                }
            }
            return text
        case .csv, .json, .markdown, .line:
            return machineText(result, .whole(result.table), decimals: machineDecimals(result))
        case .html: return document(for: result)
        }
    }

    /// The rows of `slice` in a format that prints every row (csv, json, markdown, line).
    private func machineText(_ result: QueryResult, _ slice: MachineFormats.Slice, decimals: [Int?]?) -> String {
        switch mode {
        case .csv: return MachineFormats.csv(result, slice)
        case .json: return MachineFormats.json(result, slice)
        case .markdown: return MachineFormats.markdown(result, slice, decimals: decimals) + (slice.isLast ? "\n" : "")
        default: return MachineFormats.lines(result, slice, decimals: decimals)
        }
    }

    /// The decimals per column that markdown and line output share across slices (one
    /// rounding for the whole column, as a table has).
    private func machineDecimals(_ result: QueryResult) -> [Int?]? {
        mode == .markdown || mode == .line ? MachineFormats.decimals(result) : nil
    }

    /// Prints a result in the current mode. Ctrl-C (the cancellation token) stops laying it
    /// out or printing it; returns false then, after saying so.
    @discardableResult
    func show(_ result: QueryResult) -> Bool {
        switch mode {
        case .html:
            // Results gather into one document.
            addToReport(.result(result, statement: currentStatement))
            return true
        case .csv, .json, .markdown, .line:
            // Through the pager, the text is paged as a whole.
            return pager && output.isTerminal ? present(render(result)) : presentInSlices(result)
        case .table:
            return present(render(result))
        }
    }

    /// The formats that print every row, rendered and written a slice of rows at a time: a
    /// result of millions of rows is never one string, and Ctrl-C stops it between slices.
    private func presentInSlices(_ result: QueryResult) -> Bool {
        let result = mode == .csv || mode == .json ? result : result.withoutDetailColumns()
        let decimals = machineDecimals(result)
        for slice in MachineFormats.Slice.slices(of: result.table.rowCount) {
            var text = machineText(result, slice, decimals: decimals)
            if output.isTerminal { text = TerminalText.visible(text, keepingLayout: true) }
            if cancel.isCancelled || !output.write(text, stoppingWhen: { cancel.isCancelled }) {
                errors.write("printing stopped (Ctrl-C)\n")
                return false
            }
        }
        return true
    }

    /// Prints rendered output: made safe for a terminal, through the pager when it is on and
    /// needed, in pieces that Ctrl-C can stop. False when Ctrl-C stopped it.
    @discardableResult
    func present(_ text: String) -> Bool {
        var text = text
        // Tables escape control characters cell by cell; other formats keep the data as it
        // is for files and programs, but a terminal must not be driven by it (an ESC in a
        // field would recolour it).
        if output.isTerminal { text = TerminalText.visible(text, keepingLayout: true) }
        if pager, output.descriptor == 1, let screen = Pager.screen(), Pager.needed(for: text, screen: screen), Pager.show(text) {
            // A Ctrl-C in the pager was for the pager.
            cancel.reset()
            return true
        }
        if !cancel.isCancelled, output.write(text, stoppingWhen: { cancel.isCancelled }) { return true }
        errors.write("printing stopped (Ctrl-C)\n")
        return false
    }

    /// Writes a confirmation ("loaded ...") where it belongs for the mode.
    func message(_ text: String) {
        if mode.keepsMessagesOut { errors.write(text + "\n") } else { output.write(text + "\n") }
    }

    /// Writes a note for the person at the terminal (`.timer`'s run times): never into the
    /// data, so to standard error when results go to a file or are for a program.
    func note(_ text: String) {
        if mode.keepsMessagesOut || output.path != nil { errors.write(text + "\n") } else { output.write(text + "\n") }
    }

    func report(_ diagnostic: Diagnostic, source: SourceText?) {
        let text = DiagnosticRenderer.render(diagnostic, source: source)
        errors.write(text)
        // A report says where its script stopped, instead of ending as if it were whole.
        if mode == .html, diagnostic.severity == .error { addToReport(.error(TerminalText.visible(text, keepingLayout: true))) }
    }
}
