import Foundation
import Testing
@testable import KPIQ

#if os(Linux)
import Glibc

/// Pages a load frees move into its next arrays instead of being faulted in afresh. Each test
/// uses its own recycler, so loads running in parallel in other suites cannot take its pages.
@Suite struct PageRecyclerTests {
    static let granule = PageRecycler.granule

    /// `granules` 2 MB pages of fresh anonymous memory, 2 MB aligned (unmapped by `release`).
    struct Region {
        let mapping: UnsafeMutableRawPointer
        let mappedBytes: Int
        let base: UnsafeMutableRawPointer
        let bytes: Int

        init(granules: Int) throws {
            mappedBytes = (granules + 1) * PageRecyclerTests.granule
            let raw = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let raw, raw != MAP_FAILED else { throw CocoaError(.fileWriteOutOfSpace) }
            mapping = raw
            let g = PageRecyclerTests.granule
            base = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: raw) + g - 1) / g * g)!
            bytes = granules * g
        }

        var words: UnsafeMutablePointer<UInt64> { base.assumingMemoryBound(to: UInt64.self) }
        var wordCount: Int { bytes / 8 }

        func write(seed: UInt64) {
            for i in 0..<wordCount { words[i] = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }
        }

        /// Whether the granules `granules` (all by default) hold what `write(seed:)` wrote.
        func holds(seed: UInt64, granules: Range<Int>? = nil) -> Bool {
            wordRange(granules).allSatisfy { words[$0] == seed &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        }

        func isZero(granules: Range<Int>? = nil) -> Bool { wordRange(granules).allSatisfy { words[$0] == 0 } }

        var isAllZero: Bool { isZero() }

        private func wordRange(_ granules: Range<Int>?) -> Range<Int> {
            let perGranule = PageRecyclerTests.granule / 8
            return granules.map { $0.lowerBound * perGranule..<$0.upperBound * perGranule } ?? 0..<wordCount
        }

        func release() { munmap(mapping, mappedBytes) }
    }

    /// A recycler of its own with a load running; the test ends the load.
    static func recyclerDuringLoad(maximumPooledBytes: Int = 512 << 20) -> PageRecycler {
        let recycler = PageRecycler(maximumPooledBytes: maximumPooledBytes)
        recycler.beginLoad()
        return recycler
    }

    @Test func keptPagesMoveWithTheirContentsIntoTheNextArray() throws {
        let recycler = Self.recyclerDuringLoad()
        defer { recycler.endLoad() }
        let freed = try Region(granules: 4)
        let next = try Region(granules: 4)
        defer { freed.release(); next.release() }
        freed.write(seed: 7)

        #expect(recycler.keep(freed.base, byteCount: freed.bytes))
        #expect(recycler.pooledBytes == freed.bytes)
        // The freed range is still mapped, and empty.
        #expect(freed.isAllZero)

        recycler.fill(next.base, byteCount: next.bytes)
        #expect(recycler.pooledBytes == 0)
        #expect(recycler.placedBytes == next.bytes)
        // Moved, not zeroed: what the freed array held is there (callers overwrite it).
        #expect(next.holds(seed: 7))
    }

    @Test func onlyWholeGranulesInsideTheRangeAreKept() throws {
        let recycler = Self.recyclerDuringLoad()
        defer { recycler.endLoad() }
        let region = try Region(granules: 4)
        defer { region.release() }
        region.write(seed: 11)
        let g = Self.granule

        // A range that starts and ends inside granules 0 and 3 keeps only granules 1 and 2:
        // the bytes around them, outside whole granules, are someone else's.
        #expect(recycler.keep(region.base + 100, byteCount: region.bytes - 200))
        #expect(recycler.pooledBytes == 2 * g)
        #expect(region.holds(seed: 11, granules: 0..<1))
        #expect(region.holds(seed: 11, granules: 3..<4))
        #expect(region.isZero(granules: 1..<3))
    }

    @Test func granulesWithNothingResidentAreNotKept() throws {
        let recycler = Self.recyclerDuringLoad()
        defer { recycler.endLoad() }
        let region = try Region(granules: 4)
        defer { region.release() }
        // Granule 1 written, one page of granule 2 written, granules 0 and 3 never touched.
        (region.base + Self.granule).initializeMemory(as: UInt8.self, repeating: 1, count: Self.granule)
        region.base.storeBytes(of: 1, toByteOffset: 2 * Self.granule + 4096, as: UInt8.self)

        #expect(recycler.keep(region.base, byteCount: region.bytes))
        #expect(recycler.pooledBytes == 2 * Self.granule)
        #expect(recycler.keep(region.base, byteCount: region.bytes))
        #expect(recycler.pooledBytes == 2 * Self.granule, "granules taken already are empty now, and not kept twice")
    }

    @Test func nothingIsKeptOrPlacedOutsideALoad() throws {
        let recycler = PageRecycler()
        let region = try Region(granules: 2)
        defer { region.release() }
        region.write(seed: 3)
        #expect(!recycler.keep(region.base, byteCount: region.bytes))
        #expect(region.holds(seed: 3))
        recycler.fill(region.base, byteCount: region.bytes)
        #expect(region.holds(seed: 3))
    }

    @Test func aFullPoolLeavesTheRangeToTheCaller() throws {
        let recycler = Self.recyclerDuringLoad(maximumPooledBytes: 2 * Self.granule)
        defer { recycler.endLoad() }
        let region = try Region(granules: 3)
        defer { region.release() }
        region.write(seed: 5)
        #expect(!recycler.keep(region.base, byteCount: region.bytes))
        #expect(recycler.pooledBytes == 0)
        #expect(region.holds(seed: 5))
    }

    @Test func theLastLoadToEndReleasesThePool() throws {
        let recycler = PageRecycler()
        recycler.beginLoad()
        recycler.beginLoad()
        let region = try Region(granules: 2)
        defer { region.release() }
        region.write(seed: 9)
        #expect(recycler.keep(region.base, byteCount: region.bytes))
        recycler.endLoad()
        #expect(recycler.pooledBytes == region.bytes)
        let addresses = recycler.pooledAddresses
        #expect(!addresses.isEmpty)
        recycler.endLoad()
        #expect(recycler.pooledBytes == 0)
        // Unmapped: mincore fails with ENOMEM on an address with no mapping.
        var resident = [UInt8](repeating: 0, count: 1)
        for address in addresses {
            #expect(mincore(UnsafeMutableRawPointer(bitPattern: address), 4096, &resident) == -1 && errno == ENOMEM)
        }
    }

    @Test func aFilledArrayOfSeveralMappingsIsKeptAgain() throws {
        // An array that took pooled pages is made of several mappings, which one move cannot
        // span: keeping it again moves it a granule at a time.
        let recycler = Self.recyclerDuringLoad()
        defer { recycler.endLoad() }
        let first = try Region(granules: 1)
        let second = try Region(granules: 1)
        let target = try Region(granules: 4)
        defer { first.release(); second.release(); target.release() }
        first.write(seed: 1)
        second.write(seed: 2)
        #expect(recycler.keep(first.base, byteCount: first.bytes))
        #expect(recycler.keep(second.base, byteCount: second.bytes))
        recycler.fill(target.base + Self.granule, byteCount: 2 * Self.granule)
        #expect(recycler.pooledBytes == 0)
        target.write(seed: 4)
        #expect(recycler.keep(target.base, byteCount: target.bytes))
        #expect(recycler.pooledBytes == target.bytes)
        #expect(target.isAllZero)
    }

    @Test func aBigLoadRecyclesAndReadsBackEveryValue() throws {
        // Visitor-like ids with many distinct values take the partitioned dictionary build,
        // whose keys are given back while the scatter reads them (600k rows, 9.6 MB of keys).
        let rows = 600_000
        var text = "row,visitor,amount\n"
        text.reserveCapacity(rows * 32)
        for i in 0..<rows { text += "\(i),v\(String(i &* 7919 % 450_001, radix: 16)),\(i % 1000)\n" }
        let before = PageRecycler.shared.placedBytes
        let table = try TestSupport.load(text)
        // Other suites' loads add to the count too; run alone, this one must.
        #expect(PageRecycler.shared.placedBytes > before)
        let visitor = table.column(named: "visitor")!
        let amount = table.column(named: "amount")!
        #expect(visitor.dictionary!.count == 450_001)
        let wrong = (0..<rows).filter { i in
            visitor.scalar(at: i) != .text("v\(String(i &* 7919 % 450_001, radix: 16))")
                || amount.scalar(at: i) != .int(Int64(i % 1000))
        }
        #expect(wrong.isEmpty, "first wrong rows: \(wrong.prefix(5))")
    }
}
#endif
