#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Session-wide settings that statements read.
public struct Settings: Sendable {
    /// The day `today()`, `last 30 days` and partial periods are measured from. Nil: the
    /// computer's current date (UTC).
    public var asOf: Int64?

    public init() {}

    /// The effective "as of" day.
    public var effectiveAsOf: Int64 {
        asOf ?? Self.systemToday()
    }

    public static func systemToday() -> Int64 {
        Int64(time(nil)) / 86_400
    }
}
