import Foundation
import Testing
@testable import KPIQ

/// The page size a big load asks for: small pages while fresh memory is cold, huge otherwise.
/// Serialized: the policy is process-wide while a load runs.
@Suite(.serialized) struct FreshMemoryTests {
    @Test func smallFilesAreNotProbed() {
        let pages = FreshMemory.beginLoad(fileBytes: 1 << 20) { _ in
            Issue.record("a 1 MB load probed fresh memory")
            return 5_000_000
        }
        #expect(!pages.small)
        FreshMemory.endLoad(pages)
    }

    @Test func warmMemoryKeepsHugePages() {
        let pages = FreshMemory.beginLoad(fileBytes: 1 << 30) { _ in 200_000 }
        #expect(!pages.small)
        #expect(!FreshMemory.prefersSmallPages)
        FreshMemory.endLoad(pages)
    }

    @Test func coldMemoryTurnsTheLoadsArraysToSmallPages() throws {
        let pages = FreshMemory.beginLoad(fileBytes: 1 << 30) { _ in 3_000_000 }
        #expect(pages.small)
        #expect(FreshMemory.prefersSmallPages)
        #if os(Linux)
        let duringLoad = try hugePageEligibility(ofNewArrayOf: 8 << 20)
        FreshMemory.endLoad(pages)
        #expect(!FreshMemory.prefersSmallPages)
        let afterLoad = try hugePageEligibility(ofNewArrayOf: 8 << 20)
        // Where the kernel offers no transparent huge pages, both are ineligible.
        let enabled = wholeFile("/sys/kernel/mm/transparent_hugepage/enabled") ?? "[never]"
        if let duringLoad { #expect(!duringLoad) }
        if !enabled.contains("[never]"), let afterLoad { #expect(afterLoad) }
        #else
        FreshMemory.endLoad(pages)
        #endif
    }

    @Test func theProbeGrowsWithTheFile() {
        #expect(FreshMemory.probedPages(forFileBytes: 84 << 20) == 4)
        #expect(FreshMemory.probedPages(forFileBytes: 480 << 20) == 20)
        #expect(FreshMemory.probedPages(forFileBytes: 851 << 20) == 32)
        var asked: [Int] = []
        let pages = FreshMemory.beginLoad(fileBytes: 240 << 20) { asked.append($0); return 0 }
        FreshMemory.endLoad(pages)
        #expect(asked == [10])
    }

    @Test func theProbeTouchesMemory() {
        #if os(Linux)
        #expect(FreshMemory.slowestFirstTouchOfHugePages(2) > 0)
        #endif
    }

    /// Whether the kernel may back a fresh `LargeAllocation` of `bytes` with huge pages, from
    /// the `THPeligible` line of its mapping in /proc/self/smaps (nil when the kernel does not
    /// say).
    private func hugePageEligibility(ofNewArrayOf bytes: Int) throws -> Bool? {
        let array = LargeAllocation.allocate(UInt8.self, count: bytes)
        defer { LargeAllocation.free(array) }
        array[bytes / 2] = 1
        let address = UInt(bitPattern: array + bytes / 2)
        let smaps = try #require(wholeFile("/proc/self/smaps"))
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, fields.first == "THPeligible:", fields.count > 1 {
                return fields[1] == "1"
            }
        }
        return nil
    }

    /// A file read to its end (/proc and /sys files report sizes that are not their lengths).
    private func wholeFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }
}
