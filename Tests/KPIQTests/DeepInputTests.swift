import Foundation
import Testing
@testable import KPIQ

/// Long and deeply nested input, run in-process: a stack overflow here kills the test run.
/// Long flat runs (`a or b or ...` with 10,000 terms, as pasted from spreadsheets) must work;
/// nesting past the limits must be a diagnostic with a place, never a crash.
@Suite struct DeepInputTests {
    static let data = TestSupport.packageRoot.appendingPathComponent("Tests/Golden/data").path

    func session() -> Session {
        let session = Session()
        let outcome = session.run(SourceText(name: "t", text: "load \"\(Self.data)/sessions.csv\" as s time ts"))
        precondition(outcome.error == nil, "\(outcome.error!)")
        return session
    }

    /// The first value of the last result.
    func value(_ text: String, in session: Session? = nil) throws -> Scalar {
        let table = try TestSupport.run(text, session: session ?? self.session())!
        return table.columns[0].scalar(at: 0)
    }

    /// The diagnostic `text` stops with.
    func failure(_ text: String, in session: Session? = nil) -> Diagnostic? {
        (session ?? self.session()).run(SourceText(name: "t", text: text)).error
    }

    func joined(_ count: Int, _ separator: String, _ term: (Int) -> String) -> String {
        (0..<count).map(term).joined(separator: separator)
    }

    // MARK: - Long chains work

    @Test func tenThousandOrTerms() throws {
        // Equalities with constants become one `in` list; the others stay an n-ary `or`.
        #expect(try value("from s | where " + joined(10_000, " or ") { "seconds = \($0)" } + " | agg n = count()") == .int(9))
        #expect(try value("from s | where " + joined(10_000, " or ") { "seconds + 0 = \($0)" } + " | agg n = count()") == .int(9))
        #expect(try value("from s | where source = \"nope\" or " + joined(10_000, " or ") { _ in "false" } + " | agg n = count()") == .int(0))
    }

    @Test func tenThousandAndTerms() throws {
        #expect(try value("from s | where " + joined(10_000, " and ") { "seconds != \($0 + 1000)" } + " | agg n = count()") == .int(9))
    }

    @Test func tenThousandTermSums() throws {
        let s = session()
        #expect(try value("from s | derive x = " + joined(10_000, " + ") { _ in "1" } + " | select x | limit 1", in: s) == .int(10_000))
        #expect(try value("from s | derive x = " + joined(10_000, " + ") { _ in "seconds" } + " | select x | limit 1", in: s) == .int(1_200_000))
        // Left to right: 100 - 1 - 1 - ... is not 100 - (1 - (1 - ...)).
        #expect(try value("from s | derive x = seconds - " + joined(10_000, " - ") { _ in "1" } + " | select x | limit 1", in: s) == .int(120 - 10_000))
        #expect(try value("from s | derive x = length(" + joined(10_000, " || ") { _ in "source" } + ") | select x | limit 1", in: s) == .int(70_000))
    }

    @Test func tenThousandTermMetric() throws {
        let s = session()
        #expect(try value("metric m = " + joined(5_000, " + ") { _ in "count(s)" } + "\nshow m", in: s) == .int(50_000))
        #expect(try value("metric w = count(s) where " + joined(10_000, " or ") { "seconds = \($0)" } + "\nshow w", in: s) == .int(9))
    }

    /// A show's `where` is split into conditions on rows and on results, and put back together
    /// as flat runs (once rebuilt as nested pairs, 10,000 deep).
    @Test func tenThousandConditionsInAShow() throws {
        let s = session()
        let text = "metric n = count(s)\nshow n by source where " + joined(10_000, " and ") { "seconds != \($0 + 1000)" } + " and n > 1"
        let table = try TestSupport.run(text, session: s)!
        #expect(TestSupport.values(table, "source") == [.text("organic"), .text("paid")])
    }

