import Testing
@testable import KPIQ

/// Ctrl-C during the last part of a big load, the dictionary of an id column, stops it: the
/// build checks the token between its steps (and its tasks stop early), then throws.
@Suite struct DictionaryCancellationTests {
    /// 60,000 rows over 50,000 distinct short ids, as one part.
    static func build(cancel: CancellationToken?, releaseKeys: () -> Void = {}) throws -> Int {
        let file = [UInt8](repeating: 0, count: 1)
        return try file.withUnsafeBufferPointer { file in
            var values = DeferredTextValues(fileBase: file.baseAddress!, fileEnd: 0)
            for row in 0..<60_000 {
                var text = "id-\(row % 50_000)"
                let added = text.withUTF8 { bytes in
                    values.append(key: StringInterner.key(bytes.baseAddress!, bytes.count), bytes.baseAddress!, bytes.count)
                }
                #expect(added)
            }
            let part = PartitionedDictionaryBuilder.Part(values, firstRow: 0)
            let (_, dictionary) = try PartitionedDictionaryBuilder.build(
                [part], validity: nil, cancel: cancel, releaseKeys: releaseKeys)
            return dictionary.count
        }
    }

    @Test func notCancelledBuildsTheWholeDictionary() throws {
        #expect(try Self.build(cancel: CancellationToken()) == 50_000)
    }

    @Test func cancelledBeforeTheBuildThrows() {
        let token = CancellationToken()
        token.cancel()
        #expect(throws: Cancelled.self) { _ = try Self.build(cancel: token) }
    }

    @Test func cancelledAfterTheScatterThrows() {
        // Raised between the scatter and the interning: the interning's tasks stop at once,
        // and the build frees its arrays and throws before anything reads their output.
        let token = CancellationToken()
        #expect(throws: Cancelled.self) { _ = try Self.build(cancel: token, releaseKeys: { token.cancel() }) }
    }
}
