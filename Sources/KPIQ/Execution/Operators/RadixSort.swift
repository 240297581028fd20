/// Orders indexes by non-negative integer keys in linear time (least significant digit radix
/// sort, 11 bits per pass), stable: groups by first appearance, millions at a time.
enum RadixSort {
    /// Indexes `0..<keys.count` ordered by `keys[index]` (ties keep index order).
    static func order(byKeys keys: [Int]) -> [Int] {
        let n = keys.count
        if n < 256 { return (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 } }
        let largest = keys.max() ?? 0
        var bits = 0
        while bits < 64, (largest >> bits) > 0 { bits += 11 }
        var order = Array(0..<n)
        if bits == 0 { return order }
        var scratch = [Int](repeating: 0, count: n)
        var shift = 0
        while shift < bits {
            var counts = [Int](repeating: 0, count: 2049)
            order.withUnsafeBufferPointer { order in
                keys.withUnsafeBufferPointer { keys in
                    for i in order { counts[((keys[i] >> shift) & 2047) + 1] += 1 }
                }
            }
            for d in 0..<2048 { counts[d + 1] += counts[d] }
            order.withUnsafeBufferPointer { order in
                keys.withUnsafeBufferPointer { keys in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        for i in order {
                            let d = (keys[i] >> shift) & 2047
                            scratch[counts[d]] = i
                            counts[d] += 1
                        }
                    }
                }
            }
            swap(&order, &scratch)
            shift += 11
        }
        return order
    }
}
