import Dispatch

/// Hands values to a background thread to be released there. Giving back gigabytes of
/// gathered columns takes a few hundred milliseconds (the pages are unmapped one by one); a
/// statement stopped by Ctrl-C should not make the user wait for that.
enum ReleaseLater {
    /// `values` must not be used by the caller afterwards (nothing else touches them: the
    /// background thread only drops the last reference).
    static func release<Value>(_ values: Value) {
        let box = UncheckedBox(values)
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(box) {} }
    }
}
