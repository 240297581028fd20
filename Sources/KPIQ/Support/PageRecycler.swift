import CKPIQSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Pages a load has written and no longer needs, kept to back the load's next arrays.
///
/// A load frees scratch arrays and allocates the next ones all the time: at scale 10 it first
/// touched about 940 MB of fresh pages (minor faults, 51 MB of them the file's mapping) for an
/// anonymous peak of about 420 MB; with this pool, about 610 MB. Each fresh page costs a fault
/// and zeroing, and on the virtual machines kpiq is measured on, where the guest hands freed
/// memory back to the host within seconds, often a fault in the host too.
/// Giving freed memory back to the C allocator does not avoid that: blocks this big are
/// mappings of their own, unmapped when freed.
///
/// So while a load runs, `LargeAllocation` moves the whole 2 MB pages of what it frees into
/// this pool instead, page tables and all (`mremap`: no copy, and the old range stays mapped
/// but empty, so the C allocator can still unmap it), and moves them into new arrays whose
/// callers write every element before reading it. The pages keep their contents: only memory
/// that is written in full may take them. When the last load in progress ends, what is left
/// is unmapped. Loads use `shared`; tests make their own.
final class PageRecycler: Sendable {
    static let shared = PageRecycler()

    /// Whole 2 MB pages, 2 MB aligned, so that huge pages move as one and small ones move a
    /// page table at a time.
    static let granule = LargeAllocation.hugePage

    /// The most the pool holds: beyond it, freed pages go back to the system as before. A pool
    /// raises the load's resident peak by what it holds; this bounds that.
    let maximumPooledBytes: Int

    init(maximumPooledBytes: Int = 512 << 20) {
        self.maximumPooledBytes = maximumPooledBytes
    }

    private struct Segment {
        var address: Int
        var bytes: Int
    }

    private struct State {
        var loads = 0
        /// Most recently kept last: the next array takes those first.
        var segments: [Segment] = []
        var pooledBytes = 0
        /// Bytes moved into new arrays since the process started.
        var placedBytes = 0
    }

    private let state = Mutex(State())

    /// Bytes held right now.
    var pooledBytes: Int { state.withLock { $0.pooledBytes } }

    /// Bytes moved into new arrays so far: what the loads did not have to fault in afresh.
    var placedBytes: Int { state.withLock { $0.placedBytes } }

    func beginLoad() {
        state.withLock { $0.loads += 1 }
    }

    /// Ends a load; the last one to end unmaps the pool.
    func endLoad() {
        let released: [Segment] = state.withLock { state in
            state.loads -= 1
            guard state.loads == 0 else { return [] }
            defer {
                // Bytes a `keep` has reserved but not yet added stay counted until it does.
                state.pooledBytes -= state.segments.reduce(0) { $0 + $1.bytes }
                state.segments = []
            }
            return state.segments
        }
        Self.unmap(released)
    }

    /// Where the pooled segments start (tests check that `endLoad` unmaps them).
    var pooledAddresses: [Int] { state.withLock { $0.segments.map(\.address) } }

    /// Takes the whole 2 MB pages inside a range whose contents are no longer needed; the range
    /// stays mapped and reads as zeros. Granules with nothing resident (never written, or
    /// already taken) are left alone: they would give the next array nothing. Returns false
    /// when some resident granule was left behind (no load is running, the pool is full, or
    /// the system cannot move pages): the caller then gives the range back to the system itself.
    func keep(_ start: UnsafeRawPointer, byteCount: Int) -> Bool {
        guard let pages = Self.wholeGranules(start, byteCount), state.withLock({ $0.loads > 0 }) else { return false }
        for run in residentRuns(pages) {
            // Room is reserved first, so that moves in parallel cannot overfill the pool.
            let admitted = state.withLock { state -> Bool in
                guard state.loads > 0, state.pooledBytes + run.bytes <= maximumPooledBytes else { return false }
                state.pooledBytes += run.bytes
                return true
            }
            guard admitted else { return false }
            var moved: [Segment] = []
            if let to = kpiq_pages_take(UnsafeMutableRawPointer(bitPattern: run.address), UInt(run.bytes)) {
                moved.append(Segment(address: Int(bitPattern: to), bytes: run.bytes))
            } else {
                // A move cannot span two mappings (an array that took pooled pages is made of
                // several): move one granule at a time, each inside one mapping.
                for address in stride(from: run.address, to: run.address + run.bytes, by: Self.granule) {
                    guard let to = kpiq_pages_take(UnsafeMutableRawPointer(bitPattern: address), UInt(Self.granule)) else { break }
                    moved.append(Segment(address: Int(bitPattern: to), bytes: Self.granule))
                }
            }
            let movedBytes = moved.reduce(0) { $0 + $1.bytes }
            let orphans: [Segment] = state.withLock { state in
                state.pooledBytes -= run.bytes
                // The last load ended while the pages moved: nothing will take them now.
                guard state.loads > 0 else { return moved }
                state.segments.append(contentsOf: moved)
                state.pooledBytes += movedBytes
                return []
            }
            Self.unmap(orphans)
            if movedBytes < run.bytes { return false }
        }
        return true
    }

