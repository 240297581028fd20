import Synchronization

/// Counters a running load updates and a client may poll from another thread to show progress.
public final class LoadProgress: Sendable {
    private let bytes = Atomic<Int>(0)
    private let rows = Atomic<Int>(0)
    private let total = Atomic<Int>(0)

    public init() {}

    public var bytesRead: Int { bytes.load(ordering: .relaxed) }
    public var rowsRead: Int { rows.load(ordering: .relaxed) }
    public var totalBytes: Int { total.load(ordering: .relaxed) }

    func start(totalBytes: Int) {
        total.store(totalBytes, ordering: .relaxed)
        bytes.store(0, ordering: .relaxed)
        rows.store(0, ordering: .relaxed)
    }

    func add(bytes byteCount: Int, rows rowCount: Int) {
        bytes.add(byteCount, ordering: .relaxed)
        rows.add(rowCount, ordering: .relaxed)
    }
}
