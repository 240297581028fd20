import Foundation
import KPIQ
import Testing

@testable import KPIQShell

/// The HTML report without a browser: what it holds, in what order, and that data cannot
/// become markup. (`HTMLReportBrowserTests` loads the examples' reports in Chromium.)
@Suite struct HTMLReportTests {
    /// Runs `body` with a shell whose output and errors are captured, working in a fresh
    /// folder that holds `files` (removed afterwards).
    static func inFolder<T>(with files: [String: String], _ body: (_ context: ShellContext, _ output: Output, _ errors: Output, _ folder: URL) throws -> T) rethrows -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-html-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try? text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let context = ShellContext()
        let (output, errors) = (Output(capturing: ()), Output(capturing: ()))
        context.output = output
        context.errors = errors
        context.baseDirectory = folder.path
        return try body(context, output, errors, folder)
    }

    /// Runs `script` in html mode in a folder holding `files`; returns the document.
    static func report(_ script: String, files: [String: String] = [:]) -> (ok: Bool, html: String, errors: String) {
        inFolder(with: files) { context, output, errors, _ in
            context.mode = .html
            context.reportTitle = "test.kpi"
            let ok = SourceRunner(context: context).run(script, name: "test.kpi")
            context.flushReport()
            return (ok, output.text, errors.text)
        }
    }

    static let sales = """
        day,channel,clicks,cost
        2024-01-03,search,10,1.5
        2024-01-20,social,20,2.5
        2024-02-05,search,30,3.5
        2024-03-09,social,5,0.5

        """

    @Test func commentsResultsAndFooterInOrder() {
        let (ok, html, errors) = Self.report("""
            -- Sales in 2024.
            -- Two lines, one paragraph.
            as of 2024-03-31
            load "sales.csv" as sales time day
            metric clicks = sum(sales.clicks)
            -- By channel:
            from sales | group channel | agg clicks = sum(clicks) | sort channel
            -- Over months:
            show clicks over month during 2024-Q1 | chart line
            -- The end.
            """, files: ["sales.csv": Self.sales])
        #expect(ok, "\(errors)")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<!DOCTYPE html>").count == 2)
        let order = ["Sales in 2024. Two lines, one paragraph.", "By channel:", "<table>", "Over months:", "class=\"cards\"", "<figure class=\"chart line\" data-marks=\"3\"", "The end.", "<footer>"]
        var position = html.startIndex
        for piece in order {
            guard let range = html.range(of: piece, range: position..<html.endIndex) else {
                Issue.record("`\(piece)` missing or out of order")
                return
            }
            position = range.upperBound
        }
        #expect(html.contains("sales</strong>: sales.csv, 4 rows, 4 columns"))
        #expect(html.contains("As of 2024-03-31."))
        // Values read as in tables.
        #expect(html.contains(">2024-02<"))
        #expect(!html.contains("<script"))
        // Messages stay out of the document.
        #expect(!html.contains("loaded"))
        #expect(errors.contains("loaded"))
    }

    @Test func aShowWithoutByIsCards() {
        let (ok, html, errors) = Self.report("""
            as of 2024-03-31
            load "sales.csv" as sales time day
            metric clicks = sum(sales.clicks)
            metric cost = sum(sales.cost) as money
            target clicks >= 100
            show clicks, cost during 2024-02 vs previous period
            """, files: ["sales.csv": Self.sales])
        #expect(ok, "\(errors)")
        #expect(html.components(separatedBy: "class=\"card\"").count == 3)
        #expect(html.contains("<div class=\"card-value\">30</div>"))
        #expect(html.contains("<div class=\"card-value\">3.50</div>"))
        #expect(html.contains("target: below"))
        #expect(html.contains("vs previous period"))
        // One row: the cards hold it all.
        #expect(!html.contains("<table>"))
    }

    @Test func markupInDataIsText() {
        let (ok, html, errors) = Self.report("""
            -- <b>bold</b> & </p><script>alert(0)</script>
            load "evil.csv" as evil
            from evil | chart bar name n
            """, files: ["evil.csv": "name,\"<i>col</i>\",n\n\"<script>alert(1)</script>\",a,1\n\"x\"\" onload=\"\"y\",b,2\n"])
        #expect(ok, "\(errors)")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("x&quot; onload=&quot;y"))
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;/p&gt;"))
    }

    @Test func anErrorEndsTheReportVisibly() {
        let (ok, html, _) = Self.report("""
            load "sales.csv" as sales time day
            from sales | agg n = count()
            from nowhere | agg n = count()
            """, files: ["sales.csv": Self.sales])
        #expect(!ok)
        #expect(html.contains("<table>"))
        #expect(html.contains("The script stopped at an error"))
        #expect(html.contains("nowhere"))
    }

    @Test func exportByExtension() throws {
        try Self.inFolder(with: ["sales.csv": Self.sales]) { context, _, _, folder in
            let ok = SourceRunner(context: context).run("""
                load "sales.csv" as sales
                from sales | agg clicks = sum(clicks)
                export "r.html"
                export "r.csv"
                .export r2.HTML
                """, name: "test")
            #expect(ok)
            let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<td class=\"num\">65</td>"))
            let html2 = try String(contentsOf: folder.appendingPathComponent("r2.HTML"), encoding: .utf8)
            #expect(html2.hasPrefix("<!DOCTYPE html>"))
            let csv = try String(contentsOf: folder.appendingPathComponent("r.csv"), encoding: .utf8)
            #expect(csv == "clicks\n65\n")
        }
    }

    @Test func modeHTMLIntoAFileIsOneDocument() throws {
        try Self.inFolder(with: ["sales.csv": Self.sales]) { context, terminal, _, folder in
            let ok = SourceRunner(context: context).run("""
                .mode html
                .output r.html
                load "sales.csv" as sales
                from sales | agg clicks = sum(clicks)
                from sales | group channel | agg n = count()
                .mode table
                from sales | agg n = count()
                """, name: "test")
            #expect(ok)
            let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
            #expect(html.components(separatedBy: "<!DOCTYPE html>").count == 2)
            #expect(html.components(separatedBy: "<table>").count == 3)
            // After `.mode table`, the file goes on in that mode.
            let after = html.components(separatedBy: "</html>\n").last ?? ""
            #expect(after.contains("4") && !after.contains("<"))
            #expect(terminal.text.isEmpty)
        }
    }

    @Test func extremeValuesDoNotBreakCharts() {
        let (ok, html, errors) = Self.report("""
            load "x.csv" as x
            from x | chart bar k v
            from x | chart line d v
            """, files: ["x.csv": "k,d,v\na,2024-01-01,1e308\nb,2024-01-02,-1e308\nc,2024-01-03,5e-324\n"])
        #expect(ok, "\(errors)")
        #expect(html.contains("<figure class=\"chart bar\" data-marks=\"3\""))
        #expect(html.contains("<figure class=\"chart line\""))
    }

    @Test func commentParagraphs() {
        let source = SourceText(name: "t", text: """
            -- one
            --   continued
            load "a--b.csv" as x -- trailing
            -- two

            -- three
            """)
        #expect(ScriptComments.paragraphs(in: source).map(\.text) == ["one continued", "trailing", "two", "three"])
    }
}
