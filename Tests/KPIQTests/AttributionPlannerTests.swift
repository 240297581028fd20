import Foundation
import Testing
@testable import KPIQ

/// `attribution` compiled by `AttributionPlanner` and run on the engine, against a direct
/// computation in Swift (each conversion, its touches by a scan of all touches, the models'
/// formulas) on random data large enough for several batches and both threads: repeated keys,
/// conversions without a key, touches at the same instant, touches after the conversion and
/// outside the window, a dimension with nulls.
@Suite struct AttributionPlannerTests {
    struct Conversion { var key: String?; var day: Int; var value: Double }
    struct Touch { var key: String; var day: Int; var minute: Int; var channel: String? }

    /// Deterministic random numbers (SplitMix64), so a failure reproduces.
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }

    static let start = CivilCalendar.days(year: 2024, month: 1, day: 1)
    static let channels: [String?] = ["email", "search", "social", "display", nil]

    func data(seed: UInt64) -> ([Conversion], [Touch]) {
        var random = Random(state: seed)
        let keys = (0..<400).map { "v\($0)" }
        let conversions = (0..<3000).map { _ in
            Conversion(key: random.next(20) == 0 ? nil : keys[random.next(keys.count)], day: random.next(120), value: Double(random.next(1000)) / 4)
        }
        let touches = (0..<12000).map { _ in
            // Minutes from a small set, so some touches of a key share an instant.
            Touch(key: keys[random.next(keys.count)], day: random.next(130), minute: random.next(3) * 60, channel: Self.channels[random.next(Self.channels.count)])
        }
        return (conversions, touches)
    }

    func csv(_ conversions: [Conversion], _ touches: [Touch]) -> (String, String) {
        func time(_ day: Int, _ minute: Int) -> String {
            CivilCalendar.formatDate(Self.start + Int64(day)) + String(format: "T%02d:%02d:00", minute / 60, minute % 60)
        }
        let c = "key,at,value\n" + conversions.map { "\($0.key ?? ""),\(time($0.day, 90)),\($0.value)" }.joined(separator: "\n")
        let t = "key,at,channel\n" + touches.map { "\($0.key),\(time($0.day, $0.minute)),\($0.channel ?? "")" }.joined(separator: "\n")
        return (c, t)
    }

    /// Credits per channel ("(none)" for conversions with no touch; "" for the null channel)
    /// per model, the direct way: for each conversion, every touch of its key in the window.
    func expected(_ conversions: [Conversion], _ touches: [Touch], windowDays: Int, asOfDay: Int, halfLifeDays: Double)
        -> [String: (touches: Int, first: Double, last: Double, linear: Double, position: Double, decay: Double, value: Double)]
    {
        var result: [String: (touches: Int, first: Double, last: Double, linear: Double, position: Double, decay: Double, value: Double)] = [:]
        func add(_ channel: String, _ touches: Int, _ f: Double, _ l: Double, _ lin: Double, _ p: Double, _ d: Double, _ v: Double) {
            let old = result[channel] ?? (0, 0, 0, 0, 0, 0, 0)
            result[channel] = (old.touches + touches, old.first + f, old.last + l, old.linear + lin, old.position + p, old.decay + d, old.value + v)
        }
        let byKey = Dictionary(grouping: touches.enumerated(), by: \.element.key)
        for conversion in conversions where conversion.day <= asOfDay {
            let at = conversion.day * 1440 + 90
            // In dataset order, then stably by time: ties keep the dataset's order.
            let mine = (conversion.key.flatMap { byKey[$0] } ?? []).filter { _, touch in
                let t = touch.day * 1440 + touch.minute
                return t <= at && t >= at - windowDays * 1440
            }.sorted { ($0.element.day * 1440 + $0.element.minute, $0.offset) < ($1.element.day * 1440 + $1.element.minute, $1.offset) }
            guard !mine.isEmpty else {
                add("(none)", 0, 1, 1, 1, 1, 1, conversion.value)
                continue
            }
            let n = mine.count
            let weights = mine.map { pow(0.5, Double(at - ($0.element.day * 1440 + $0.element.minute)) / 1440 / halfLifeDays) }
            let total = weights.reduce(0, +)
            for (place, touch) in mine.enumerated() {
                let position = n == 1 ? 1 : n == 2 ? 0.5 : (place == 0 || place == n - 1) ? 0.4 : 0.2 / Double(n - 2)
                add(touch.element.channel ?? "", 1, place == 0 ? 1 : 0, place == n - 1 ? 1 : 0, 1 / Double(n), position,
                    weights[place] / total, conversion.value / Double(n))
            }
        }
        return result
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyModelMatchesADirectComputation(seed: UInt64) throws {
        let (conversions, touches) = data(seed: seed)
        let (c, t) = csv(conversions, touches)
        let cPath = try TestSupport.file(c, name: "c.csv")
        let tPath = try TestSupport.file(t, name: "t.csv")
        defer {
            TestSupport.remove(cPath)
            TestSupport.remove(tPath)
        }
        let asOfDay = 100
        let table = try TestSupport.run("""
            as of \(CivilCalendar.formatDate(Self.start + Int64(asOfDay)))
            load "\(cPath)" as c time at
            load "\(tPath)" as t time at
            attribution c to t on key by channel model first, last, linear, position, time_decay(3 days) within 14 days value value
            """)!
        let want = expected(conversions, touches, windowDays: 14, asOfDay: asOfDay, halfLifeDays: 3)
        let channels = TestSupport.values(table, "channel").map { if case .text(let s) = $0 { return s } else { return "" } }
        #expect(Set(channels) == Set(want.keys))
        func column(_ name: String) -> [Double] {
            TestSupport.values(table, name).map {
                switch $0 {
                case .decimal(let v): return v
                case .int(let v): return Double(v)
                default: return .nan
                }
            }
        }
        let (n, first, last, linear, position, decay, value) = (column("touches"), column("first_touch"), column("last_touch"), column("linear"),
                                                                column("position"), column("time_decay"), column("linear_value"))
        for (row, channel) in channels.enumerated() {
            guard let expected = want[channel] else { continue }
            #expect(Int(n[row]) == expected.touches, "touches of \(channel)")
            #expect(first[row] == expected.first, "first of \(channel)")
            #expect(last[row] == expected.last, "last of \(channel)")
            let pairs: [(Double, Double, String)] = [(linear[row], expected.linear, "linear"), (position[row], expected.position, "position"),
                                                     (decay[row], expected.decay, "time_decay"), (value[row], expected.value, "linear_value")]
            for (got, exact, model) in pairs {
                #expect(Swift.abs(got - exact) <= 1e-9 * Swift.max(1.0, Swift.abs(exact)), "\(model) of \(channel): \(got) vs \(exact)")
            }
        }
        // Every conversion up to the as-of day is credited once per model.
        let conversionsSoFar = Double(conversions.filter { $0.day <= asOfDay }.count)
        #expect(Swift.abs(linear.reduce(0, +) - conversionsSoFar) < 1e-6)
        #expect(Swift.abs(decay.reduce(0, +) - conversionsSoFar) < 1e-6)
        #expect(first.reduce(0, +) == conversionsSoFar)
    }
}
