#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `save "q4.kpiq"` and `open "q4.kpiq"`: a whole session kept in one file (`SessionFile/`).
///
/// `open` replaces the session: its datasets, metrics, targets, relationships, library
/// bindings and `as of` date become the file's, as opening a document does; a merge would
/// have to choose between two metrics or targets of the same name, and between two `as of`
/// dates. Settings of the shell (memory limit, output) stay.
extension Session {
    func executeSave(path written: String, pathSpan: Span, overwrite: Bool, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let path = context.resolve(written)
        if !overwrite, let refusal = Self.saveRefusal(path, written: written) {
            throw Diagnostic(.fileError, refusal, at: pathSpan, hints: ["`save \"\(written)\" overwrite` replaces it"])
        }
        let bytes: Int
        do {
            bytes = try SessionFileWriter.write(catalog: catalog, kpis: kpis, asOf: settings.asOf, to: path, cancel: context.cancel)
        } catch let error as SessionFileError {
            throw Diagnostic(.fileError, "cannot save to \(written): \(error.message)", at: pathSpan)
        }
        return (.message("saved \(summary(datasets: catalog.datasets, kpis: kpis)) to \(written) (\(ByteSize.text(bytes)))"), [])
    }

    /// Why `save` will not replace the file at `path` without `overwrite`: it is not a saved
    /// session (a CSV, a script), or a dataset was loaded from it. Nil when it may.
    static func saveRefusal(_ path: String, written: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }  // nothing there (or nothing readable: the write will say)
        defer { close(fd) }
        var start = [UInt8](repeating: 0, count: SessionFileFormat.magic.count)
        let n = start.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == start.count, start.withUnsafeBytes({ SessionFileFormat.hasMagic($0) }) { return nil }
        return "\(written) exists and is not a saved kpiq session"
    }

    func executeOpen(path written: String, pathSpan: Span, _ context: StatementContext) throws -> (StatementOutput?, [Diagnostic]) {
        let path = context.resolve(written)
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            // Both sessions are in memory for a moment: the old one goes once the new one is read.
            try memoryBudget.check(Int(info.st_size), for: "opening \(written)", remedy: "drop datasets first")
        }
        let saved: SavedSession
        do {
            saved = try SessionFileReader.read(path: path, shownAs: written, cancel: context.cancel)
        } catch let error as SessionFileError {
            var diagnostic = Diagnostic(.fileError, error.description, at: pathSpan)
            if error.message.contains("damaged") || error.message.contains("cut short") {
                diagnostic.hints = ["the file changed after `save` wrote it (a copy cut short, an edit); save the session again from its sources"]
            }
            throw diagnostic
        }
        let replaced = catalog.datasets.isEmpty && kpis.metrics.isEmpty && kpis.targets.isEmpty && kpis.relationships.isEmpty
            ? "" : "; replaced \(summary(datasets: catalog.datasets, kpis: kpis))"
        var opened = Catalog()
        for dataset in saved.datasets { opened.put(dataset) }
        catalog = opened
        kpis = saved.kpis
        settings.asOf = saved.asOf
        // `export` must not write over the session file either (files of the replaced
        // datasets stay protected: they are still the user's data).
        if let identity = FileIdentity(path: path) { loadedFiles[identity] = saved.datasets.first?.name ?? written }
        return (.message("opened \(written): \(summary(datasets: saved.datasets, kpis: saved.kpis))\(replaced)"), [])
    }

    /// "2 datasets (1,200 rows), 5 metrics, 1 target, 1 relationship".
    private func summary(datasets: [Dataset], kpis: KPIState) -> String {
        func plural(_ n: Int, _ word: String) -> String { "\(Self.count(n)) \(word)\(n == 1 ? "" : "s")" }
        var parts = [plural(datasets.count, "dataset") + " (\(Self.rows(datasets.reduce(0) { $0 + $1.table.rowCount })))"]
        if !kpis.metrics.isEmpty { parts.append(plural(kpis.metrics.count, "metric")) }
        if !kpis.targets.isEmpty { parts.append(plural(kpis.targets.count, "target")) }
        if !kpis.relationships.isEmpty { parts.append(plural(kpis.relationships.count, "relationship")) }
        return parts.joined(separator: ", ")
    }
}
