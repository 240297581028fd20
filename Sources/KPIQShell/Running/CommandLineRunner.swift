#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KPIQ

package enum KPIQVersion {
    package static let number = "0.1.0"
    package static var description: String { "kpiq \(number)" }
}

/// What the command line asked for.
package struct CommandLineOptions {
    package var commands: [String]
    package var format: String
    package var asOf: String?
    package var files: [String]
    /// `--init FILE`: a start-up file run first, instead of `~/.kpiqrc`.
    package var initFile: String?
    /// `--no-init`: no start-up file.
    package var noInit: Bool

    /// `--memory-limit` as typed (`4GB`, `50%`); nil: the default.
    package var memoryLimit: String?

    package init(commands: [String], format: String, asOf: String?, files: [String],
                initFile: String? = nil, noInit: Bool = false, memoryLimit: String? = nil) {
        self.commands = commands
        self.format = format
        self.asOf = asOf
        self.files = files
        self.initFile = initFile
        self.noInit = noInit
        self.memoryLimit = memoryLimit
    }
}

/// Runs what the command line asked for; returns the exit status.
package enum CommandLineRunner {
    package static func run(_ options: CommandLineOptions) -> Int32 {
        let context = ShellContext()
        guard let mode = OutputMode(rawValue: options.format.lowercased()) else {
            context.errors.write("error: unknown format `\(options.format)`; formats: table, csv, json, markdown, line, html\n")
            return 2
        }
        context.mode = mode
        // `--format html`: everything the run produced is one document, written at the end.
        defer { context.flushReport() }
        if let asOf = options.asOf {
            guard let day = CivilCalendar.parseDate(asOf) else {
                context.errors.write("error: --asof takes a date YYYY-MM-DD, found `\(asOf)`\n")
                return 2
            }
            context.session.settings.asOf = day
        }
        if let memoryLimit = options.memoryLimit {
            do {
                context.session.settings.memoryLimit = try DotCommands.memoryLimit(memoryLimit)
            } catch {
                context.errors.write("error: --memory-limit takes a size such as 4GB, 512MB or 50%, found `\(memoryLimit)`\n")
                return 2
            }
        }
        Interrupts.install(context.cancel)
        let runner = SourceRunner(context: context)
        let scripts = options.files.filter { !Self.isDataFile($0) }
        if !scripts.isEmpty {
            context.reportTitle = scripts.map { FileText.baseName(of: $0) }.joined(separator: ", ")
        }
        let scriptCount = options.files.filter { !Self.isDataFile($0) }.count
        let interactive = options.commands.isEmpty && scriptCount == 0 && isatty(0) == 1
        // The start-up file: `--init FILE` in any mode; `~/.kpiqrc` (as `.psqlrc`,
        // `.duckdbrc`) only when the prompt opens, so scripts give the same output everywhere.
        if !options.noInit, let path = options.initFile ?? (interactive ? Self.defaultInitFile() : nil) {
            if let text = FileText.read(path) {
                context.baseDirectory = FileText.directory(of: path)
                let ok = runner.run(text, name: path)
                context.baseDirectory = nil
                // At the prompt a mistake in the start-up file is reported and the prompt
                // opens anyway; a script must not run on a half-done setup.
                if !ok, !interactive { return status(context) }
                if context.quitRequested { return 0 }
            } else if options.initFile != nil {
                context.errors.write("error: cannot read start-up file `\(path)`: \(FileText.lastError())\n")
                return 2
            }
        }
        // `kpiq data.csv` loads the file and opens the prompt on it, as `duckdb file` or
        // `sqlite3 file` do, instead of reading the data as a script. Data files are loaded
        // first, so `-c` statements and scripts can read them.
        for file in options.files where Self.isDataFile(file) {
            context.baseDirectory = nil
            let quoted = file.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            // A saved session (`save "q4.kpiq"`) is opened rather than loaded.
            let statement = file.lowercased().hasSuffix(".kpiq") ? "open" : "load"
            if !runner.run("\(statement) \"\(quoted)\"", name: file) { return status(context) }
        }
        for command in options.commands {
            context.baseDirectory = nil
            if !runner.run(command, name: "-c") { return status(context) }
            if context.quitRequested { return 0 }
        }
        for file in options.files where !Self.isDataFile(file) {
            guard let text = FileText.read(file) else {
                context.errors.write("error: cannot read script `\(file)`: \(FileText.lastError())\n")
                return 2
            }
            context.baseDirectory = FileText.directory(of: file)
            if !runner.run(text, name: file) { return status(context) }
            if context.quitRequested { return 0 }
        }
        if options.commands.isEmpty, scriptCount == 0 {
            if isatty(0) == 1 {
                return InteractiveShell(context: context).run()
            }
            // Piped input runs as a script: no prompt, no history.
            let text = StandardInput.readAll()
            if !runner.run(text, name: "<stdin>") { return status(context) }
        }
        return context.failedChecks > 0 ? Self.failedCheckStatus : 0
    }

    /// The exit status of a script in which a `check` found rows (alerts), so that cron or CI
    /// can tell "ran and found something" (3) from "could not run" (1).
    package static let failedCheckStatus: Int32 = 3

    /// `~/.kpiqrc` when it exists.
    static func defaultInitFile() -> String? {
        guard let home = CommandHistory.environment("HOME"), !home.isEmpty else { return nil }
        let path = (home.hasSuffix("/") ? home : home + "/") + ".kpiqrc"
        return access(path, F_OK) == 0 ? path : nil
    }

    /// A data file (loaded) or saved session (opened) rather than a script (run): by its extension.
    static func isDataFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".csv", ".tsv", ".psv", ".tab", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson", ".parquet", ".parq", ".kpiq"].contains { lower.hasSuffix($0) }
    }

    private static func status(_ context: ShellContext) -> Int32 {
        context.cancel.isCancelled ? 130 : 1
    }
}

/// Reading all of standard input.
enum StandardInput {
    static func readAll() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Ctrl-C while a statement runs raises the cancellation token; the engine stops at its next
/// check and the session keeps everything it had.
enum Interrupts {
    nonisolated(unsafe) private static var token: CancellationToken?

    static func install(_ cancel: CancellationToken) {
        token = cancel
        signal(SIGINT) { _ in Interrupts.token?.cancel() }
    }
}
