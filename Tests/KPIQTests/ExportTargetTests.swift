import Foundation
import Testing
@testable import KPIQ

/// `export` never replaces a file the session loaded a dataset from unless told to
/// (`export "f.csv" overwrite`): a query that filtered everything out once turned the user's
/// only copy of their data into a header line (issue 22, defect 5).
@Suite struct ExportTargetTests {
    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func theSourceOfALoadIsNotReplaced() throws {
        let path = try TestSupport.file("a,b\n1,x\n", name: "victim.csv")
        defer { TestSupport.remove(path) }
        let session = Session()
        let outcome = session.run(SourceText(name: "t", text: "load \"\(path)\" as t\nfrom t | where a > 5\nexport \"\(path)\""))
        let error = try #require(outcome.error)
        #expect(error.code == .outputError)
        #expect(error.message == "`\(path)` is the file dataset `t` was loaded from; exporting would replace it")
        #expect(error.hints.first == "to replace it anyway: `export \"\(path)\" overwrite`")
        #expect(try contents(path) == "a,b\n1,x\n")
    }

    /// The same file by another name (a relative path, `./`, a symbolic link) is the same file.
    @Test func theSameFileUnderAnotherNameIsRecognised() throws {
        let path = try TestSupport.file("a\n1\n", name: "data.csv")
        defer { TestSupport.remove(path) }
        let folder = (path as NSString).deletingLastPathComponent
        let link = folder + "/link.csv"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let session = Session()
        _ = try TestSupport.run("load \"\(path)\" as t\nfrom t", session: session)
        for target in ["./data.csv", "data.csv", "link.csv", "../\((folder as NSString).lastPathComponent)/data.csv"] {
            let outcome = session.run(SourceText(name: "t", text: "export \"\(target)\""), baseDirectory: folder)
            #expect(outcome.error?.code == .outputError, "\(target)")
        }
        #expect(try contents(path) == "a\n1\n")
    }

    @Test func overwriteReplacesItAndOtherFilesNeedNoPermission() throws {
        let path = try TestSupport.file("a,b\n1,x\n2,y\n", name: "data.csv")
        defer { TestSupport.remove(path) }
        let other = (path as NSString).deletingLastPathComponent + "/other.csv"
        let session = Session()
        _ = try TestSupport.run("load \"\(path)\" as t\nfrom t | where a > 1", session: session)
        #expect(session.run(SourceText(name: "t", text: "export \"\(other)\"")).error == nil)
        #expect(try contents(other) == "a,b\n2,y\n")
        // A file that is not a source is replaced as before.
        #expect(session.run(SourceText(name: "t", text: "export \"\(other)\"")).error == nil)
        #expect(session.run(SourceText(name: "t", text: "export \"\(path)\" overwrite")).error == nil)
        #expect(try contents(path) == "a,b\n2,y\n")
    }

    /// Dropping or replacing the dataset does not make its file fair game: it is still the
    /// user's data, loaded in this session.
    @Test func aDroppedDatasetsFileStaysProtected() throws {
        let path = try TestSupport.file("a\n1\n", name: "data.csv")
        defer { TestSupport.remove(path) }
        let session = Session()
        _ = try TestSupport.run("load \"\(path)\" as t\nfrom t\ndrop t", session: session)
        #expect(session.run(SourceText(name: "t", text: "export \"\(path)\"")).error?.code == .outputError)
    }

    @Test func overwriteIsPartOfTheStatement() {
        let parsed = Parser.parse(SourceText(name: "t", text: "export \"a.csv\" overwrite\nexport \"b.csv\""))
        #expect(parsed.diagnostics.isEmpty)
        guard case .export(let path, _, let overwrite) = parsed.statements[0].kind else {
            Issue.record("expected an export")
            return
        }
        #expect(path == "a.csv" && overwrite)
        guard case .export(_, _, let second) = parsed.statements[1].kind else {
            Issue.record("expected an export")
            return
        }
        #expect(!second)
        #expect(!Parser.parse(SourceText(name: "t", text: "export \"a.csv\" overwrit")).diagnostics.isEmpty)
    }
}
