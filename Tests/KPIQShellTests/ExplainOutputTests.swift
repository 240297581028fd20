import Foundation
import KPIQ
import Testing
@testable import KPIQShell

/// Where `.explain` writes: with the results in the table modes, and on standard error in the
/// machine formats (csv, json), so that standard output holds only data.
@Suite struct ExplainOutputTests {
    static let script = """
        load "data/sessions.csv" as sessions time ts
        from sessions | group source | agg n = count() | sort source | top 2
        .explain from sessions | group source | agg n = count()
        metric visitors = count_distinct(sessions.visitor_id)
        .explain visitors
        from sessions | agg n = count()
        """

    /// Runs the script in `mode`; returns standard output and standard error apart.
    static func run(_ mode: OutputMode) -> (ok: Bool, output: String, errors: String) {
        let context = ShellContext()
        let (output, errors) = (Output(capturing: ()), Output(capturing: ()))
        context.output = output
        context.errors = errors
        context.mode = mode
        context.baseDirectory = GoldenFiles.packageRoot.appendingPathComponent("Tests/Golden").path
        let ok = SourceRunner(context: context).run(script, name: "test")
        return (ok, output.text, errors.text)
    }

    @Test func csvOutputHoldsOnlyTheResults() {
        let (ok, output, errors) = Self.run(.csv)
        #expect(ok)
        #expect(output == "source,n\ndirect,1\nemail,1\nn\n10\n")
        #expect(errors.contains("scan: sessions, 10 rows, reads 1 of 7 columns: source\n"))
        #expect(errors.contains("metric visitors = count_distinct(sessions.visitor_id)\n"))
    }

    @Test func jsonOutputHoldsOnlyTheResults() throws {
        let (ok, output, errors) = Self.run(.json)
        #expect(ok)
        #expect(!output.contains("scan:") && !output.contains("metric visitors"))
        for line in output.split(separator: "\n") {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) is [Any], "not JSON: \(line)")
        }
        #expect(errors.contains("aggregate: by source\n"))
    }

    @Test func tableModeShowsTheExplanationWithTheResults() {
        let (ok, output, errors) = Self.run(.table)
        #expect(ok)
        #expect(output.contains("aggregate: by source\n"))
        #expect(output.contains("  reads:\n"))
        #expect(errors.isEmpty)
    }
}
