import KPIQ
import Dispatch
for path in CommandLine.arguments.dropFirst() {
    do {
        let t0 = DispatchTime.now()
        let (table, report) = try CSVReader.load(path: path)
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        print(report.phases.map { "\($0.name)=\(Int($0.seconds * 1000))ms" }.joined(separator: " ")); print(path, table.rowCount, "rows", dt, Double(report.bytes) / dt / 1e6, "MB/s", "mem", table.byteCount / 1_000_000, "MB", report.delimiter, report.header)
        for (name, column) in zip(table.names, table.columns) {
            print("  ", name, column.type, column.nullCount, column.byteCount, column.dictionary?.count ?? -1, (0..<min(3, table.rowCount)).map { column.scalar(at: $0).description })
        }
    } catch {
        print("ERROR", error)
    }
}
