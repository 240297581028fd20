// The file a target writes each input to, for the readers that take a path (CSV, Parquet,
// XLSX, JSON, saved sessions): one per target and process, in /dev/shm (or $TMPDIR when
// /dev/shm is not writable), so that parallel fuzzing jobs never share one.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var scratchPaths: [String: String] = [:]

/// `kpiq-NAME-PID.EXTENSION` in the scratch folder, chosen once per name.
func scratchPath(_ name: String, extension suffix: String) -> String {
    let key = name + "." + suffix
    if let path = scratchPaths[key] { return path }
    var dir = "/dev/shm"
    if access(dir, W_OK) != 0 { dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }
    let path = "\(dir)/kpiq-\(name)-\(getpid()).\(suffix)"
    scratchPaths[key] = path
    return path
}

/// Replaces the file at `path` with `bytes`; false when it cannot be written whole.
func writeScratch(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n <= 0 { return false }
        offset += n
    }
    return true
}
