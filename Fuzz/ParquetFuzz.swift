// libFuzzer target: bytes through the Parquet reader, then a query over what loaded (Fuzz/Main.swift
// picks this target when the binary is called ParquetFuzz). Any input must give a table or a
// LoadError/Diagnostic, never a crash, a hang or a runaway allocation: the load runs under a
// 256 MB memory budget, as a session with that limit would.
// Seeds: the fixtures in Tests/KPIQTests/Fixtures/parquet (Fuzz/corpus/ParquetFuzz).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var parquetScratch: String?

private func parquetPath() -> String {
    if let path = parquetScratch { return path }
    var dir = "/dev/shm"
    if access(dir, W_OK) != 0 { dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp" }
    let path = "\(dir)/kpiq-parquetfuzz-\(getpid()).parquet"
    parquetScratch = path
    return path
}

func parquetFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = parquetPath()
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fuzzFail("ParquetFuzz: cannot write \(path)\n") }
    var offset = 0
    while offset < size {
        let n = write(fd, data + offset, size - offset)
        if n <= 0 { close(fd); fuzzFail("ParquetFuzz: cannot write \(path)\n") }
        offset += n
    }
    close(fd)
    let budget = MemoryBudget(limit: 256 << 20, held: 0)
    guard let (table, _) = try? ParquetReader.load(path: path, budget: budget) else { return 0 }
    // What loaded must be a well-formed table: read every value once.
    for column in table.columns {
        for row in 0..<min(table.rowCount, 1000) { _ = column.scalar(at: row) }
    }
    return 0
}
