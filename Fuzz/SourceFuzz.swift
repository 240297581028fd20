// libFuzzer target: source text through the lexer, parser, binder and executor, against small
// sample datasets loaded once (Tests/Golden/data, or $KPIQ_FUZZ_DATA).
//
// Built by Fuzz/build.sh into one module with the KPIQ library sources, so internal API is
// reachable (Fuzz/Main.swift picks this target when the binary is called SourceFuzz). What an input may do is bounded so that every run is quick and touches nothing
// outside the sample folder:
//   - at most 4,096 bytes;
//   - `load` only of the sample files by their plain names (and without `widths`, while the
//     out-of-bounds read of issue 22 defect 1 is being fixed; KPIQ_FUZZ_WIDTHS=1 allows it);
//   - no `export` (it writes files);
//   - at most three `join`/`union` words in the text, so results stay small (the tables have
//     at most a few dozen rows; the engine's own join size guard is issue 22 defect 2).
// Everything else runs: statements, `let`, metrics, `show`, `funnel`, `cohort`, and every
// diagnostic is rendered with its caret. A crash, a sanitizer report or a timeout is a bug.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var baseCatalog: Catalog?
nonisolated(unsafe) private var dataDirectory = "Tests/Golden/data"
nonisolated(unsafe) private var allowWidths = false

/// The sample files an input may load (by these plain names only).
private let sampleFiles: Set<String> = [
    "sessions.csv", "contacts.csv", "deals.csv", "campaigns.csv", "orders.csv", "funnel.csv",
    "inference.csv", "messy.csv", "visits.csv", "touches.csv", "flights.csv", "ads.csv",
    "cdnow.txt", "crlf.csv", "bom.csv", "ragged.csv", "unclosed.csv", "badutf8.csv", "fb_ads.csv",
]

private let setupScript = """
    as of 2024-06-30
    load "sessions.csv" as sessions time ts
    load "contacts.csv" as contacts time created_at
    load "deals.csv" as deals
    load "campaigns.csv" as campaigns
    load "orders.csv" as orders
    load "funnel.csv" as funnel
    """

private func prepare() -> Catalog {
    if let catalog = baseCatalog { return catalog }
    if let dir = getenv("KPIQ_FUZZ_DATA") { dataDirectory = String(cString: dir) }
    allowWidths = getenv("KPIQ_FUZZ_WIDTHS") != nil
    let session = Session()
    let outcome = session.run(SourceText(name: "setup", text: setupScript), baseDirectory: dataDirectory)
    if let error = outcome.error {
        let text = DiagnosticRenderer.render(error, source: outcome.source)
        fuzzFail("SourceFuzz: cannot load the sample data from \(dataDirectory) (set KPIQ_FUZZ_DATA):\n\(text)\n")
    }
    baseCatalog = session.catalog
    return session.catalog
}

func sourceFuzzInitialize() {
    _ = prepare()
}

/// Counts the (case-insensitive) occurrences of `word` in `bytes`.
private func occurrences(of word: String, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    let needle = Array(word.utf8)
    guard bytes.count >= needle.count else { return 0 }
    var count = 0
    for i in 0...(bytes.count - needle.count) {
        var match = true
        for j in 0..<needle.count where bytes[i + j] | 0x20 != needle[j] {
            match = false
            break
        }
        if match { count += 1 }
    }
    return count
}

/// Whether every statement only reads the sample data (see the top of the file).
private func allowed(_ statements: [Statement]) -> Bool {
    for statement in statements {
        switch statement.kind {
        case .export:
            return false
        case .load(let load):
            guard sampleFiles.contains(load.path) else { return false }
            if !allowWidths, load.options.contains(where: { $0.name.name.lowercased() == "widths" }) { return false }
        default:
            continue
        }
    }
    return true
}

func sourceFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size <= 4096 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let catalog = prepare()
    let text = String(decoding: bytes, as: UTF8.self)
    let source = SourceText(name: "fuzz", text: text)

    // Lexer and parser on their own (also for inputs that may not run), with input
    // completeness (what the prompt asks before running a line).
    let parsed = Parser.parse(source)
    _ = InputCompleteness.isComplete(text)
    for diagnostic in parsed.diagnostics.prefix(3) { _ = DiagnosticRenderer.render(diagnostic, source: source) }
    guard parsed.diagnostics.isEmpty, allowed(parsed.statements) else { return 0 }
    guard occurrences(of: "join", in: bytes) + occurrences(of: "union", in: bytes) <= 3 else { return 0 }

    // Binding and execution, in a fresh session over the loaded samples.
    let session = Session()
    session.catalog = catalog
    session.settings.asOf = 19_904  // 2024-06-30
    // `.explain` of the first statement: binding and planning without running.
    if parsed.statements.count == 1 {
        do { _ = try session.explain(statement: source) } catch let diagnostic as Diagnostic {
            _ = DiagnosticRenderer.render(diagnostic, source: source)
        } catch {}
    }
    let outcome = session.run(source, baseDirectory: dataDirectory)
    if let error = outcome.error { _ = DiagnosticRenderer.render(error, source: source) }
    for warning in outcome.warnings.prefix(3) { _ = DiagnosticRenderer.render(warning, source: source) }
    for output in outcome.outputs {
        if case .result(let result) = output {
            // Read every value back, as a client printing the result does.
            let table = result.table
            for column in table.columns {
                for row in 0..<min(table.rowCount, 64) { _ = column.scalar(at: row) }
            }
        }
    }
    return 0
}
