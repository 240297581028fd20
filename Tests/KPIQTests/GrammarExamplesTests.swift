import Foundation
import Testing
@testable import KPIQ

/// Keeps grammar/kpiq.ebnf, the README and the pages of docs/ honest: every example they show
/// parses.
@Suite struct GrammarExamplesTests {
    /// Lines `(*> ... *)` of the grammar file.
    static var grammarExamples: [String] {
        let url = TestSupport.packageRoot.appendingPathComponent("grammar/kpiq.ebnf")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("(*>"), trimmed.hasSuffix("*)") else { return nil }
            return String(trimmed.dropFirst(3).dropLast(2)).trimmingCharacters(in: .whitespaces)
        }
    }

    /// A ```kpiq block of the README or a page of `docs/`.
    struct DocumentedExample: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var text: String
        var testDescription: String { "\(file):\(line)" }
    }

    /// The Markdown files whose kpiq blocks must parse: the README and every page of `docs/`.
    static var documentationFiles: [String] {
        let docs = TestSupport.packageRoot.appendingPathComponent("docs")
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        return ["README.md"] + pages.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    /// Every block fenced ```kpiq (at any indentation, as inside a list item) of `file`,
    /// with the indentation of its fence taken off its lines. Other fences (```sh,
    /// ```text, ```console) hold commands, output or syntax summaries, not statements.
    static func kpiqBlocks(in file: String) -> [DocumentedExample] {
        let url = TestSupport.packageRoot.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var blocks: [DocumentedExample] = []
        var current: (line: Int, indent: Int, lines: [Substring])?
        var inOtherFence = false
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indent = line.prefix { $0 == " " }.count
            let trimmed = line.dropFirst(indent)
            if trimmed.hasPrefix("```") {
                if let block = current {
                    blocks.append(DocumentedExample(file: file, line: block.line, text: block.lines.joined(separator: "\n")))
                    current = nil
                } else if inOtherFence {
                    inOtherFence = false
                } else if trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces) == "kpiq" {
                    current = (number + 1, indent, [])
                } else {
                    inOtherFence = true
                }
            } else if current != nil {
                current!.lines.append(line.dropFirst(min(current!.indent, indent)))
            }
        }
        return blocks
    }

    static var documentedExamples: [DocumentedExample] {
        documentationFiles.flatMap(kpiqBlocks(in:))
    }

    @Test func grammarHasExamples() {
        #expect(Self.grammarExamples.count >= 30)
    }

    @Test("grammar example parses", arguments: grammarExamples)
    func grammarExample(_ example: String) {
        let result = Parser.parse(SourceText(name: "grammar", text: example))
        #expect(result.diagnostics.isEmpty, "\(example)\n\(result.diagnostics.map(\.message))")
        #expect(result.statements.count == 1)
    }

    /// The README and every reference page show kpiq, and the tests find it.
    @Test func documentationHasExamples() {
        #expect(Self.documentationFiles.count >= 6)
        for file in Self.documentationFiles where file != "docs/testing.md" {
            #expect(!Self.kpiqBlocks(in: file).isEmpty, "\(file) has no ```kpiq block")
        }
    }

    @Test("documented example parses", arguments: documentedExamples)
    func documentedExample(_ example: DocumentedExample) {
        let result = Parser.parse(SourceText(name: example.file, text: example.text))
        #expect(result.diagnostics.isEmpty, "\(example.file):\(example.line)\n\(example.text)\n\(result.diagnostics.map(\.message))")
        #expect(!result.statements.isEmpty, "\(example.file):\(example.line): an empty kpiq block")
    }

    /// Every statement keyword and pipeline step the parser knows is in the grammar file.
    @Test func grammarNamesEveryKeyword() throws {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("grammar/kpiq.ebnf"), encoding: .utf8)
        for word in Parser.statementWords + Parser.stepWords {
            #expect(text.contains("\"\(word)\""), "grammar/kpiq.ebnf does not mention \"\(word)\"")
        }
    }
}
