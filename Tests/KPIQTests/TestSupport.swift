import Foundation
@testable import KPIQ

/// Helpers shared by the unit tests.
enum TestSupport {
    /// A temporary file with the given bytes; removed by the caller with `remove`.
    static func file(_ text: String, name: String = "data.csv") throws -> String {
        try file(bytes: Array(text.utf8), name: name)
    }

    static func file(bytes: [UInt8], name: String = "data.csv") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    /// Loads CSV text into a table.
    static func load(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> Table {
        let path = try file(text)
        defer { remove(path) }
        return try CSVReader.load(path: path, options: options).table
    }

    /// Column `name` of a table as scalars.
    static func values(_ table: Table, _ name: String) -> [Scalar] {
        guard let column = table.column(named: name) else { return [] }
        return (0..<table.rowCount).map { column.scalar(at: $0) }
    }

    /// The package root (for `../shared/datasets` and fixtures).
    static var packageRoot: URL {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        fatalError("no package root")
    }

    /// A session with `csv` loaded as `dataset`, and the first statement of `text` parsed but
    /// not run: what a planner test plans itself.
    static func session(loading csv: String, as dataset: String, parsing text: String) throws -> (Session, Statement.Kind) {
        let session = Session()
        let path = try file(csv)
        defer { remove(path) }
        _ = try run("load \"\(path)\" as \(dataset)", session: session)
        return (session, Parser.parse(SourceText(name: "t", text: text)).statements[0].kind)
    }

    /// Runs statements in a fresh session; returns the last result's table or throws the error.
    static func run(_ text: String, session: Session = Session()) throws -> Table? {
        let outcome = session.run(SourceText(name: "test", text: text))
        if let error = outcome.error { throw error }
        for output in outcome.outputs.reversed() {
            if case .result(let result) = output { return result.table }
        }
        return nil
    }
}
