#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work on a thread of its own with a large stack, and waits for it.
///
/// The parser, the binders and the evaluator recurse once per level of nesting (brackets,
/// calls, pipelines in pipelines, metrics built on metrics). Those levels are capped
/// (`Parser.maxNesting`, `Parser.maxSteps`), and this stack is sized so that the caps are
/// safe with room to spare in a debug build, whatever thread the caller is on: an 8 MB main
/// thread, or a 512 KB secondary thread on macOS. The memory is reserved, not used: pages
/// are only touched as deep as the recursion goes.
enum LargeStack {
    static let size = 128 << 20

    static func run<T>(_ body: () throws -> T) rethrows -> T {
        try withoutActuallyEscaping(body) { body in
            let job = Job(body)
            guard start(job) else { return try body() }  // no thread to be had: run here
            return try job.result!.get()
        }
    }

    /// Runs `job` on a new thread and waits for it; false when the thread could not be made.
    private static func start(_ job: any Runnable) -> Bool {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        guard pthread_attr_setstacksize(&attributes, size) == 0 else { return false }
        let context = Unmanaged.passRetained(job as AnyObject).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { context in
            (Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue() as! any Runnable).run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            return false
        }
        pthread_join(thread, nil)
        #else
        var thread: pthread_t?
        let created = pthread_create(&thread, &attributes, { context in
            (Unmanaged<AnyObject>.fromOpaque(context).takeRetainedValue() as! any Runnable).run()
            return nil
        }, context)
        guard created == 0, let thread else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            return false
        }
        pthread_join(thread, nil)
        #endif
        return true
    }
}

private protocol Runnable: AnyObject {
    func run()
}

/// The work and its result, shared with the thread; the caller waits for the thread, so the
/// two never touch it at the same time.
private final class Job<T>: Runnable, @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, any Error>?

    init(_ body: @escaping () throws -> T) { self.body = body }

    func run() { result = Result { try body() } }
}
