#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading script files.
package enum FileText {
    /// The whole file as UTF-8 text (invalid bytes replaced), or nil when it cannot be read.
    package static func read(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        // fopen succeeds on a folder; reading it fails with EISDIR below.
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        if ferror(file) != 0 { return nil }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Why the last `read` failed, from errno ("no such file", "permission denied").
    package static func lastError() -> String {
        switch errno {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case EISDIR: return "it is a folder"
        default: return String(cString: strerror(errno)).lowercased()
        }
    }

    /// The folder part of a path ("." for a bare file name).
    /// The file name of a path (`examples/tour.kpi`: `tour.kpi`).
    package static func baseName(of path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }
}
