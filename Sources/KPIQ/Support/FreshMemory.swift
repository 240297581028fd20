#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Whether a big load should ask for huge pages, decided by how slow fresh memory is right now.
///
/// On the virtual machines kpiq is measured on, the host takes back memory the guest has freed
/// within seconds. The first touch of such a page costs about 1.75 ms per MB on a 2 MB huge
/// page but 0.4 ms per MB on 4 KB pages; memory another process freed a moment ago costs
/// 0.15 ms per MB on huge pages and 0.4 on small ones. Loading scale-10 events.csv (about 940 MB
/// of first touches, counted as minor faults, before `PageRecycler` cut them to about 610 MB)
/// after two idle minutes took 1.57-1.67 s on huge pages and 1.36-1.42 s on small ones; right
/// after another load, 1.29-1.34 s on huge pages and 1.35-1.43 s on small ones. So a big load
/// first touches some fresh huge pages, and takes small pages if one is slow.
enum FreshMemory {
    /// Files smaller than this are not worth the probe (at most a few ms): their arrays are small.
    static let probedFileBytes = 64 << 20

    /// A first touch of a 2 MB page slower than this means cold memory: the warm cost is about
    /// 0.3 ms, the cold one 3-4 ms. 1 ms per 2 MB is also more than small pages cost per MB
    /// here, cold or warm (0.4 ms), so above it small pages are the cheaper choice either way.
    static let coldTouchNanoseconds: UInt64 = 1_000_000

    /// Loads in progress that found fresh memory cold; while there is one, `LargeAllocation`
    /// leaves new arrays on small pages. A count, not a flag, because tests load in parallel.
    private static let coldLoads = Atomic<Int>(0)

    static var prefersSmallPages: Bool { coldLoads.load(ordering: .relaxed) > 0 }

    /// What a load found and chose.
    struct LoadPages {
        /// The probe's answer (nil when the file was too small to probe).
        let slowestTouchNanoseconds: UInt64?
        let small: Bool
    }

    /// Called as a load of `fileBytes` starts: probes fresh memory when the file is big, and
    /// says whether the load takes small pages. Pass the answer to `endLoad` when it ends.
    /// (`firstTouch` is the probe, given how many pages to touch; tests replace it.)
    static func beginLoad(
        fileBytes: Int, firstTouch: (_ pages: Int) -> UInt64 = slowestFirstTouchOfHugePages
    ) -> LoadPages {
        guard fileBytes >= probedFileBytes else { return LoadPages(slowestTouchNanoseconds: nil, small: false) }
        let touch = firstTouch(probedPages(forFileBytes: fileBytes))
        let small = touch > coldTouchNanoseconds
        if small { coldLoads.add(1, ordering: .relaxed) }
        return LoadPages(slowestTouchNanoseconds: touch, small: small)
    }

    /// One huge page per 24 MB of file, 4 to 32: when memory is warm every page is touched, at
    /// about 0.25 ms each, which keeps the probe under 1% of the load. The first page or two
    /// are nearly always warm (someone has just freed them), and a load needs hundreds: the
    /// more pages the probe finds warm, the likelier the load's are too.
    static func probedPages(forFileBytes fileBytes: Int) -> Int {
        min(32, max(4, fileBytes / (24 << 20)))
    }

    static func endLoad(_ pages: LoadPages) {
        if pages.small { coldLoads.subtract(1, ordering: .relaxed) }
    }

    /// The slowest first write among up to `pages` fresh 2 MB regions marked for huge pages,
    /// stopping at the first slower than `coldTouchNanoseconds` (0 where there are no
    /// transparent huge pages to ask for). Measured here, touching 16 such pages: right after
    /// another process freed its memory, all took 0.2-0.35 ms; 3 s later the seventh took
    /// 4 ms; 10 s later the second did.
    static func slowestFirstTouchOfHugePages(_ pages: Int) -> UInt64 {
        #if os(Linux)
        let huge = LargeAllocation.hugePage
        // One page more, so the aligned pages fit inside whatever address mmap returns.
        let mapped = (pages + 1) * huge
        guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return 0 }
        defer { munmap(raw, mapped) }
        let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: raw) + huge - 1) / huge * huge)!
        _ = madvise(aligned, pages * huge, MADV_HUGEPAGE)
        var slowest: UInt64 = 0
        for page in 0..<pages {
            let started = DispatchTime.now().uptimeNanoseconds
            (aligned + page * huge).storeBytes(of: 1, as: UInt8.self)
            slowest = max(slowest, DispatchTime.now().uptimeNanoseconds - started)
            if slowest > coldTouchNanoseconds { break }
        }
        return slowest
        #else
        return 0
        #endif
    }
}
