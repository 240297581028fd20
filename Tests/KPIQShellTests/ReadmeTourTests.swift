import Foundation
import Testing
@testable import KPIQShell

/// The README's five-minute tour shows kpiq's output on the bundled example data: running its
/// statements must print every output block it shows, so the front page never drifts from
/// what kpiq answers.
@Suite struct ReadmeTourTests {
    /// The tour section of the README: from its heading to the next `## ` heading.
    static func tourSection() throws -> String {
        let text = try String(contentsOf: GoldenFiles.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = text.range(of: "## A five-minute tour") else { return "" }
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The contents of the blocks fenced with `fence` (```kpiq, ```text), in order.
    static func blocks(_ fence: String, in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        var inOther = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let lines = current {
                    blocks.append(lines.joined(separator: "\n"))
                    current = nil
                } else if inOther {
                    inOther = false
                } else if line.dropFirst(3) == fence {
                    current = []
                } else {
                    inOther = true
                }
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    @Test func theTourPrintsWhatTheReadmeShows() throws {
        let section = try Self.tourSection()
        let statements = Self.blocks("kpiq", in: section)
        let outputs = Self.blocks("text", in: section)
        #expect(statements.count >= 3 && outputs.count >= 3, "the tour lost its statements or outputs")
        // Paths in the tour are from the top of the repository, where it says to start.
        let (context, transcript) = GoldenFiles.context(baseDirectory: GoldenFiles.packageRoot.path)
        let ok = SourceRunner(context: context).run(statements.joined(separator: "\n"), name: "README tour")
        let printed = transcript.text
        #expect(ok, "the tour stopped with an error:\n\(printed)")
        for output in outputs {
            #expect(printed.contains(output), "README shows output kpiq does not print:\n\(output)\n--- kpiq printed\n\(printed)")
        }
    }
}
