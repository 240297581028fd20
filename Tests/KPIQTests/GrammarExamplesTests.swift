import Foundation
import Testing
@testable import KPIQ

/// Keeps grammar/kpiq.ebnf and the README honest: every example they show parses.
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

    /// kpiq code blocks of the README (those that are not shell commands).
    static var readmeExamples: [String] {
        let url = TestSupport.packageRoot.appendingPathComponent("README.md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var blocks: [String] = []
        var current: [Substring]?
        var fencedAsShell = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let lines = current {
                    let block = lines.joined(separator: "\n")
                    let first = lines.first.map(String.init) ?? ""
                    let isShell = fencedAsShell || ["bash", "kpiq", "cat", "swift", "python3", "KPIQ_"].contains { first.hasPrefix($0) }
                        || first.hasPrefix("Sources/")
                    if !isShell, !block.isEmpty { blocks.append(block) }
                    current = nil
                } else {
                    // A fence that names a shell (```sh) holds commands, not kpiq.
                    fencedAsShell = ["sh", "bash", "console"].contains(line.dropFirst(3).trimmingCharacters(in: .whitespaces))
                    current = []
                }
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
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

    @Test("README example parses", arguments: readmeExamples)
    func readmeExample(_ example: String) {
        let result = Parser.parse(SourceText(name: "README", text: example))
        #expect(result.diagnostics.isEmpty, "\(example)\n\(result.diagnostics.map(\.message))")
    }

    /// Every statement keyword and pipeline step the parser knows is in the grammar file.
    @Test func grammarNamesEveryKeyword() throws {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("grammar/kpiq.ebnf"), encoding: .utf8)
        for word in Parser.statementWords + Parser.stepWords {
            #expect(text.contains("\"\(word)\""), "grammar/kpiq.ebnf does not mention \"\(word)\"")
        }
    }
}
