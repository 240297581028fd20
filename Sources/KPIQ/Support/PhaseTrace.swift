#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// `KPIQ_QUERY_TRACE=1` prints the duration of a query's phases (scan, merge, order, build)
/// to stderr: profiling without a profiler. Costs one environment check per operator.
/// `KPIQ_LOAD_TRACE=1` does the same for the steps of a load (`PhaseTrace(load:)`).
struct PhaseTrace {
    static let enabled = getenv("KPIQ_QUERY_TRACE") != nil
    static let loadEnabled = getenv("KPIQ_LOAD_TRACE") != nil
    private let label: String
    private let isOn: Bool
    /// Load traces also show anonymous resident memory after each phase: a load's first
    /// touches of fresh pages are much of its cost, so the peak matters as much as the time.
    private var showsMemory = false
    private var last = DispatchTime.now().uptimeNanoseconds
    private var parts: [String] = []
    /// Minor faults at the last mark, to show how much fresh memory each load phase touched.
    private var lastFaults = 0

    init(_ label: String) {
        self.label = label
        isOn = Self.enabled
    }

    init(load label: String) {
        self.label = label
        isOn = Self.loadEnabled
        showsMemory = true
        if isOn { lastFaults = Self.minorFaults() }
    }

    mutating func mark(_ phase: String) {
        guard isOn else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        var part = "\(phase) \(Double((now - last) / 10_000) / 100) ms"
        if showsMemory { part += Self.memoryNote(faultsSince: &lastFaults) }
        parts.append(part)
        last = DispatchTime.now().uptimeNanoseconds
    }

    func emit() {
        guard isOn else { return }
        let text = "\(label): \(parts.joined(separator: ", "))\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }

    /// " (anon A MB, F MB faulted)": anonymous resident memory now, and fresh memory touched
    /// since `faults` (which it moves to now). Empty where /proc/self/status is missing.
    static func memoryNote(faultsSince faults: inout Int) -> String {
        guard let resident = anonymousResidentMB() else { return "" }
        let now = minorFaults()
        // A fault is a 4 KB page here (x86-64 Linux); huge pages would count 512 times fewer.
        defer { faults = now }
        return " (anon \(resident) MB, \((now - faults) * 4 / 1024) MB faulted)"
    }

    /// Minor page faults of the process so far (each is a first touch of a 4 KB page, or of a
    /// 2 MB one when it is a huge page, which this count cannot tell apart).
    static func minorFaults() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage.ru_minflt
    }

    /// `RssAnon` of /proc/self/status in MB (nil where there is no such file).
    static func anonymousResidentMB() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("RssAnon:") {
                let digits = text.dropFirst(8).filter(\.isNumber)
                return Int(digits).map { $0 / 1024 }
            }
        }
        return nil
    }
}
