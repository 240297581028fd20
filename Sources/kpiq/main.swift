import ArgumentParser
import CKPIQAllocator
import KPIQShell

/// The `kpiq` command: the shell with no arguments, scripts and `-c` statements otherwise.
struct KPIQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpiq",
        abstract: "A query language and shell for marketing KPIs over CSV exports.",
        // One line per paragraph: the help is wrapped to the terminal's width, and a line
        // break inside a sentence would end a wrapped line mid-phrase.
        discussion: """
            With no FILE and no -c, opens the interactive shell (or, when standard input is not a \
            terminal, runs it as a script). A data file (.csv, .tsv, .xlsx, .json, .jsonl, .parquet) is loaded and a saved \
            session (.kpiq, written by `save`) opened, and the shell opens on it. Scripts stop at the first error.

            Exit status: 0 success, 1 an error in a statement, 2 bad arguments or an unreadable \
            script, 3 a check found rows, 130 interrupted.
            """,
        version: KPIQVersion.description)

    @Option(name: [.customShort("c"), .customLong("command")], help: "Statements to run (repeatable, run in order).")
    var commands: [String] = []

    @Option(name: .long, help: "Output format: table, csv, json, markdown, line or html (one report document).")
    var format: String = "table"

    @Option(name: .long, help: "The date `today` and relative ranges count from (YYYY-MM-DD).")
    var asof: String?

    @Option(name: .long, help: "A start-up file to run first, instead of ~/.kpiqrc (which runs when the prompt opens).")
    var `init`: String?

    @Flag(name: .customLong("no-init"), help: "Run no start-up file.")
    var noInit = false
    @Option(name: .customLong("memory-limit"),
            help: "The most memory datasets and a statement may take: 4GB, 512MB, 50% (default: 80% of the machine's memory).")
    var memoryLimit: String?

    @Flag(name: .customLong("reuse-freed-memory"),
          help: "Keep memory freed by a statement for the next ones instead of giving it back to the system (glibc): repeated large groupings touch fewer fresh pages, and kpiq keeps up to 1 GB it no longer uses.")
    var reuseFreedMemory = false

    @Argument(help: "kpiq scripts to run, in order; data files (.csv, .tsv, .psv, .tab, .xlsx, .json, .jsonl, .ndjson, .parquet) are loaded and saved sessions (.kpiq) opened, and without scripts the prompt opens on them.")
    var files: [String] = []

    func run() throws {
        // A setting of the whole process: the executable's choice, never the library's.
        if reuseFreedMemory { _ = kpiq_keep_freed_memory() }
        let options = CommandLineOptions(commands: commands, format: format, asOf: asof, files: files,
                                         initFile: `init`, noInit: noInit, memoryLimit: memoryLimit)
        let status = CommandLineRunner.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}

KPIQCommand.main()
