import Foundation
import KPIQ
@testable import KPIQShell

/// Golden files: kpiq text with the exact output expected, run in-process.
///
/// `Tests/Golden/**/*.test` hold blocks in the manner of sqllogictest:
///
///     # a comment
///     statement ok
///     load "data/ads.csv" as ads
///
///     query
///     from ads | agg n = count()
///     ----
///      n
///     -----
///      3
///     (1 row)
///
///     statement error
///     from nope
///     ----
///     error: unknown dataset `nope`
///     ...
///
/// `query csv|json|markdown|line` picks the output mode (`ascii` and `width=N` the terminal);
/// `run` runs text (dot commands too)
/// and checks everything printed. Results and messages and errors go to one transcript, in
/// order. Expected text runs until the next block keyword or a `#` line; trailing blank lines
/// are ignored. Diagnostics name the block `query`, with lines counted within the block.
/// Set `KPIQ_UPDATE_GOLDEN=1` to rewrite the expected texts from actual output.
enum GoldenFiles {
    struct Block {
        enum Kind: Equatable {
            case statementOK
            case statementError
            case query(OutputMode)
            case run
        }

        /// Terminal settings for the block: `query ascii` (a terminal that is not UTF-8) and
        /// `query width=60` (a narrow terminal), in any combination with a mode.
        var unicode = true
        var terminalWidth: Int?

        var kind: Kind
        var header: String
        var body: String
        var bodyLine: Int
        var expected: String?
    }

    static var packageRoot: URL {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["KPIQ_UPDATE_GOLDEN"] == "1" }

    static func isHeader(_ line: Substring) -> Bool {
        line == "statement ok" || line == "statement error" || line == "run" || line == "query" || line.hasPrefix("query ")
    }

    static func parse(_ text: String) -> [Block] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard isHeader(line) else { i += 1; continue }
            let kind: Block.Kind
            switch line {
            case "statement ok": kind = .statementOK
            case "statement error": kind = .statementError
            case "run": kind = .run
            default:
                let words = line.split(separator: " ").dropFirst()
                kind = .query(words.lazy.compactMap { OutputMode(rawValue: String($0)) }.first ?? .table)
            }
            var unicode = true
            var terminalWidth: Int?
            for word in line.split(separator: " ").dropFirst() {
                if word == "ascii" { unicode = false }
                if word.hasPrefix("width=") { terminalWidth = Int(word.dropFirst(6)) }
            }
            i += 1
            let bodyLine = i + 1
            var body: [Substring] = []
            while i < lines.count, !lines[i].isEmpty, lines[i] != "----", !isHeader(lines[i]) {
                body.append(lines[i])
                i += 1
            }
            var expected: String?
            if i < lines.count, lines[i] == "----" {
                i += 1
                var out: [Substring] = []
                while i < lines.count, !isHeader(lines[i]), !lines[i].hasPrefix("#") {
                    out.append(lines[i])
                    i += 1
                }
                while let last = out.last, last.isEmpty { out.removeLast() }
                expected = out.joined(separator: "\n")
            }
            blocks.append(Block(unicode: unicode, terminalWidth: terminalWidth, kind: kind, header: String(line),
                                body: body.joined(separator: "\n"), bodyLine: bodyLine, expected: expected))
        }
        return blocks
    }

    /// A context whose output and errors both go to one transcript.
    static func context(baseDirectory: String) -> (ShellContext, Output) {
        let context = ShellContext()
        let transcript = Output(capturing: ())
        context.output = transcript
        context.errors = transcript
        context.unicode = true
        context.baseDirectory = baseDirectory
        return (context, transcript)
    }

    static func trimmed(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// A `# requires: PATH` line's path (relative to the file) when it does not exist.
    static func missingRequirement(_ url: URL) throws -> String? {
        let text = try String(contentsOf: url, encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix("# requires: ") {
            let path = url.deletingLastPathComponent().appendingPathComponent(String(line.dropFirst(12))).standardized.path
            if !FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a golden file; returns problems found (empty when all blocks pass).
    static func check(_ url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let blocks = parse(text)
        let (context, transcript) = context(baseDirectory: url.deletingLastPathComponent().path)
        var problems: [String] = []
        var actuals: [String?] = []
        let name = url.lastPathComponent
        for block in blocks {
            let before = transcript.text
            if case .query(let mode) = block.kind { context.mode = mode } else { context.mode = .table }
            context.unicode = block.unicode
            context.fixedTerminalWidth = block.terminalWidth
            // Each block reads as if typed at the prompt: diagnostics say `query:LINE:COLUMN`
            // within the block, so editing one block does not change another's expectations.
            let ok = SourceRunner(context: context).run(block.body, name: "query")
            let output = trimmed(String(transcript.text.dropFirst(before.count)))
            actuals.append(block.kind == .statementOK ? nil : output)
            let place = "\(name):\(block.bodyLine)"
            switch block.kind {
            case .statementError:
                if ok { problems.append("\(place): expected an error, but it ran:\n\(output)") }
            default:
                if !ok { problems.append("\(place): failed:\n\(output)") }
            }
            if block.kind != .statementOK, let expected = block.expected, expected != output {
                problems.append("\(place): output differs\n--- expected\n\(expected)\n--- actual\n\(output)\n---")
            } else if block.kind != .statementOK, block.expected == nil {
                problems.append("\(place): no expected output (add `----` and the output)")
            }
        }
        if updating { try rewrite(url, text: text, blocks: blocks, actuals: actuals) }
        return updating ? [] : problems
    }

    /// Writes actual outputs into the file in place of the expected ones.
    static func rewrite(_ url: URL, text: String, blocks: [Block], actuals: [String?]) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        var i = 0
        var index = 0
        while i < lines.count {
            let line = lines[i]
            guard isHeader(line) else { out.append(String(line)); i += 1; continue }
            out.append(String(line))
            i += 1
            while i < lines.count, !lines[i].isEmpty, lines[i] != "----", !isHeader(lines[i]) {
                out.append(String(lines[i]))
                i += 1
            }
            if i < lines.count, lines[i] == "----" {
                i += 1
                while i < lines.count, !isHeader(lines[i]), !lines[i].hasPrefix("#") { i += 1 }
            }
            if let actual = actuals[index] {
                out.append("----")
                out.append(actual)
                out.append("")
            } else {
                out.append("")
            }
            index += 1
        }
        var result = out.joined(separator: "\n")
        while result.contains("\n\n\n") { result = result.replacing("\n\n\n", with: "\n\n") }
        if !result.hasSuffix("\n") { result += "\n" }
        try result.write(to: url, atomically: true, encoding: .utf8)
    }

    static func files(in folder: String, suffix: String) -> [URL] {
        let root = packageRoot.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.path.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }
}
