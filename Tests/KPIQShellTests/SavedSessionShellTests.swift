import Foundation
import KPIQ
import Testing
@testable import KPIQShell

/// `.save FILE` and `.open FILE` at the prompt, and `kpiq FILE.kpiq` on the command line.
@Suite struct SavedSessionShellTests {
    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpiq-saved-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "day,source,leads\n2024-03-01,paid,4\n2024-03-02,organic,12\n".write(to: folder.appendingPathComponent("leads.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    func run(_ script: String, in folder: URL) -> (ok: Bool, output: String, errors: String) {
        let context = ShellContext()
        let (output, errors) = (Output(capturing: ()), Output(capturing: ()))
        context.output = output
        context.errors = errors
        context.baseDirectory = folder.path
        let ok = SourceRunner(context: context).run(script, name: "test")
        return (ok, output.text, errors.text)
    }

    @Test func dotCommandsSaveAndOpen() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = run("load \"leads.csv\" as l time day\nmetric total = sum(l.leads)\n.save \"q 1.kpiq\"", in: folder)
        #expect(saved.ok, "\(saved.errors)")
        #expect(saved.output.contains("saved 1 dataset (2 rows), 1 metric to q 1.kpiq"), "\(saved.output)")
        let opened = run(".open \"q 1.kpiq\"\nfrom l | agg n = sum(leads)", in: folder)
        #expect(opened.ok, "\(opened.errors)")
        #expect(opened.output.contains("opened q 1.kpiq: 1 dataset (2 rows), 1 metric"), "\(opened.output)")
        #expect(opened.output.contains("16"), "\(opened.output)")
        let refused = run("load \"leads.csv\" as l\n.save leads.csv", in: folder)
        #expect(!refused.ok)
        #expect(refused.errors.contains("leads.csv exists and is not a saved kpiq session"), "\(refused.errors)")
        #expect(run(".open", in: folder).errors.contains("usage: .open FILE"))
    }

    @Test func theCommandLineOpensASavedSession() throws {
        guard let binary = ShellPTYTests.binary else {
            Issue.record("the kpiq binary is not built")
            return
        }
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("leads.csv").path, session = folder.appendingPathComponent("q4.kpiq").path
        let (status, output) = ShellPTYTests.run([binary, "--no-init", "-c", "load \"\(csv)\" as l time day\nsave \"\(session)\""])
        #expect(status == 0, "\(output)")
        let (opened, result) = ShellPTYTests.run([binary, "--no-init", session, "-c", "from l | agg n = sum(leads)"])
        #expect(opened == 0, "\(result)")
        #expect(result.contains("opened \(session): 1 dataset (2 rows)") && result.contains("16"), "\(result)")
    }
}
