#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Runs work on a thread with a large stack, and waits for it.
///
/// The parser, the binders and the evaluator recurse once per level of nesting (brackets,
/// calls, pipelines in pipelines, metrics built on metrics). Those levels are capped
/// (`Parser.maxNesting`, `Parser.maxSteps`), and this stack is sized so that the caps are
/// safe with room to spare in a debug build, whatever thread the caller is on: an 8 MB main
/// thread, or a 512 KB secondary thread on macOS. The memory is reserved, not used: pages
/// are only touched as deep as the recursion goes.
///
/// The threads are kept and reused (making one, with its stack mapping, costs more than a
/// small query), and work started from one of them runs there directly.
enum LargeStack {
    static let size = 128 << 20

    static func run<T>(_ body: () throws -> T) rethrows -> T {
        if StackWorker.isCurrent { return try body() }
        return try withoutActuallyEscaping(body) { body in
            let job = Job(body)
            if let worker = StackWorker.take() {
                worker.perform(job)
                StackWorker.giveBack(worker)
            } else if !start(job, detached: false) {
                return try body()  // no thread to be had: run here
            }
            return try job.result!.get()
        }
    }

    /// Runs `job` on a new thread, and waits for it unless `detached`; false when the
    /// thread could not be made.
    fileprivate static func start(_ job: any Runnable, detached: Bool) -> Bool {
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
        if detached { pthread_detach(thread) } else { pthread_join(thread, nil) }
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
        if detached { pthread_detach(thread) } else { pthread_join(thread, nil) }
        #endif
        return true
    }
}

fileprivate protocol Runnable: AnyObject {
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

/// A kept thread with a large stack that runs one job at a time for whoever holds it.
private final class StackWorker: Runnable, @unchecked Sendable {
    private static let idle = Mutex<[StackWorker]>([])
    /// Marks the workers' threads (so work started on one runs there, not on another).
    private static let marker: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    /// Workers kept idle at most (sessions running at once beyond this make their own).
    private static let keep = 4

    static var isCurrent: Bool { pthread_getspecific(marker) != nil }

    private let start = DispatchSemaphore(value: 0)
    private let finish = DispatchSemaphore(value: 0)
    private var job: (any Runnable)?

    /// An idle worker, or a new one (nil when no thread can be made).
    static func take() -> StackWorker? {
        if let worker = idle.withLock({ $0.popLast() }) { return worker }
        let worker = StackWorker()
        return LargeStack.start(worker, detached: true) ? worker : nil
    }

    static func giveBack(_ worker: StackWorker) {
        let kept = idle.withLock { workers -> Bool in
            guard workers.count < keep else { return false }
            workers.append(worker)
            return true
        }
        if !kept { worker.perform(nil) }  // lets its thread end
    }

    /// Runs `job` on the worker's thread and waits; nil ends the thread.
    func perform(_ job: (any Runnable)?) {
        self.job = job
        start.signal()
        if job != nil { finish.wait() }
    }

    /// The thread's loop: one job per signal, until a nil job.
    func run() {
        pthread_setspecific(Self.marker, UnsafeRawPointer(bitPattern: 1))
        while true {
            start.wait()
            guard runJob() else { return }
            finish.signal()
        }
    }

    /// Runs the job and lets go of it before returning: the caller's closure must not be
    /// referenced any more once it is told the job is done.
    private func runJob() -> Bool {
        guard let current = job else { return false }
        job = nil
        current.run()
        return true
    }
}
