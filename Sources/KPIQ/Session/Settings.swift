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
    /// The most memory, in bytes, the session's datasets and a statement's largest step may
    /// take together (`MemoryBudget`); a step that would need more stops with an error
    /// before allocating. The client sets it (`--memory-limit`, `.memory`).
    public var memoryLimit: Int = MemoryBudget.defaultLimit

    public init() {}

    /// The effective "as of" day.
    public var effectiveAsOf: Int64 {
        asOf ?? Self.systemToday()
    }

    public static func systemToday() -> Int64 {
        Int64(time(nil)) / 86_400
    }
}
