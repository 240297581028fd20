#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import KPIQ
import KPIQShell

/// `kpiq-bench REPS SCRIPT`: the kpiq side of `Benchmarks/KPIQ_PROTOCOL.md`.
/// Loads once, then runs each `-- name:` section once to warm up and REPS times timed, and
/// prints one JSON object per line.
struct BenchmarkRunner {
    let session: Session
    let cancel: CancellationToken
    let repetitions: Int

    func run(scriptPath: String) -> Int32 {
        guard let text = FileText.read(scriptPath) else {
            Output.standardError.write("error: cannot read \(scriptPath)\n")
            return 2
        }
        var preamble: [Substring] = []
        var sections: [(name: String, body: [Substring])] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- name: ") {
                sections.append((String(line.dropFirst(9).prefix { !$0.isWhitespace }), []))
            } else if sections.isEmpty {
                preamble.append(line)
            } else {
                sections[sections.count - 1].body.append(line)
            }
        }
                // Loads, one statement at a time, each timed.
        for line in preamble where line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("load") {
            let source = SourceText(name: scriptPath, text: String(line))
            let started = DispatchTime.now()
            let outcome = session.run(source, cancel: cancel)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            if let error = outcome.error {
                Output.standardError.write(DiagnosticRenderer.render(error, source: source))
                return 1
            }
            let name = session.catalog.names.last ?? "?"
            let rows = session.catalog[name]?.table.rowCount ?? 0
            emit("{\"kind\":\"load\",\"name\":\(MachineFormats.jsonString(name)),\"seconds\":\(seconds),\"rows\":\(rows)}")
        }
        let afterLoad = Self.memory().rss
        for section in sections {
            let source = SourceText(name: section.name, text: section.body.joined(separator: "\n"))
            var times: [Double] = []
            var result: QueryResult?
            var failure: String?
            for run in 0...repetitions {
                let started = DispatchTime.now()
                let outcome = session.run(source, cancel: cancel)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                if let error = outcome.error {
                    failure = DiagnosticRenderer.render(error, source: source)
                    break
                }
                if run == 0 {
                    for output in outcome.outputs.reversed() {
                        if case .result(let r) = output { result = r; break }
                    }
                } else {
                    times.append(ms)
                }
            }
            if let failure {
                emit("{\"kind\":\"query\",\"name\":\(MachineFormats.jsonString(section.name)),\"error\":\(MachineFormats.jsonString(failure))}")
                continue
            }
            let sorted = times.sorted()
            let median = sorted.isEmpty ? 0 : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
            var line = "{\"kind\":\"query\",\"name\":\(MachineFormats.jsonString(section.name)),\"median_ms\":\(median),\"min_ms\":\(sorted.first ?? 0),\"runs_ms\":["
            line += times.map { String($0) }.joined(separator: ",") + "]"
            if let result {
                let table = result.table
                line += ",\"result\":{\"columns\":[" + table.names.map(MachineFormats.jsonString).joined(separator: ",") + "],\"rows\":["
                line += (0..<table.rowCount).map { row in
                    "[" + table.columns.map { MachineFormats.jsonValue($0.scalar(at: row)) }.joined(separator: ",") + "]"
                }.joined(separator: ",")
                line += "]}"
            }
            emit(line + "}")
        }
        let memory = Self.memory()
        emit("{\"kind\":\"memory\",\"rss_after_load_mb\":\(afterLoad),\"peak_mb\":\(memory.peak)}")
        return 0
    }

    private func emit(_ line: String) {
        Output.standardOutput.write(line + "\n")
    }

    /// Resident and peak resident memory in MB, from /proc/self/status.
    static func memory() -> (rss: Double, peak: Double) {
        guard let text = FileText.read("/proc/self/status") else { return (0, 0) }
        var rss = 0.0, peak = 0.0
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Double(parts[1]) else { continue }
            if parts[0] == "VmRSS:" { rss = kb / 1024 }
            if parts[0] == "VmHWM:" { peak = kb / 1024 }
        }
        return (rss, peak)
    }
}
