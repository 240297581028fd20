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
    /// Masks of the blocks from `windowStart` on, computed together (`kpiq_match_masks`).
    private var window: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var windowStart = Int.min / 2
    private var windowBlocks = 0
    private static let windowCapacity = 8

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
        var block: Int
        var low: Int
        if UInt(bitPattern: p &- blockStart) < 64 {
            block = blockStart + 64
            low = 0
        } else {
            block = p & ~63
            low = p - block
        }
        while block < end {
            blockStart = block
            mask = mask(ofBlock: block)
            let m = mask & (~0 << UInt64(low))
            if m != 0 { return block + m.trailingZeroBitCount }
            block += 64
            low = 0
        }
        return end
    }

    @inline(__always)
    private mutating func mask(ofBlock block: Int) -> UInt64 {
        var k = (block &- windowStart) >> 6
        if block < windowStart || k >= windowBlocks {
            fillWindow(from: block)
            k = 0
        }
        return withUnsafeBytes(of: &window) { $0.load(fromByteOffset: k &* 8, as: UInt64.self) }
    }

    /// Computes the masks of the blocks from `start` on: as many whole blocks as the window
    /// holds, or the last, partial block, past whose end nothing may be read.
    private mutating func fillWindow(from start: Int) {
        windowStart = start
        let whole = min(Self.windowCapacity, (end - start) / 64)
        if whole > 0 {
            let (base, delimiter, quote) = (self.base, self.delimiter, self.quote)
            withUnsafeMutableBytes(of: &window) {
                kpiq_match_masks(base + start, Int32(whole), delimiter, 10, quote, $0.baseAddress!.assumingMemoryBound(to: UInt64.self))
            }
            windowBlocks = whole
            return
        }
        var partial: UInt64 = 0
        var i = 0
        while start + i < end {
            let c = base[start + i]
            if c == delimiter || c == 10 || c == quote { partial |= 1 << UInt64(i) }
            i += 1
        }
        window.0 = partial
        windowBlocks = 1
    }
}
