import Foundation
import Testing

/// Runs `Tests/Report/test_report.py`: every example's HTML report loaded in headless
/// Chromium, its DOM and a screenshot checked. Skipped, saying why, when chromium is missing
/// (`scripts/dependencies.sh` installs it) or the binary has not been built.
@Suite struct HTMLReportBrowserTests {
    static var skipReason: String? {
        if ShellPTYTests.binary == nil { return "the kpiq binary is not built; run `swift build` first" }
        let found = ["chromium", "chromium-browser", "google-chrome"].contains { ShellPTYTests.run(["sh", "-c", "command -v \($0)"]).status == 0 }
        return found ? nil : "chromium is not installed (apt-get install chromium, or scripts/test.sh)"
    }

    static var canRun: Bool {
        guard let reason = skipReason else { return true }
        print("HTMLReportBrowserTests skipped: \(reason)")
        return false
    }

    @Test(.enabled(if: HTMLReportBrowserTests.canRun, "needs chromium, and kpiq built with `swift build`"))
    func everyExampleReportInChromium() throws {
        let script = ShellPTYTests.packageRoot.appendingPathComponent("Tests/Report/test_report.py").path
        let result = ShellPTYTests.run(["python3", script, ShellPTYTests.binary!])
        print(result.output)
        #expect(result.status == 0, "the report tests failed:\n\(result.output)")
    }
}
