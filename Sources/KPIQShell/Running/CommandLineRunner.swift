#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KPIQ

public enum KPIQVersion {
    public static let number = "0.1.0"
    public static var description: String { "kpiq \(number)" }
}

/// What the command line asked for.
public struct CommandLineOptions {
    public var commands: [String]
    public var format: String
    public var asOf: String?
    public var benchRepetitions: Int?
    public var files: [String]
    /// `--memory-limit` as typed (`4GB`, `50%`); nil: the default.
    public var memoryLimit: String?

    public init(commands: [String], format: String, asOf: String?, benchRepetitions: Int?, files: [String], memoryLimit: String? = nil) {
        self.commands = commands
        self.format = format
        self.asOf = asOf
        self.benchRepetitions = benchRepetitions
        self.files = files
        self.memoryLimit = memoryLimit
    }
}

/// Runs what the command line asked for; returns the exit status.
public enum CommandLineRunner {
    public static func run(_ options: CommandLineOptions) -> Int32 {
        let context = ShellContext()
        guard let mode = OutputMode(rawValue: options.format.lowercased()) else {
            context.errors.write("error: unknown format `\(options.format)`; formats: table, csv, json, markdown, line\n")
            return 2
        }
        context.mode = mode
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
        if let repetitions = options.benchRepetitions {
            guard let script = options.files.first else {
                context.errors.write("error: --bench needs a script\n")
                return 2
            }
            return BenchmarkRunner(context: context, repetitions: repetitions).run(scriptPath: script)
        }
        let runner = SourceRunner(context: context)
        for command in options.commands {
            context.baseDirectory = nil
            if !runner.run(command, name: "-c") { return status(context) }
            if context.quitRequested { return 0 }
        }
        for file in options.files {
            guard let text = FileText.read(file) else {
                context.errors.write("error: cannot read script `\(file)`: \(FileText.lastError())\n")
                return 2
            }
            context.baseDirectory = FileText.directory(of: file)
            if !runner.run(text, name: file) { return status(context) }
            if context.quitRequested { return 0 }
        }
        if options.commands.isEmpty, options.files.isEmpty {
            if isatty(0) == 1 {
                return InteractiveShell(context: context).run()
            }
            // Piped input runs as a script: no prompt, no history.
            let text = StandardInput.readAll()
            if !runner.run(text, name: "<stdin>") { return status(context) }
        }
        return 0
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
