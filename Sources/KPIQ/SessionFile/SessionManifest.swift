/// Section 0 of a saved session: what the other sections hold and everything that is not a
/// column buffer (names, types, encodings, time columns, formats, and the KPI definitions).
///
/// Metrics are kept as their source text and parsed again on open, as the session keeps them
/// (`MetricDefinition.text`); targets, relationships and bindings are plain values.
struct SessionManifest {
    /// How a column's values are stored; `section` numbers are indexes into the table of
    /// contents.
    enum Storage: Equatable {
        /// `PackedIntegers`: `value = base + stored * scale`, `width` bytes a value.
        case packed(base: Int64, scale: Int64, width: Int, section: Int)
        case doubles(section: Int)
        case bools(section: Int)
        /// Packed codes into the manifest's dictionary `dictionary`.
        case text(base: Int64, scale: Int64, width: Int, section: Int, dictionary: Int)
    }

    struct ColumnEntry {
        var name: String
        var type: DataType
        var isUntyped: Bool
        var storage: Storage
        /// The null bitmap's section (nil: no nulls).
        var validity: Int?
    }

    struct DatasetEntry {
        var name: String
        var timeColumn: String?
        var endTimeColumn: String?
        var origin: String
        var formats: [(column: String, format: ValueFormat)]
        var rows: Int
        var columns: [ColumnEntry]
        /// Where the entry starts in the file (for messages about it).
        var fileOffset = 0
    }

    /// A dictionary shared by every column that uses it (as `let` results share their source's).
    struct DictionaryEntry {
        var count: Int
        var bytesSection: Int
        var offsetsSection: Int
    }

    struct MetricEntry {
        var name: String
        var text: String
        var format: String?
        var timeColumn: String?
        /// Where the entry starts in the file (for messages about it).
        var fileOffset = 0
    }

    var asOf: Int64?
    var dictionaries: [DictionaryEntry] = []
    var datasets: [DatasetEntry] = []
    var metrics: [MetricEntry] = []
    var targets: [Target] = []
    var relationships: [Relationship] = []
    var binding = KPILibrary.Binding()
    var unavailable: [(String, String)] = []

    // MARK: - Encoding

    func encoded() -> [UInt8] {
        var w = SessionByteWriter()
        w.u8(asOf == nil ? 0 : 1)
        if let asOf { w.i64(asOf) }
        w.count(dictionaries.count)
        for d in dictionaries {
            w.count(d.count)
            w.count(d.bytesSection)
            w.count(d.offsetsSection)
        }
        w.count(datasets.count)
        for dataset in datasets {
            w.string(dataset.name)
            w.optionalString(dataset.timeColumn)
            w.optionalString(dataset.endTimeColumn)
            w.string(dataset.origin)
            w.count(dataset.formats.count)
            for (column, format) in dataset.formats {
                w.string(column)
                w.string(format.rawValue)
            }
            w.count(dataset.rows)
            w.count(dataset.columns.count)
            for column in dataset.columns {
                w.string(column.name)
                w.string(column.type.rawValue)
                w.u8(column.isUntyped ? 1 : 0)
                switch column.storage {
                case .packed(let base, let scale, let width, let section):
                    w.u8(0)
                    w.i64(base)
                    w.i64(scale)
                    w.u8(UInt8(width))
                    w.count(section)
                case .doubles(let section):
                    w.u8(1)
                    w.count(section)
                case .bools(let section):
                    w.u8(2)
                    w.count(section)
                case .text(let base, let scale, let width, let section, let dictionary):
                    w.u8(3)
                    w.i64(base)
                    w.i64(scale)
                    w.u8(UInt8(width))
                    w.count(section)
                    w.count(dictionary)
                }
                w.u8(column.validity == nil ? 0 : 1)
                if let validity = column.validity { w.count(validity) }
            }
        }
        w.count(metrics.count)
        for metric in metrics {
            w.string(metric.name)
            w.string(metric.text)
            w.optionalString(metric.format)
            w.optionalString(metric.timeColumn)
        }
        w.count(targets.count)
        for target in targets {
            w.string(target.metric)
            w.optionalDouble(target.low)
            w.optionalDouble(target.high)
            w.u8(target.scope == nil ? 0 : 1)
            if let (dimension, value) = target.scope {
                w.string(dimension)
                Self.encode(value, into: &w)
            }
            w.string(target.text)
            w.optionalString(target.grain?.rawValue)
            w.u8(target.goals == nil ? 0 : 1)
            if let goals = target.goals {
                w.string(goals.dataset)
                w.string(goals.periodColumn)
                w.string(goals.goalColumn)
                w.count(goals.dimensions.count)
                for dimension in goals.dimensions { w.string(dimension) }
            }
        }
        w.count(relationships.count)
        for r in relationships {
            w.string(r.fromDataset)
            w.string(r.fromColumn)
            w.string(r.toDataset)
            w.string(r.toColumn)
        }
        let roles = binding.datasets.sorted { $0.key < $1.key }
        w.count(roles.count)
        for (role, dataset) in roles {
            w.string(role)
            w.string(dataset)
        }
        let renamed = binding.columns.sorted { $0.key < $1.key }
        w.count(renamed.count)
        for (role, renames) in renamed {
            w.string(role)
            let pairs = renames.sorted { $0.key < $1.key }
            w.count(pairs.count)
            for (library, column) in pairs {
                w.string(library)
                w.string(column)
            }
        }
        w.count(unavailable.count)
        for (name, why) in unavailable {
            w.string(name)
            w.string(why)
        }
        return w.bytes
    }

