/// `load "file.parquet" as name`: a flat Parquet file (`ParquetReader`). The file carries its
/// own types, so the CSV options (`with (...)`) do not apply.
extension Session {
    func loadParquet(_ load: LoadStatement, path: String, _ context: StatementContext) throws -> (Table, LoadReport) {
        if let option = load.options.first {
            throw Diagnostic(.unknownOption, "`\(option.name.name)` is a CSV option; a Parquet file carries its own column types and names",
                             at: option.span, hints: ["leave out `with (...)`; change types after loading with `derive`"])
        }
        return try ParquetReader.load(path: path, cancel: context.cancel, budget: context.budget)
    }
}
