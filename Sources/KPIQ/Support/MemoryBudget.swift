#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The memory a statement may ask for: the session's limit (`Settings.memoryLimit`, set with
/// `--memory-limit` or `.memory`) less what its datasets already hold.
///
/// The steps whose size the data decides (a load, a join's output, a grouping's groups, a sort,
/// a materialized result) estimate what they are about to allocate from row counts and column
/// widths and check it here first, so a step that would not fit stops with an error naming
/// the step and the size it needed, before the allocation that would have taken the machine
/// down; the session keeps everything it had. An estimate is of the step's own arrays, not of
/// every temporary of the statement: the budget is a guard against the runaway case (a join
/// key shared by every row, a grouping by a unique id of billions of rows), not an exact
/// accounting of the process.
package struct MemoryBudget: Sendable {
    /// The most bytes the session's datasets and a step may hold together.
    package let limit: Int
    /// Bytes the session's datasets hold when the statement starts.
    package let held: Int

    package init(limit: Int, held: Int) {
        self.limit = limit
        self.held = held
    }

    /// What a step may still allocate.
    package var available: Int { max(0, limit - held) }

    /// Throws when `bytes` (for `what`: "the join", "the sort") would go over the limit.
    /// `detail` says how the size was estimated ("3,600,000,000 rows of 24 bytes"); `remedy`
    /// what would make the step smaller.
    func check(_ bytes: Int, for what: @autoclosure () -> String, detail: @autoclosure () -> String? = nil,
               remedy: String = "filter or aggregate before this step") throws {
        guard bytes > available else { return }
        var message = "\(what()) needs \(ByteSize.text(bytes))"
        if let detail = detail() { message += " (\(detail))" }
        message += ", more than the memory limit of \(ByteSize.text(limit)) leaves"
        if held > 0 { message += " (the loaded datasets hold \(ByteSize.text(held)) of it)" }
        throw Diagnostic(.limitExceeded, message, hints: [
            "\(remedy), drop datasets you no longer need, or raise the limit with `.memory SIZE` (or `--memory-limit SIZE`)",
        ])
    }

    /// `rows` times `bytesPerRow`, saturating instead of overflowing (a count of join pairs
    /// can be any product of two row counts).
    static func bytes(rows: Int, bytesPerRow: Int) -> Int {
        let (product, overflow) = max(0, rows).multipliedReportingOverflow(by: max(0, bytesPerRow))
        return overflow ? Int.max : product
    }

    /// A step whose size grows as it runs (the groups of a grouping, the rows of a result,
    /// found batch by batch on several threads): each thread adds what it allocated, and the
    /// one that takes the total over the limit stops the step.
    final class Meter: Sendable {
        let budget: MemoryBudget
        let what: String
        /// What is counted ("groups", "rows"), for the message.
        let unit: String
        private let total = Atomic<Int>(0)
        private let units = Atomic<Int>(0)

        init(_ budget: MemoryBudget, for what: String, counting unit: String) {
            self.budget = budget
            self.what = what
            self.unit = unit
        }

        /// Adds `count` more units of `bytesEach` to the step's total and checks it.
        func add(_ count: Int, of bytesEach: Int) throws {
            guard count > 0 else { return }
            let (_, now) = total.add(MemoryBudget.bytes(rows: count, bytesPerRow: bytesEach), ordering: .relaxed)
            let (_, counted) = units.add(count, ordering: .relaxed)
            try budget.check(now, for: what, detail: "\(Session.count(counted)) \(unit) so far, of \(bytesEach) bytes")
        }
    }

    /// The memory of the machine, or of the container when it is given less.
    package static let machineMemory: Int = {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        if let container = containerLimit(), container < physical { return container }
        return physical
    }()

    /// The default limit: 80% of `machineMemory`, which leaves the rest to the system and the
    /// other programs, as DuckDB does.
    package static let defaultLimit = machineMemory / 10 * 8

    /// The memory the process's control group may use (cgroup v2, then v1); nil without one.
    private static func containerLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let file = fopen(path, "r") else { continue }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 64)
            guard fgets(&buffer, Int32(buffer.count), file) != nil else { continue }
            let text = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // "max", or v1's "no limit" (a number near Int64.max), mean none.
            if let bytes = Int(text), bytes > 0, bytes < 1 << 60 { return bytes }
        }
        return nil
    }
}