    @Test func nestingUpToTheLimit() throws {
        let s = session()
        let depth = Parser.maxNesting - 1
        #expect(try value("from s | where " + String(repeating: "(", count: depth) + "seconds = 120" + String(repeating: ")", count: depth) + " | agg n = count()", in: s) == .int(1))
        #expect(try value("from s | derive x = " + String(repeating: "abs(", count: depth - 1) + "-seconds" + String(repeating: ")", count: depth - 1) + " | select x | limit 1", in: s) == .int(120))
        #expect(try value("from s | derive x = " + String(repeating: "(1 + ", count: depth) + "seconds" + String(repeating: ")", count: depth) + " | select x | limit 1", in: s) == .int(120 + Int64(depth)))
        #expect(try value("from s | where " + joined(depth, "") { "seconds = \($0) or (" } + "false" + String(repeating: ")", count: depth) + " | agg n = count()", in: s) == .int(9))
        #expect(try value("from " + String(repeating: "(from ", count: depth - 1) + "s" + String(repeating: ")", count: depth - 1) + " | agg n = count()", in: s) == .int(10))
    }

    /// A caller on a thread with a small stack (macOS gives secondary threads 512 KB) is as safe
    /// as the main thread: parsing and running happen on a large stack of their own.
    @Test func smallStackCaller() throws {
        let depth = Parser.maxNesting - 1
        let deep = "from s | where " + String(repeating: "(", count: depth) + "seconds = 120" + String(repeating: ")", count: depth) + " | agg n = count()"
        let long = "from s | where " + joined(10_000, " or ") { "seconds + 0 = \($0)" } + " | agg n = count()"
        let session = self.session()
        let results = Self.onSmallStack {
            [deep, long].map { text -> Scalar? in
                guard let table = try? TestSupport.run(text, session: session) else { return nil }
                return table.columns[0].scalar(at: 0)
            }
        }
        #expect(results == [.int(1), .int(9)])
        let parsed = Self.onSmallStack { Parser.parse(SourceText(name: "t", text: deep)).diagnostics.count }
        #expect(parsed == 0)
    }

    /// `body` run on a new thread with a 512 KB stack.
    static func onSmallStack<T>(_ body: @escaping () -> T) -> T {
        let job = SmallStackJob(body)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            job.value = job.body()
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        return job.value!
    }

    // MARK: - Too deep is a diagnostic

    @Test func nestingPastTheLimit() throws {
        let s = session()
        let n = 10_000
        let cases = [
            ("from s | where " + String(repeating: "(", count: n) + "true" + String(repeating: ")", count: n), "expression nested too deeply", "("),
            ("from s | derive x = " + String(repeating: "- ", count: n) + "seconds", "expression nested too deeply", "-"),
            ("from s | where " + String(repeating: "not ", count: n) + "true", "expression nested too deeply", "not"),
            ("from s | derive x = " + String(repeating: "abs(", count: n) + "seconds" + String(repeating: ")", count: n), "expression nested too deeply", "abs"),
            ("from " + String(repeating: "(from ", count: n) + "s" + String(repeating: ")", count: n), "pipeline nested too deeply", "("),
        ]
        for (text, message, token) in cases {
            let diagnostic = try #require(failure(text, in: s))
            #expect(diagnostic.code == .nestedTooDeeply)
            #expect(diagnostic.message == message)
            let span = try #require(diagnostic.span)
            let at = String(decoding: Array(text.utf8)[span.start..<span.end], as: UTF8.self)
            #expect(at == token, "\(message) points at `\(at)`")
        }
    }

    @Test func nestedMetricsPastTheLimit() throws {
        let s = session()
        let wrap = String(repeating: "abs(", count: 100)
        let unwrap = String(repeating: ")", count: 100)
        var text = "metric m0 = count(s)\n"
        for k in 1...12 { text += "metric m\(k) = \(wrap)m\(k - 1)\(unwrap)\n" }
        let diagnostic = try #require(failure(text, in: s))
        #expect(diagnostic.code == .nestedTooDeeply)
        #expect(diagnostic.message == "metric nested too deeply")
        #expect(s.kpis.metrics["m9"] != nil)  // each metric is checked as it is defined
    }

    @Test func stepsPastTheLimit() throws {
        let s = session()
        let diagnostic = try #require(failure("from s" + String(repeating: " | where true", count: Parser.maxSteps + 1), in: s))
        #expect(diagnostic.code == .nestedTooDeeply)
        #expect(diagnostic.message == "a query has at most \(Parser.maxSteps) steps")
        #expect(try value("from s" + String(repeating: " | union s", count: 3_000) + " | agg n = count()", in: s) == .int(30_010))
    }

