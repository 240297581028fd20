// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kpiq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kpiq", targets: ["kpiq"]),
        .library(name: "KPIQ", targets: ["KPIQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The ZIP container of XLSX workbooks.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The engine: storage, CSV, language, execution, session. No terminal I/O.
        .target(
            name: "KPIQ",
            dependencies: ["CKPIQSupport", "CCompression", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // CPU hints (prefetch) that Swift cannot spell.
        .target(name: "CKPIQSupport"),
        // Process-wide allocator settings, which only the executable may choose (opt-in).
        .target(name: "CKPIQAllocator"),
        // Snappy, zlib and Zstandard: compressed Parquet pages, `.gz` and `.zst` files.
        .systemLibrary(
            name: "CCompression",
            providers: [.apt(["libsnappy-dev", "zlib1g-dev", "libzstd-dev"])]
        ),
        // libedit, through a small C header that wraps its variadic functions.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The client library: rendering, dot commands, line editing, script running.
        .target(
            name: "KPIQShell",
            dependencies: ["KPIQ", "CEditLine"]
        ),
        // The executable: argument parsing, then hands over to KPIQShell.
        .executableTarget(
            name: "kpiq",
            dependencies: [
                "KPIQShell",
                "CKPIQAllocator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark harness's runner (Benchmarks/KPIQ_PROTOCOL.md): not part of the shell
        // users run, so not a product.
        .executableTarget(name: "kpiq-bench", dependencies: ["KPIQShell", "KPIQ"]),
        // Fixtures (CSV, XLSX, JSON, Parquet) are read from the source tree by path.
        .testTarget(name: "KPIQTests", dependencies: ["KPIQ"], exclude: ["Fixtures"]),
        .testTarget(name: "KPIQShellTests", dependencies: ["KPIQShell", "KPIQ"]),
    ],
    swiftLanguageModes: [.v6]
)
