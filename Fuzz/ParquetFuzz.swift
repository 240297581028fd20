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

func parquetFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = scratchPath("parquetfuzz", extension: "parquet")
    guard writeScratch(UnsafeBufferPointer(start: data, count: size), to: path) else { fuzzFail("ParquetFuzz: cannot write \(path)\n") }
    let budget = MemoryBudget(limit: 256 << 20, held: 0)
    guard let (table, _) = try? ParquetReader.load(path: path, budget: budget) else { return 0 }
    // What loaded must be a well-formed table: read every value once.
    for column in table.columns {
        for row in 0..<min(table.rowCount, 1000) { _ = column.scalar(at: row) }
    }
    return 0
}
