#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Session-wide settings that statements read.
package struct Settings: Sendable {
    /// The day `today()`, `last 30 days` and partial periods are measured from. Nil: the
    /// computer's current date (UTC).
    package var asOf: Int64?
    /// The most memory, in bytes, the session's datasets and a statement's largest step may
    /// take together (`MemoryBudget`); a step that would need more stops with an error
    /// before allocating. The client sets it (`--memory-limit`, `.memory`).
    package var memoryLimit: Int = MemoryBudget.defaultLimit

    package init() {}

    /// The effective "as of" day.
    package var effectiveAsOf: Int64 {
        asOf ?? Self.systemToday()
    }

    package static func systemToday() -> Int64 {
        Int64(time(nil)) / 86_400
    }
}
