/// Per-row flags as the kernels keep them: one byte per row, 0 or 1 (validity, truth masks,
/// the rows a `case` branch takes).
enum Flags {
    /// How many flags are 1. Eight at a time: a word of eight 0/1 bytes has as many set bits
    /// as it has 1 bytes.
    static func ones(_ flags: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = flags.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let n = flags.count
        var total = 0
        var i = 0
        while i &+ 8 <= n {
            total &+= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).nonzeroBitCount
            i &+= 8
        }
        while i < n {
            total &+= Int(base[i])
            i &+= 1
        }
        return total
    }

    static func ones(_ flags: [UInt8]) -> Int { flags.withUnsafeBufferPointer(ones) }
}
