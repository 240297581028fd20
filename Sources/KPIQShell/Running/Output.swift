#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where text goes: a file descriptor (standard output, standard error, or a file opened
/// by `.output`). Writes go straight to the descriptor, retrying short writes.
package final class Output: Sendable {
    package let descriptor: Int32
    private let ownsDescriptor: Bool
    package let path: String?
    /// When set, text is kept here instead of written (tests, golden files).
    private let captured: CaptureBuffer?

    package static let standardOutput = Output(descriptor: 1)
    package static let standardError = Output(descriptor: 2)

    package init(descriptor: Int32) {
        self.descriptor = descriptor
        self.ownsDescriptor = false
        self.path = nil
        self.captured = nil
    }

    /// An output that keeps what is written, for `text`.
    package init(capturing: Void) {
        descriptor = -1
        ownsDescriptor = false
        path = nil
        captured = CaptureBuffer()
    }

    /// What a capturing output received so far.
    package var text: String { captured?.text ?? "" }

    /// Opens (creating or truncating) a file for writing.
    package init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError(reason: String(cString: strerror(errno)).lowercased()) }
        descriptor = fd
        ownsDescriptor = true
        self.path = path
        captured = nil
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    package struct OutputError: Error {
        package let reason: String
    }

    package func write(_ text: String) {
        if let captured {
            captured.append(text)
            return
        }
        var bytes = Array(text.utf8)
        var offset = 0
        bytes.withUnsafeMutableBytes { buffer in
            while offset < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
        bytes.removeAll()
    }

    /// Writes `text` in pieces of whole lines, checking `stop` before each: printing a
    /// large result to a terminal takes seconds, and Ctrl-C must end it. Returns false when
    /// it stopped early (what was written ends with a line break).
    @discardableResult
    package func write(_ text: String, stoppingWhen stop: () -> Bool) -> Bool {
        let utf8 = text.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            if stop() { return false }
            var end = utf8.index(start, offsetBy: 32768, limitedBy: utf8.endIndex) ?? utf8.endIndex
            if end < utf8.endIndex, let lineEnd = utf8[end...].firstIndex(of: UInt8(ascii: "\n")) {
                end = utf8.index(after: lineEnd)
            }
            write(String(text[start..<end]))
            start = end
        }
        return true
    }

    package var isTerminal: Bool { descriptor >= 0 && isatty(descriptor) == 1 }
}

/// Text kept by a capturing `Output`.
final class CaptureBuffer: Sendable {
    private let storage = Mutex("")

    func append(_ text: String) { storage.withLock { $0 += text } }

    var text: String { storage.withLock { $0 } }
}
