import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs independent pieces of work on all cores and collects their results in order.
///
/// Each index writes only its own slot, so the unchecked box below is safe: no two
/// iterations touch the same memory, and `concurrentPerform` returns only after all ran.
package enum Parallel {
    /// Worker threads to use: the `KPIQ_THREADS` environment variable, else the online cores.
    package static let threadCount: Int = {
        if let text = getenv("KPIQ_THREADS"), let n = Int(String(cString: text)), n > 0 {
            return n
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Calls `body(i)` for every `i` in `0..<count`, concurrently, and returns the results in index order.
    package static func map<T>(_ count: Int, _ body: (Int) throws -> T) rethrows -> [T] {
        if count == 0 { return [] }
        if count == 1 || threadCount == 1 {
            return try (0..<count).map(body)
        }
        return try withoutActuallyEscaping(body) { body in
            let slots = ResultSlots<T>(count: count)
            let call = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots.store(index, Result { try call.value(index) })
            }
            return try slots.collect()
        }
    }

    /// Calls `body` on contiguous ranges covering `0..<total`, one per core when there is
    /// enough work to pay for waking them (`minimumPerThread` items each), else once inline.
    /// The caller keeps the ranges' writes disjoint.
    package static func forEachRange(_ total: Int, minimumPerThread: Int = 1 << 16, _ body: (Range<Int>) throws -> Void) rethrows {
        let parts = min(threadCount, total / max(1, minimumPerThread))
        if parts <= 1 {
            if total > 0 { try body(0..<total) }
            return
        }
        let pieces = ranges(total, parts: parts)
        _ = try map(pieces.count) { try body(pieces[$0]) }
    }

    /// Splits `0..<total` into about `parts` contiguous ranges of near-equal size.
    package static func ranges(_ total: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, total))
        if total == 0 { return [] }
        var result: [Range<Int>] = []
        result.reserveCapacity(parts)
        var start = 0
        for index in 0..<parts {
            let end = total * (index + 1) / parts
            if end > start { result.append(start..<end) }
            start = end
        }
        return result
    }
}

/// A value handed to other threads whose accesses the caller keeps disjoint.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Result slots written once each, by index, from concurrent iterations.
private final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<T, any Error>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ index: Int, _ result: Result<T, any Error>) { slots[index] = result }

    func collect() throws -> [T] {
        var values: [T] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(try slots[index]!.get()) }
        return values
    }
}
