import CKPIQSupport
/// A fast 64-bit hash of a byte string, used to intern and look up dictionary strings.
/// Reads eight bytes at a time; not cryptographic.
enum ByteHash {
    /// splitmix64's finalizer; defined in C with the hashes that use it (ckpiq_text_lookup.h).
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 { kpiq_mix(x) }

    /// Eight bytes at a time, the tail in one load overlapping the last whole word; defined in
    /// C, where the loader's lookup loop hashes long strings the same way.
    @inline(__always)
    static func hash(_ start: UnsafeRawPointer, _ count: Int) -> UInt64 {
        kpiq_byte_hash(start.assumingMemoryBound(to: UInt8.self), count)
    }

    /// Byte equality; strings of eight bytes or more compare word by word inline (the last
    /// word overlapping), as a call to `memcmp` per lookup costs more than the comparison.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        kpiq_bytes_equal(a.assumingMemoryBound(to: UInt8.self), b.assumingMemoryBound(to: UInt8.self), count)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