    /// `.explain` prints whatever can run, however deep or long, even for a caller on a small
    /// stack: it binds and prints on the large stack too.
    @Test func explainDeepAndLongInput() throws {
        let s = session()
        let depth = Parser.maxNesting - 1
        let texts = [
            "from s | where " + String(repeating: "(", count: depth) + "seconds = 120" + String(repeating: ")", count: depth),
            "from s | derive x = " + String(repeating: "abs(", count: depth - 1) + "-seconds" + String(repeating: ")", count: depth - 1),
            "from s | derive x = " + String(repeating: "(1 + ", count: depth) + "seconds" + String(repeating: ")", count: depth),
            "from s | where " + joined(10_000, " or ") { "seconds + 0 = \($0)" },
            "from s" + String(repeating: " | union s", count: 3_000),
            "from s" + String(repeating: " | where seconds > 1", count: 3_000),
        ]
        let printed = Self.onSmallStack { texts.map { try? s.explain(statement: SourceText(name: "t", text: $0)) } }
        #expect(printed.allSatisfy { $0 != nil })
        #expect(printed[2]?.contains("x = 1 + (1 + (1 + ") == true)
        #expect(printed[3]?.contains("seconds + 0 = 9999\n") == true)
        #expect(printed[4]?.hasPrefix("union: 3001 inputs\n") == true)
        // Every step, each on a line indented no further than `deepestIndent` levels (not 3,000).
        let steps = printed[5]?.split(separator: "\n") ?? []
        #expect(steps.filter { $0.hasSuffix("filter: seconds > 1") }.count == 3_000)
        #expect(steps.allSatisfy { $0.count <= 2 * PlanPrinter.deepestIndent + PlanPrinter.lineWidth })
    }

    // MARK: - No blowup

    /// Each item of a `derive` that uses the one before it is computed once, not re-expanded
    /// (which doubled the expression per item: 2^40 terms here).
    @Test func deriveChainsStayLinear() throws {
        let text = "from s | derive a0 = seconds" + (0..<40).map { ", a\($0 + 1) = a\($0) + a\($0)" }.joined() + " | select a40 | limit 1"
        #expect(try value(text) == .int(120 << 40))
    }

    // MARK: - Printing

    @Test func printerBracketsOnlyWhereNeeded() throws {
        func printed(_ text: String) throws -> String { ExpressionPrinter.text(try Parser.parseExpression(SourceText(name: "t", text: text))) }
        #expect(try printed("(a + b) * c - d / (e - f)") == "(a + b) * c - d / (e - f)")
        #expect(try printed("a - (b - c) - d") == "a - (b - c) - d")
        #expect(try printed("(a or b) and not (c and d)") == "(a or b) and not (c and d)")
        #expect(try printed("-(-x)") == "-(-x)")
        #expect(try printed("(a = b) = c") == "(a = b) = c")
        #expect(try printed("(count() where x = 1) / count()") == "(count() where x = 1) / count()")
        #expect(try printed("x between 1 + 2 and (3 or 4)") == "x between 1 + 2 and (3 or 4)")
        let long = joined(10_000, " or ") { "x = \($0)" }
        #expect(try printed(long) == long)
    }

    @Test func longLinesAreCutAroundTheCaret() throws {
        let text = "from s | where " + String(repeating: "(", count: 2_000) + "true" + String(repeating: ")", count: 2_000)
        let source = SourceText(name: "t", text: text)
        let diagnostic = try #require(session().run(source).error)
        let rendered = DiagnosticRenderer.render(diagnostic, source: source).split(separator: "\n")
        #expect(rendered.allSatisfy { $0.count <= DiagnosticRenderer.maxLineWidth + 10 })
        let line = try #require(rendered.first { $0.hasPrefix(" 1 | ") })
        let caret = try #require(rendered.first { $0.contains("^") })
        let column = caret.distance(from: caret.startIndex, to: caret.firstIndex(of: "^")!)
        #expect(Array(line)[column] == "(")
    }
}

/// Work handed to a thread and its result; the caller waits for the thread before reading it.
private final class SmallStackJob<T>: @unchecked Sendable {
    let body: () -> T
    var value: T?

    init(_ body: @escaping () -> T) { self.body = body }
}
