#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KPIQ
import KPIQShell

// `kpiq-bench [--asof YYYY-MM-DD] REPS SCRIPT`: the benchmark harness's side of
// `Benchmarks/KPIQ_PROTOCOL.md`, kept out of the `kpiq` users run. `--version` names the
// engine for the report.
let usage = "usage: kpiq-bench [--asof YYYY-MM-DD] REPS SCRIPT\n"
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--version"] {
    Output.standardOutput.write("\(KPIQVersion.description)\n")
    exit(0)
}
let session = Session()
if arguments.count >= 2, arguments[0] == "--asof" {
    guard let day = CivilCalendar.parseDate(arguments[1]) else {
        Output.standardError.write("error: --asof takes a date YYYY-MM-DD, found `\(arguments[1])`\n")
        exit(2)
    }
    session.settings.asOf = day
    arguments.removeFirst(2)
}
guard arguments.count == 2, let repetitions = Int(arguments[0]), repetitions >= 0 else {
    Output.standardError.write(usage)
    exit(2)
}
exit(BenchmarkRunner(session: session, cancel: CancellationToken(), repetitions: repetitions).run(scriptPath: arguments[1]))