    /// The runs of granules in `pages` with at least one resident page.
    private func residentRuns(_ pages: Segment) -> [Segment] {
        #if os(Linux)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let perGranule = Self.granule / pageSize
        var resident = [UInt8](repeating: 0, count: pages.bytes / pageSize)
        guard mincore(UnsafeMutableRawPointer(bitPattern: pages.address), pages.bytes, &resident) == 0 else {
            return [pages]
        }
        var runs: [Segment] = []
        for g in 0..<(pages.bytes / Self.granule) {
            guard resident[(g * perGranule)..<((g + 1) * perGranule)].contains(where: { $0 & 1 != 0 }) else { continue }
            let address = pages.address + g * Self.granule
            if let last = runs.last, last.address + last.bytes == address {
                runs[runs.count - 1].bytes += Self.granule
            } else {
                runs.append(Segment(address: address, bytes: Self.granule))
            }
        }
        return runs
        #else
        return [pages]
        #endif
    }

    /// Backs the whole 2 MB pages inside a range of new, untouched memory with pooled pages,
    /// as far as the pool reaches. The caller must write every byte before reading it: the
    /// pages hold what their last owner wrote.
    func fill(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        guard var wanted = Self.wholeGranules(UnsafeRawPointer(start), byteCount) else { return }
        // Segments are taken under the lock and moved outside it (a move is a system call).
        let taken: [Segment] = state.withLock { state in
            guard state.loads > 0 else { return [] }
            var taken: [Segment] = []
            while wanted.bytes > 0, var segment = state.segments.popLast() {
                let bytes = min(segment.bytes, wanted.bytes)
                // The tail of a larger segment; the rest stays in the pool.
                taken.append(Segment(address: segment.address + segment.bytes - bytes, bytes: bytes))
                segment.bytes -= bytes
                if segment.bytes > 0 { state.segments.append(segment) }
                state.pooledBytes -= bytes
                wanted.bytes -= bytes
            }
            return taken
        }
        var target = wanted.address
        var placed = 0
        for segment in taken {
            let from = UnsafeMutableRawPointer(bitPattern: segment.address)
            let to = UnsafeMutableRawPointer(bitPattern: target)
            if kpiq_pages_place(from, UInt(segment.bytes), to) == 0 {
                placed += segment.bytes
            } else {
                // Not expected with pages this pool took, but the target may have been
                // unmapped before the move failed: map fresh memory there (nothing has been
                // written to it yet), and give the pooled pages back.
                _ = mmap(to, segment.bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                munmap(from, segment.bytes)
            }
            target += segment.bytes
        }
        if placed > 0 { state.withLock { $0.placedBytes += placed } }
    }

    private static func unmap(_ segments: [Segment]) {
        for segment in segments { munmap(UnsafeMutableRawPointer(bitPattern: segment.address), segment.bytes) }
    }

    /// The whole granules inside a range, or nil when it holds none.
    private static func wholeGranules(_ start: UnsafeRawPointer, _ byteCount: Int) -> Segment? {
        #if os(Linux)
        let first = (Int(bitPattern: start) + granule - 1) / granule * granule
        let last = (Int(bitPattern: start) + byteCount) / granule * granule
        return last > first ? Segment(address: first, bytes: last - first) : nil
        #else
        return nil
        #endif
    }
}
