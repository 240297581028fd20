// libFuzzer target: saved session files (`save "q4.kpiq"`) through `open`, then a few queries
// over what opened (Fuzz/Main.swift picks this target when the binary is called
// SessionFileFuzz).
//
// An input is one option byte then the file's bytes:
//   byte 0, bit 0: recompute every checksum first (`SessionFileFormat.reseal`), so that the
//                  mutations reach the manifest's decoding and the buffers' checks instead of
//                  stopping at a checksum mismatch; else the bytes are opened as they are.
// The seeds (Fuzz/corpus/SessionFileFuzz) are small sessions written by `save`, made by
// Fuzz/make_session_seeds.sh. The file is written to /dev/shm (or $TMPDIR) under the process
// id, once per input.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func sessionFileFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1, size <= 1 << 20 else { return 0 }
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 != 0 { SessionFileFormat.reseal(&bytes) }
    let path = scratchPath("sessionfuzz", extension: "kpiq")
    let written = bytes.withUnsafeBufferPointer { writeScratch($0, to: path) }
    guard written else { fuzzFail("SessionFileFuzz: cannot write \(path)\n") }
    let session = Session()
    let outcome = session.run(SourceText(name: "fuzz", text: "open \"\(path)\""))
    guard outcome.error == nil else { return 0 }  // an error is a fine answer to bad bytes
    // What opened must read back and query: every value, then grouping, sorting and the
    // metrics over it (dictionary codes, packed integers, null bitmaps, definitions).
    var script = ""
    for dataset in session.catalog.datasets {
        for column in dataset.table.columns {
            for row in 0..<dataset.table.rowCount { _ = column.scalar(at: row) }
        }
        let d = Identifier.quote(dataset.name)
        script += "from \(d) | distinct | agg n = count()\n"
        for name in dataset.table.names.prefix(3) {
            let q = Identifier.quote(name)
            script += "from \(d) | group \(q) | agg n = count(), lo = min(\(q)), hi = max(\(q))\n"
            script += "from \(d) | sort \(q) desc nulls first | top 5\n"
        }
    }
    for metric in session.kpis.metricOrder.prefix(5) {
        script += "show \(Identifier.quote(metric))\n"
    }
    // Each line on its own: one failing query must not hide the others.
    for line in script.split(separator: "\n") {
        _ = session.run(SourceText(name: "fuzz", text: String(line)))
    }
    return 0
}
