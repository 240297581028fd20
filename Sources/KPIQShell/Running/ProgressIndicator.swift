#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import KPIQ
import Synchronization

/// Shows how a long load is going (bytes, rows, rate) on the terminal, redrawn in place, and
/// erases itself when done. Only started when standard error is a terminal, so piped output
/// never contains it. Waits half a second before appearing so quick loads stay quiet.
/// Stopped before each statement's output is printed and started again for the next one, so
/// `stop` answers at once rather than at the next redraw.
final class ProgressIndicator: Sendable {
    private let progress: LoadProgress
    private let descriptor: Int32
    private let running = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    /// Signalled by `stop`, so the drawing loop ends without finishing its pause.
    private let wake = DispatchSemaphore(value: 0)

    init(progress: LoadProgress, output: Output) {
        self.progress = progress
        self.descriptor = output.descriptor
    }

    func start() {
        drawn.store(false, ordering: .relaxed)
        running.store(true, ordering: .relaxed)
        let thread = UncheckedSendable(self)
        DispatchQueue.global().async {
            thread.value.loop()
        }
    }

    func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        wake.signal()
        done.wait()
    }

    private func loop() {
        let started = DispatchTime.now()
        while running.load(ordering: .relaxed) {
            _ = wake.wait(timeout: .now() + .milliseconds(100))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            guard elapsed > 0.5, running.load(ordering: .relaxed), progress.totalBytes > 0 else { continue }
            let read = progress.bytesRead, total = progress.totalBytes
            let rate = Double(read) / elapsed / 1e6
            let percent = Int(Double(read) / Double(total) * 100)
            let rows = progress.rowsRead
            let rowsText = "\(ValueFormatter.grouped(Int64(rows))) row\(rows == 1 ? "" : "s")"
            // The last per cent is read with the columns' parts still to be merged, which
            // takes a moment: say so instead of sitting at 99%.
            let line = percent >= 99
                ? "\r\u{1B}[2Kloading: \(rowsText) read; finishing the columns"
                : "\r\u{1B}[2Kloading: \(percent)%  \(ByteSize.text(read)) of \(ByteSize.text(total)), \(rowsText), \(Int(rate)) MB/s"
            write(line)
            drawn.store(true, ordering: .relaxed)
        }
        if drawn.load(ordering: .relaxed) { write("\r\u{1B}[2K") }
        done.signal()
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// Hands a value to another thread when the code guarantees it is used safely there.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
