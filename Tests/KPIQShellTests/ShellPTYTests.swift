#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// Runs `Tests/Shell/test_shell.py`, which drives the built `kpiq` binary in a
/// pseudo-terminal (completion, history, Ctrl-C, Ctrl-D, UTF-8 editing). Skipped when python3
/// or pexpect is missing, or the binary has not been built (`swift build`).
@Suite struct ShellPTYTests {
    /// The package root: up from this file until Package.swift.
    static var packageRoot: URL {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The `kpiq` binary: next to the test bundle when the tests run from `.build/debug`,
    /// else `.build/debug/kpiq` under the package root.
    static var binary: String? {
        var candidates: [URL] = []
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().appendingPathComponent("kpiq"))
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kpiq"))
        candidates.append(packageRoot.appendingPathComponent(".build/debug/kpiq"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program; returns its exit status and everything it printed.
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Why the shell tests cannot run here, or nil when they can.
    static var skipReason: String? {
        if run(["python3", "-c", "import pexpect"]).status != 0 {
            return "python3 with the pexpect package is needed (pip install pexpect)"
        }
        if binary == nil { return "the kpiq binary is not built; run `swift build` first" }
        return nil
    }

    /// False (after saying why) when the tests cannot run here.
    static var canRun: Bool {
        guard let reason = skipReason else { return true }
        print("ShellPTYTests skipped: \(reason)")
        return false
    }

    @Test(.enabled(if: ShellPTYTests.canRun, "needs python3 with pexpect, and kpiq built with `swift build`"))
    func interactiveShellInAPseudoTerminal() throws {
        let script = Self.packageRoot.appendingPathComponent("Tests/Shell/test_shell.py").path
        let result = Self.run(["python3", script, Self.binary!])
        print(result.output)
        #expect(result.status == 0, "the shell tests failed:\n\(result.output)")
    }
}
