import Foundation
import Testing
@testable import KPIQ

/// `ByteHash.equal` (inline word compares, the last word overlapping) agrees with `memcmp`
/// for every length and every position of a difference, and `ByteHash.hash` tells apart
/// strings that differ only in the bytes its overlapping last word re-reads.
@Suite struct ByteHashTests {
    @Test func equalAgreesWithMemcmpAtEveryLengthAndDifference() {
        for length in 0...40 {
            let a = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(a.withUnsafeBytes { x in a.withUnsafeBytes { y in ByteHash.equal(x.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, y.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length) } })
            for position in 0..<length {
                var b = a
                b[position] ^= 0x20
                let equal = a.withUnsafeBytes { x in b.withUnsafeBytes { y in ByteHash.equal(x.baseAddress!, y.baseAddress!, length) } }
                #expect(!equal, "length \(length), difference at \(position)")
            }
        }
    }

    @Test func hashSeesEveryByteOfTheTail() {
        for length in 8...40 {
            let a = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 65) }
            let h = a.withUnsafeBytes { ByteHash.hash($0.baseAddress!, length) }
            for position in 0..<length {
                var b = a
                b[position] ^= 1
                #expect(b.withUnsafeBytes { ByteHash.hash($0.baseAddress!, length) } != h, "length \(length), byte \(position)")
            }
        }
    }
}
