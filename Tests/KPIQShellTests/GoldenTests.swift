import Foundation
import KPIQ
import Testing
@testable import KPIQShell

/// Every golden file under Tests/Golden, and every example script with its expected output.
@Suite struct GoldenTests {
    static let goldenFiles = GoldenFiles.files(in: "Tests/Golden", suffix: ".test")
    /// Top-level example scripts (helpers they read live in subfolders).
    static let examples = GoldenFiles.files(in: "examples", suffix: ".kpi").filter {
        $0.deletingLastPathComponent().lastPathComponent == "examples"
    }

    /// Golden files whose `# requires:` data is not on this machine, with the path missing.
    static let missingData: [(url: URL, missing: String)] = goldenFiles.compactMap { url in
        guard let missing = (try? GoldenFiles.missingRequirement(url)) ?? nil else { return nil }
        return (url, missing)
    }
    static let missingDataNote = missingData.map { "\($0.url.lastPathComponent) (\($0.missing) is not present)" }.joined(separator: ", ")

    @Test("golden file", arguments: goldenFiles.filter { url in !missingData.contains { $0.url == url } })
    func golden(_ url: URL) throws {
        let problems = try GoldenFiles.check(url)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n\n"))")
    }

    /// The golden files whose data is missing, run when it is there; otherwise the run lists
    /// this test as skipped, naming them, so that a missing file never counts as passed.
    @Test("golden file whose data is missing",
          .disabled(if: !GoldenTests.missingData.isEmpty, Comment(rawValue: GoldenTests.missingDataNote)),
          arguments: missingData.map(\.url))
    func goldenNeedingData(_ url: URL) throws {
        let problems = try GoldenFiles.check(url)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n\n"))")
    }

    /// The golden files were found (a wrong root would run the test above over nothing), and
    /// each holds blocks: a file whose headers were all mistyped would otherwise check nothing.
    @Test func everyGoldenFileHasBlocks() throws {
        #expect(!Self.goldenFiles.isEmpty, "no .test files under \(GoldenFiles.packageRoot.path)/Tests/Golden")
        for url in Self.goldenFiles {
            let blocks = GoldenFiles.parse(try String(contentsOf: url, encoding: .utf8))
            #expect(!blocks.isEmpty, "\(url.lastPathComponent) holds no statement or query block")
        }
    }

    /// Every metric of the standard library is shown, with its expected values, by some
    /// golden test (library_catalog.test holds one for each).
    @Test func everyLibraryMetricHasAGoldenTest() throws {
        var shown = Set<String>()
        for url in Self.goldenFiles {
            let text = try String(contentsOf: url, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("show ") {
                for word in line.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) { shown.insert(String(word)) }
            }
        }
        let missing = KPILibrary.names.filter { !shown.contains($0) }
        #expect(missing.isEmpty, "library metrics no golden `show` covers: \(missing.joined(separator: ", "))")
    }

    /// `examples/NAME.kpi` prints exactly `examples/NAME.expected`.
    @Test("example script", arguments: examples)
    func example(_ url: URL) throws {
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        let (context, transcript) = GoldenFiles.context(baseDirectory: url.deletingLastPathComponent().path)
        let script = try String(contentsOf: url, encoding: .utf8)
        let ok = SourceRunner(context: context).run(script, name: "examples/" + url.lastPathComponent)
        let actual = GoldenFiles.trimmed(transcript.text) + "\n"
        if GoldenFiles.updating {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        #expect(ok, "\(url.lastPathComponent) stopped with an error:\n\(actual)")
        let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? "(missing \(expectedURL.lastPathComponent))"
        #expect(actual == expected, "\(url.lastPathComponent): output differs from \(expectedURL.lastPathComponent)\n--- actual\n\(actual)")
    }
}
