import ArgumentParser
import KPIQShell

/// The `kpiq` command: the shell with no arguments, scripts and `-c` statements otherwise.
struct KPIQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpiq",
        abstract: "A query language and shell for marketing KPIs over CSV exports.",
        discussion: """
            With no FILE and no -c, opens the interactive shell (or, when standard input is not a
            terminal, runs it as a script). Scripts stop at the first error.
            Exit status: 0 success, 1 an error in a statement, 2 bad arguments or unreadable
            script, 130 interrupted.
            """,
        version: KPIQVersion.description)

    @Option(name: [.customShort("c"), .customLong("command")], help: "Statements to run (repeatable, run in order).")
    var commands: [String] = []

    @Option(name: .long, help: "Output format: table, csv, json, markdown or line.")
    var format: String = "table"

    @Option(name: .long, help: "The date `today` and relative ranges count from (YYYY-MM-DD).")
    var asof: String?

    @Option(name: .customLong("memory-limit"),
            help: "The most memory datasets and a statement may take: 4GB, 512MB, 50% (default: 80% of the machine's memory).")
    var memoryLimit: String?

    @Option(name: .long, help: .hidden)
    var bench: Int?

    @Argument(help: "kpiq scripts to run, in order.")
    var files: [String] = []

    func run() throws {
        let options = CommandLineOptions(commands: commands, format: format, asOf: asof, benchRepetitions: bench, files: files,
                                         memoryLimit: memoryLimit)
        let status = CommandLineRunner.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}

KPIQCommand.main()
