// The libFuzzer entry points. All targets live in one binary so the library is compiled once;
// which one runs is chosen by the name the binary is called by (Fuzz/build.sh links
// .build-fuzz/SourceFuzz, .build-fuzz/CSVFuzz and .build-fuzz/SessionFileFuzz to it), or by
// KPIQ_FUZZ_TARGET.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FuzzTarget { case source, csv, parquet, xlsx, json, sessionFile }
nonisolated(unsafe) var fuzzTarget = FuzzTarget.source

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    var name = String(cString: argv.pointee[0])
    if let given = getenv("KPIQ_FUZZ_TARGET") { name = String(cString: given) }
    let base = name.split(separator: "/").last.map(String.init) ?? name
    switch base {
    case "SourceFuzz": fuzzTarget = .source
    case "CSVFuzz": fuzzTarget = .csv
    case "ParquetFuzz": fuzzTarget = .parquet
    case "XLSXFuzz": fuzzTarget = .xlsx
    case "JSONFuzz": fuzzTarget = .json
    case "SessionFileFuzz": fuzzTarget = .sessionFile
    default:
        fuzzFail("kpiq fuzz: call this binary SourceFuzz, CSVFuzz, ParquetFuzz, XLSXFuzz, JSONFuzz or SessionFileFuzz, or set KPIQ_FUZZ_TARGET (got \(base))\n")
    }
    if fuzzTarget == .source { sourceFuzzInitialize() }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    switch fuzzTarget {
    case .source: return sourceFuzzOne(data, size)
    case .csv: return csvFuzzOne(data, size)
    case .parquet: return parquetFuzzOne(data, size)
    case .xlsx: return xlsxFuzzOne(data, size)
    case .json: return jsonFuzzOne(data, size)
    case .sessionFile: return sessionFileFuzzOne(data, size)
    }
}

/// Says why the harness cannot run (not a finding) and stops.
func fuzzFail(_ message: String) -> Never {
    let bytes = Array(message.utf8)
    _ = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
    exit(2)
}
