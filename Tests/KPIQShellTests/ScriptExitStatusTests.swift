import Foundation
import Testing

/// The exit status of `kpiq` running a script, as cron and CI read it: 0 when everything ran,
/// 3 when a `check` found rows (alerts), 1 when a statement failed.
@Suite struct ScriptExitStatusTests {
    static let data = "day,source,leads\n2024-03-01,paid,4\n2024-03-01,organic,12\n2024-03-02,paid,2\n"

    func run(_ statements: [String]) throws -> (status: Int32, output: String) {
        guard let binary = ShellPTYTests.binary else {
            Issue.record("the kpiq binary is not built")
            return (-1, "")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-exit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("leads.csv").path
        try Self.data.write(toFile: csv, atomically: true, encoding: .utf8)
        let script = folder.appendingPathComponent("monitor.kpi").path
        try (["load \"\(csv)\" as l time day"] + statements).joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
        return ShellPTYTests.run([binary, "--asof", "2024-03-02", script])
    }

    @Test func aCheckWithRowsExitsWithThreeAndTheScriptGoesOn() throws {
        let (status, output) = try run([
            "check from l | group source | agg leads = sum(leads) | where leads < 10",
            "from l | agg total = sum(leads)",
        ])
        #expect(status == 3, "\(output)")
        #expect(output.contains("check failed: 1 row"), "\(output)")
        #expect(output.contains("18"), "the statement after the check ran: \(output)")
    }

    @Test func passingChecksExitWithZero() throws {
        let (status, output) = try run(["check from l | where leads > 100"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("check passed"), "\(output)")
    }

    @Test func anErrorAfterAFailedCheckExitsWithOne() throws {
        let (status, output) = try run(["check from l | where leads < 3", "from nowhere"])
        #expect(status == 1, "\(output)")
    }
}
