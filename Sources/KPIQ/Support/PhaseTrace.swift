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
    private var last = DispatchTime.now().uptimeNanoseconds
    private var parts: [String] = []

    init(_ label: String) {
        self.label = label
        isOn = Self.enabled
    }

    init(load label: String) {
        self.label = label
        isOn = Self.loadEnabled
    }

    mutating func mark(_ phase: String) {
        guard isOn else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        parts.append("\(phase) \(Double((now - last) / 10_000) / 100) ms")
        last = now
    }

    func emit() {
        guard isOn else { return }
        let text = "\(label): \(parts.joined(separator: ", "))\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}
