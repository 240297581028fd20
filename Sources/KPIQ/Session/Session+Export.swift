/// `export "file.csv" [overwrite]` and the shell's `.export`: the last result as a CSV file
/// (or Parquet for `.parquet`, `ParquetWriter`).
extension Session {
    /// Writes the last result to `path` (resolved already) and returns its row count.
    ///
    /// A file the session loaded a dataset from is not replaced unless `overwrite`: a query
    /// that kept no rows, exported over its own source, turned the user's data into a header
    /// line. `written` is the path as the user wrote it and `howToOverwrite` the command that
    /// would replace it, both for the message.
    package func exportLastResult(to path: String, written: String, overwrite: Bool, howToOverwrite: String) throws -> Int {
        guard let result = lastResult else {
            throw Diagnostic(.noResult, "there is no result to export yet", hints: ["run a query first"])
        }
        if !overwrite, let dataset = datasetLoaded(from: path) {
            throw Diagnostic(.outputError, "`\(written)` is the file dataset `\(dataset)` was loaded from; exporting would replace it",
                             hints: ["to replace it anyway: `\(howToOverwrite)`"])
        }
        do {
            // Other formats (an HTML report) are the client's, by the file's extension.
            if Self.fileExtension(written) == "parquet" {
                try ParquetWriter.write(result.table, to: path)
            } else if let writer = exportWriters[Self.fileExtension(written)] {
                try writer(result, path)
            } else {
                try CSVWriter.write(result.table, to: path)
            }
        } catch let error as CSVWriter.WriteError {
            throw Diagnostic(.outputError, "cannot write `\(written)`: \(error.reason)")
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic(.outputError, "cannot write `\(written)`: \(error)")
        }
        return result.table.rowCount
    }

    /// The dataset the file at `path` was loaded as in this session, if it was (the shell's
    /// `.output` does not write results over such a file either).
    package func datasetLoaded(from path: String) -> String? {
        FileIdentity(path: path).flatMap { loadedFiles[$0] }
    }
}