    private static func encode(_ value: Scalar, into w: inout SessionByteWriter) {
        switch value {
        case .null: w.u8(0)
        case .int(let v): w.u8(1); w.i64(v)
        case .decimal(let v): w.u8(2); w.f64(v)
        case .bool(let v): w.u8(3); w.u8(v ? 1 : 0)
        case .date(let v): w.u8(4); w.i64(v)
        case .timestamp(let v): w.u8(5); w.i64(v)
        case .text(let v): w.u8(6); w.string(v)
        }
    }

    // MARK: - Decoding

    /// Reads a manifest; `sections` is how many the table of contents lists (every section
    /// number must be one of them, and not the manifest's own).
    static func decode(_ r: inout SessionByteReader, sections: Int) throws -> SessionManifest {
        var m = SessionManifest()
        func section(_ what: String) throws -> Int {
            let at = r.position
            let n = try r.u64(what)
            guard n >= 1, n < UInt64(sections) else {
                throw r.fail("\(what) is section \(n); the file has sections 1 to \(sections - 1)", r.fileOffset + at)
            }
            return Int(n)
        }
        if try r.flag("whether there is an as-of date") {
            let at = r.position
            let day = try r.i64("the as-of date")
            // The days of years 1 to 9999, as `as of` accepts: the calendar's arithmetic
            // around the as-of day assumes no more.
            guard day >= -719_162, day <= 2_932_896 else { throw r.fail("the as-of date \(day) is outside years 1 to 9999", r.fileOffset + at) }
            m.asOf = day
        }
        let dictionaryCount = try r.count("the number of dictionaries", minimumBytes: 24)
        for _ in 0..<dictionaryCount {
            let count = try r.bounded("the number of strings of a dictionary", limit: Int(Int32.max))
            m.dictionaries.append(DictionaryEntry(count: count, bytesSection: try section("a dictionary's bytes"),
                                                  offsetsSection: try section("a dictionary's offsets")))
        }
        let datasetCount = try r.count("the number of datasets", minimumBytes: 40)
        for _ in 0..<datasetCount {
            let at = r.fileOffset + r.position
            var dataset = DatasetEntry(name: try r.string("a dataset name"), timeColumn: nil, endTimeColumn: nil, origin: "", formats: [], rows: 0, columns: [],
                                       fileOffset: at)
            let what = "dataset `\(dataset.name)`"
            dataset.timeColumn = try r.optionalString("the time column of \(what)")
            dataset.endTimeColumn = try r.optionalString("the end time column of \(what)")
            dataset.origin = try r.string("the origin of \(what)")
            let formatCount = try r.count("the number of formats of \(what)", minimumBytes: 16)
            for _ in 0..<formatCount {
                let column = try r.string("a column name of \(what)'s formats")
                let name = try r.string("the format of `\(column)` in \(what)")
                guard let format = ValueFormat(rawValue: name) else { throw r.error("unknown format `\(name)` for `\(column)` in \(what)") }
                dataset.formats.append((column, format))
            }
            dataset.rows = try r.bounded("the row count of \(what)", limit: Table.maxRows)
            let columnCount = try r.count("the number of columns of \(what)", minimumBytes: 20)
            for _ in 0..<columnCount {
                let name = try r.string("a column name of \(what)")
                let column = "`\(dataset.name)`.`\(name)`"
                let typeName = try r.string("the type of \(column)")
                guard let type = DataType(rawValue: typeName) else { throw r.error("unknown type `\(typeName)` for \(column)") }
                let untyped = try r.flag("whether \(column) is untyped")
                func width() throws -> Int {
                    let at = r.position
                    let w = Int(try r.u8("the width of \(column)"))
                    guard [1, 2, 4, 8].contains(w) else { throw r.fail("the width of \(column) is \(w), expected 1, 2, 4 or 8", r.fileOffset + at) }
                    return w
                }
                let kindAt = r.position
                let storage: Storage
                switch try r.u8("the storage of \(column)") {
                case 0:
                    guard type.isIntegerBacked else { throw r.fail("\(column) is \(type.name) but stored as integers", r.fileOffset + kindAt) }
                    storage = .packed(base: try r.i64("the base of \(column)"), scale: try r.i64("the scale of \(column)"), width: try width(),
                                      section: try section("the values of \(column)"))
                case 1:
                    guard type == .decimal else { throw r.fail("\(column) is \(type.name) but stored as doubles", r.fileOffset + kindAt) }
                    storage = .doubles(section: try section("the values of \(column)"))
                case 2:
                    guard type == .bool else { throw r.fail("\(column) is \(type.name) but stored as bools", r.fileOffset + kindAt) }
                    storage = .bools(section: try section("the values of \(column)"))
                case 3:
                    guard type == .text else { throw r.fail("\(column) is \(type.name) but stored as text", r.fileOffset + kindAt) }
                    let base = try r.i64("the base of \(column)"), scale = try r.i64("the scale of \(column)"), w = try width()
                    let values = try section("the codes of \(column)")
                    let dictionaryAt = r.position
                    let dictionary = try r.u64("the dictionary of \(column)")
                    guard dictionary < UInt64(m.dictionaries.count) else {
                        throw r.fail("\(column) uses dictionary \(dictionary); the file has \(m.dictionaries.count)", r.fileOffset + dictionaryAt)
                    }
                    storage = .text(base: base, scale: scale, width: w, section: values, dictionary: Int(dictionary))
                case let kind:
                    throw r.fail("unknown storage \(kind) for \(column)", r.fileOffset + kindAt)
                }
                let validity = try r.flag("whether \(column) has nulls") ? try section("the null bitmap of \(column)") : nil
                dataset.columns.append(ColumnEntry(name: name, type: type, isUntyped: untyped, storage: storage, validity: validity))
            }
            m.datasets.append(dataset)
        }
        let metricCount = try r.count("the number of metrics", minimumBytes: 18)
        for _ in 0..<metricCount {
            let at = r.fileOffset + r.position
            let name = try r.string("a metric name")
            m.metrics.append(MetricEntry(name: name, text: try r.string("the definition of metric `\(name)`"),
                                         format: try r.optionalString("the format of metric `\(name)`"),
                                         timeColumn: try r.optionalString("the time column of metric `\(name)`"), fileOffset: at))
        }
        let targetCount = try r.count("the number of targets", minimumBytes: 21)
        for _ in 0..<targetCount {
            let metric = try r.string("a target's metric")
            let low = try r.optionalDouble("the low bound of a target of `\(metric)`")
            let high = try r.optionalDouble("the high bound of a target of `\(metric)`")
            var scope: (String, Scalar)?
            if try r.flag("whether a target of `\(metric)` has a scope") {
                scope = (try r.string("the dimension of a target of `\(metric)`"), try decodeScalar(&r, "the scope value of a target of `\(metric)`"))
            }
            var target = Target(metric: metric, low: low, high: high, scope: scope, text: try r.string("the text of a target of `\(metric)`"))
            if let grain = try r.optionalString("the grain of a target of `\(metric)`") {
                guard let parsed = Grain(word: grain) else { throw r.error("an unknown grain `\(grain)` in a target of `\(metric)`") }
                target.grain = parsed
            }
            if try r.flag("whether a target of `\(metric)` reads a dataset of goals") {
                let dataset = try r.string("the goals' dataset of a target of `\(metric)`")
                let period = try r.string("the goals' period column of a target of `\(metric)`")
                let goal = try r.string("the goals' goal column of a target of `\(metric)`")
                let count = try r.count("the number of the goals' dimensions", minimumBytes: 8)
                var dimensions: [String] = []
                for _ in 0..<count { dimensions.append(try r.string("a dimension of the goals of `\(metric)`")) }
                guard target.grain != nil else { throw r.error("goals from a dataset without a grain in a target of `\(metric)`") }
                target.goals = Target.GoalsDataset(dataset: dataset, periodColumn: period, goalColumn: goal, dimensions: dimensions)
            }
            m.targets.append(target)
        }
        let relationshipCount = try r.count("the number of relationships", minimumBytes: 32)
        for _ in 0..<relationshipCount {
            m.relationships.append(Relationship(fromDataset: try r.string("a relationship's dataset"), fromColumn: try r.string("a relationship's column"),
                                                toDataset: try r.string("a relationship's target dataset"), toColumn: try r.string("a relationship's target column")))
        }
        let roleCount = try r.count("the number of library roles", minimumBytes: 16)
        for _ in 0..<roleCount {
            let role = try r.string("a library role")
            m.binding.datasets[role] = try r.string("the dataset of role `\(role)`")
        }
        let renamedCount = try r.count("the number of renamed roles", minimumBytes: 16)
        for _ in 0..<renamedCount {
            let role = try r.string("a library role")
            var renames: [String: String] = [:]
            let pairCount = try r.count("the number of renames of role `\(role)`", minimumBytes: 16)
            for _ in 0..<pairCount {
                let library = try r.string("a library column of role `\(role)`")
                renames[library] = try r.string("the column `\(library)` of role `\(role)` reads")
            }
            m.binding.columns[role] = renames
        }
        let unavailableCount = try r.count("the number of unavailable library metrics", minimumBytes: 16)
        for _ in 0..<unavailableCount {
            m.unavailable.append((try r.string("an unavailable metric"), try r.string("why a library metric is unavailable")))
        }
        guard r.atEnd else { throw r.error("the manifest has \(r.bytes.count - r.position) bytes after its end") }
        return m
    }

    private static func decodeScalar(_ r: inout SessionByteReader, _ what: String) throws -> Scalar {
        let at = r.position
        switch try r.u8(what) {
        case 0: return .null
        case 1: return .int(try r.i64(what))
        case 2: return .decimal(try r.f64(what))
        case 3: return .bool(try r.flag(what))
        case 4: return .date(try r.i64(what))
        case 5: return .timestamp(try r.i64(what))
        case 6: return .text(try r.string(what))
        case let tag: throw r.fail("\(what) has unknown kind \(tag)", r.fileOffset + at)
        }
    }
}
