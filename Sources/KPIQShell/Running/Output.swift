#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where text goes: a file descriptor (standard output, standard error, or a file opened
/// by `.output`). Writes go straight to the descriptor, retrying short writes.
public final class Output: Sendable {
    public let descriptor: Int32
    private let ownsDescriptor: Bool
    public let path: String?

    public static let standardOutput = Output(descriptor: 1)
    public static let standardError = Output(descriptor: 2)

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        self.ownsDescriptor = false
        self.path = nil
    }

    /// Opens (creating or truncating) a file for writing.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError(reason: String(cString: strerror(errno)).lowercased()) }
        descriptor = fd
        ownsDescriptor = true
        self.path = path
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public struct OutputError: Error {
        public let reason: String
    }

    public func write(_ text: String) {
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

    public var isTerminal: Bool { isatty(descriptor) == 1 }
}
