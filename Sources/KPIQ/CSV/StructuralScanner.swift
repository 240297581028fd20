import CKPIQSupport

/// Finds the next delimiter, newline or quote byte from a position, 64 bytes at a time.
///
/// Each 64-byte block's matches become one bit mask (`kpiq_match_mask64`), and successive
/// fields take the mask's next set bit. A loop that scans each field byte by byte (or word by
/// word) mispredicts its exit once per field, the largest cost of splitting a typical row of
/// short fields; this one mispredicts about once per block.
struct StructuralScanner {
    let base: UnsafePointer<UInt8>
    /// Offset one past the last byte that may be read.
    let end: Int
    let delimiter: UInt8
    let quote: UInt8
    /// Offset of the block the mask describes (a multiple of 64).
    private var blockStart = Int.min / 2
    private var mask: UInt64 = 0

    init(base: UnsafePointer<UInt8>, end: Int, delimiter: UInt8, quote: UInt8) {
        self.base = base
        self.end = end
        self.delimiter = delimiter
        self.quote = quote
    }

    /// Offset of the first delimiter, newline or quote at or after `p`; `end` when none.
    @inline(__always)
    mutating func next(from p: Int) -> Int {
        let offset = p &- blockStart
        if UInt(bitPattern: offset) < 64 {
            let m = mask & (~0 << UInt64(offset))
            if m != 0 { return blockStart &+ m.trailingZeroBitCount }
        }
        return nextInLaterBlocks(from: p)
    }

    /// `next(from:)` when the current block has no match at or after `p`.
    @inline(never)
    private mutating func nextInLaterBlocks(from p: Int) -> Int {
        if UInt(bitPattern: p &- blockStart) >= 64 { load(block: p & ~63) }
        var m = mask & (~0 << UInt64(p &- blockStart))
        while m == 0 {
            let following = blockStart + 64
            if following >= end { return end }
            load(block: following)
            m = mask
        }
        return blockStart + m.trailingZeroBitCount
    }

    @inline(__always)
    private mutating func load(block start: Int) {
        blockStart = start
        if start + 64 <= end {
            mask = kpiq_match_mask64(base + start, delimiter, 10, quote)
        } else {
            // The last, partial block: nothing past `end` may be read.
            mask = 0
            var i = 0
            while start + i < end {
                let c = base[start + i]
                if c == delimiter || c == 10 || c == quote { mask |= 1 << UInt64(i) }
                i += 1
            }
        }
    }
}
