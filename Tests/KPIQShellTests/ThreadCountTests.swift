import Foundation
import Testing

/// The built `kpiq` gives the same rows, in the same order, with 1, 2 and 4 worker threads
/// (`KPIQ_THREADS`, read once per process): loads cut the file into one range per thread,
/// scans split into morsels per worker, and groupings, distinct counts and joins merge
/// per-thread state, so each of these would show an order- or merge-dependent answer here.
@Suite struct ThreadCountTests {
    /// Enough rows for several 65,536-row morsels, and more than 1 MB so that the load splits too.
    static let rows = 300_000

    /// A deterministic events export: ids, a few sources, many visitors, amounts with cents,
    /// nulls, and timestamps in order.
    static func eventsCSV() -> String {
        var text = "id,source,visitor,amount,seconds,converted,ts\n"
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let sources = ["ads", "email", "organic", "referral", "social", ""]
        for i in 0..<rows {
            let source = sources[Int(next() % UInt64(sources.count))]
            let visitor = "v\(next() % 40_000)"
            let amount = next() % 10 == 0 ? "" : "\(next() % 100_000 / 100).\(next() % 100)"
            let seconds = next() % 600
            let converted = next() % 7 == 0 ? 1 : 0
            let day = 1 + i / 10_000
            let second = i % 86_400
            let ts = String(format: "2024-01-%02dT%02d:%02d:%02d", min(day, 28), second / 3600, second / 60 % 60, second % 60)
            text += "\(i),\(source),\(visitor),\(amount),\(seconds),\(converted),\(ts)\n"
        }
        return text
    }

    static let queries = [
        "from events | group source | agg n = count(), visitors = count_distinct(visitor), total = sum(amount), avg = mean(amount), low = min(amount), high = max(amount), conv = count() where converted = 1 | sort source",
        "from events | group visitor | agg n = count(), first_source = first(source, ts), spent = sum(amount) | sort visitor",
        // Not stddev: merging per-thread partial variances (Chan et al.) rounds differently with
        // the split, and the answers differ from the 15th significant digit on.
        "from events | group day = day(ts), source | agg n = count(), secs = sum(seconds), avg = mean(seconds) | sort day, source",
        "from events | where amount > 500 | select id, visitor, amount | sort amount desc, id | top 1000",
        "from events | group visitor | agg n = count() | join (from events | group visitor | agg spent = sum(amount)) on visitor | sort n desc, visitor | top 500",
    ]

    @Test(.enabled(if: ShellPTYTests.binary != nil, "needs kpiq built with `swift build`"))
    func resultsDoNotDependOnThreads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-threads-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("events.csv")
        try Self.eventsCSV().write(to: csv, atomically: true, encoding: .utf8)
        var arguments = ["--format", "csv", "-c", "load \"\(csv.path)\" as events time ts"]
        for query in Self.queries { arguments += ["-c", query] }

        var outputs: [Int: String] = [:]
        for threads in [1, 2, 4] {
            let result = Self.run(ShellPTYTests.binary!, arguments, threads: threads)
            #expect(result.status == 0, "KPIQ_THREADS=\(threads) failed:\n\(result.output.prefix(2000))")
            outputs[threads] = result.output
        }
        // The executable's opt-in allocator setting changes where freed memory goes, nothing else.
        let reusing = Self.run(ShellPTYTests.binary!, ["--reuse-freed-memory"] + arguments, threads: 2)
        #expect(reusing.status == 0, "--reuse-freed-memory failed:\n\(reusing.output.prefix(2000))")
        #expect(reusing.output == outputs[2], "--reuse-freed-memory changed the output")
        let single = outputs[1]!.split(separator: "\n", omittingEmptySubsequences: false)
        // Every query printed rows: a comparison of empty outputs would prove nothing.
        #expect(single.count > 2_000, "expected the queries' rows, got:\n\(outputs[1]!.prefix(2000))")
        for threads in [2, 4] {
            let lines = outputs[threads]!.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == single.count, "KPIQ_THREADS=\(threads) printed \(lines.count) lines, 1 thread \(single.count)")
            let differing = zip(single, lines).enumerated().filter { $0.element.0 != $0.element.1 }
            #expect(differing.isEmpty, """
                KPIQ_THREADS=\(threads) differs from 1 thread in \(differing.count) rows, first: \
                line \((differing.first?.offset ?? 0) + 1): \(differing.first.map { "\($0.element.0) vs \($0.element.1)" } ?? "")
                """)
        }
    }

    /// Runs `binary` with `KPIQ_THREADS=threads` (through env); its exit status and what it
    /// printed on both outputs, so that a failure shows its message.
    static func run(_ binary: String, _ arguments: [String], threads: Int) -> (status: Int32, output: String) {
        ShellPTYTests.run(["KPIQ_THREADS=\(threads)", binary] + arguments)
    }
}
