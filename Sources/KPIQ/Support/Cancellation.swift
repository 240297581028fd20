import Synchronization

/// A flag the client raises (for instance from a SIGINT handler's thread) to stop the
/// running load or query. The engine checks it between batches and throws `Cancelled`.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public func reset() { flag.store(false, ordering: .relaxed) }

    /// Throws `Cancelled` when the flag is raised.
    public func check() throws {
        if isCancelled { throw Cancelled() }
    }
}

/// Thrown when work stops because its cancellation token was raised.
public struct Cancelled: Error, Sendable {}
