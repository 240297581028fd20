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
        w.optional(asOf) { $0.i64($1) }
        w.list(dictionaries) { w, d in
            w.count(d.count)
            w.count(d.bytesSection)
            w.count(d.offsetsSection)
        }
        w.list(datasets) { w, dataset in
            w.string(dataset.name)
            w.optionalString(dataset.timeColumn)
            w.optionalString(dataset.endTimeColumn)
            w.string(dataset.origin)
            w.list(dataset.formats) { w, entry in
                w.string(entry.column)
                w.string(entry.format.rawValue)
            }
            w.count(dataset.rows)
            w.list(dataset.columns) { w, column in Self.encode(column, into: &w) }
        }
        w.list(metrics) { w, metric in
            w.string(metric.name)
            w.string(metric.text)
            w.optionalString(metric.format)
            w.optionalString(metric.timeColumn)
        }
        w.list(targets) { w, target in Self.encode(target, into: &w) }
        w.list(relationships) { w, r in
            w.string(r.fromDataset)
            w.string(r.fromColumn)
            w.string(r.toDataset)
            w.string(r.toColumn)
        }
        w.list(binding.datasets.sorted { $0.key < $1.key }) { w, role in
            w.string(role.key)
            w.string(role.value)
        }
        w.list(binding.columns.sorted { $0.key < $1.key }) { w, role in
            w.string(role.key)
            w.list(role.value.sorted { $0.key < $1.key }) { w, rename in
                w.string(rename.key)
                w.string(rename.value)
            }
        }
        w.list(unavailable) { w, metric in
            w.string(metric.0)
            w.string(metric.1)
        }
        return w.bytes
    }

    private static func encode(_ column: ColumnEntry, into w: inout SessionByteWriter) {
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
        w.optional(column.validity) { $0.count($1) }
    }

    private static func encode(_ target: Target, into w: inout SessionByteWriter) {
        w.string(target.metric)
        w.optionalDouble(target.low)
        w.optionalDouble(target.high)
        w.optional(target.scope) { w, scope in
            w.string(scope.dimension)
            encode(scope.value, into: &w)
        }
        w.string(target.text)
        w.optionalString(target.grain?.rawValue)
        w.optional(target.goals) { w, goals in
            w.string(goals.dataset)
            w.string(goals.periodColumn)
            w.string(goals.goalColumn)
            w.list(goals.dimensions) { $0.string($1) }
        }
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
        if try r.flag("whether there is an as-of date") {
            let at = r.position
            let day = try r.i64("the as-of date")
            // The days of years 1 to 9999, as `as of` accepts: the calendar's arithmetic
            // around the as-of day assumes no more.
            guard day >= -719_162, day <= 2_932_896 else { throw r.fail("the as-of date \(day) is outside years 1 to 9999", r.fileOffset + at) }
            m.asOf = day
        }
        m.dictionaries = try r.list("the number of dictionaries", minimumBytes: 24) { r in
            let count = try r.bounded("the number of strings of a dictionary", limit: Int(Int32.max))
            return DictionaryEntry(count: count, bytesSection: try r.section("a dictionary's bytes", sections: sections),
                                   offsetsSection: try r.section("a dictionary's offsets", sections: sections))
        }
        let dictionaries = m.dictionaries.count
        m.datasets = try r.list("the number of datasets", minimumBytes: 40) { r in
            let at = r.fileOffset + r.position
            var dataset = DatasetEntry(name: try r.string("a dataset name"), timeColumn: nil, endTimeColumn: nil, origin: "", formats: [], rows: 0, columns: [],
                                       fileOffset: at)
            let what = "dataset `\(dataset.name)`"
            dataset.timeColumn = try r.optionalString("the time column of \(what)")
            dataset.endTimeColumn = try r.optionalString("the end time column of \(what)")
            dataset.origin = try r.string("the origin of \(what)")
            dataset.formats = try r.list("the number of formats of \(what)", minimumBytes: 16) { r in
                let column = try r.string("a column name of \(what)'s formats")
                let name = try r.string("the format of `\(column)` in \(what)")
                guard let format = ValueFormat(rawValue: name) else { throw r.error("unknown format `\(name)` for `\(column)` in \(what)") }
                return (column, format)
            }
            dataset.rows = try r.bounded("the row count of \(what)", limit: Table.maxRows)
            let name = dataset.name
            dataset.columns = try r.list("the number of columns of \(what)", minimumBytes: 20) { r in
                try decodeColumn(&r, of: name, sections: sections, dictionaries: dictionaries)
            }
            return dataset
        }
        m.metrics = try r.list("the number of metrics", minimumBytes: 18) { r in
            let at = r.fileOffset + r.position
            let name = try r.string("a metric name")
            return MetricEntry(name: name, text: try r.string("the definition of metric `\(name)`"),
                               format: try r.optionalString("the format of metric `\(name)`"),
                               timeColumn: try r.optionalString("the time column of metric `\(name)`"), fileOffset: at)
        }
        m.targets = try r.list("the number of targets", minimumBytes: 21) { r in try decodeTarget(&r) }
        m.relationships = try r.list("the number of relationships", minimumBytes: 32) { r in
            Relationship(fromDataset: try r.string("a relationship's dataset"), fromColumn: try r.string("a relationship's column"),
                         toDataset: try r.string("a relationship's target dataset"), toColumn: try r.string("a relationship's target column"))
        }
        let roles = try r.list("the number of library roles", minimumBytes: 16) { r in
            let role = try r.string("a library role")
            return (role, try r.string("the dataset of role `\(role)`"))
        }
        for (role, dataset) in roles { m.binding.datasets[role] = dataset }
        let renamedRoles = try r.list("the number of renamed roles", minimumBytes: 16) { r in
            let role = try r.string("a library role")
            let renames = try r.list("the number of renames of role `\(role)`", minimumBytes: 16) { r in
                let library = try r.string("a library column of role `\(role)`")
                return (library, try r.string("the column `\(library)` of role `\(role)` reads"))
            }
            return (role, renames)
        }
        for (role, renames) in renamedRoles {
            var columns: [String: String] = [:]
            for (library, column) in renames { columns[library] = column }
            m.binding.columns[role] = columns
        }
        m.unavailable = try r.list("the number of unavailable library metrics", minimumBytes: 16) { r in
            (try r.string("an unavailable metric"), try r.string("why a library metric is unavailable"))
        }
        guard r.atEnd else { throw r.error("the manifest has \(r.bytes.count - r.position) bytes after its end") }
        return m
    }

    private static func decodeColumn(_ r: inout SessionByteReader, of dataset: String, sections: Int, dictionaries: Int) throws -> ColumnEntry {
        let name = try r.string("a column name of dataset `\(dataset)`")
        let column = "`\(dataset)`.`\(name)`"
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
                              section: try r.section("the values of \(column)", sections: sections))
        case 1:
            guard type == .decimal else { throw r.fail("\(column) is \(type.name) but stored as doubles", r.fileOffset + kindAt) }
            storage = .doubles(section: try r.section("the values of \(column)", sections: sections))
        case 2:
            guard type == .bool else { throw r.fail("\(column) is \(type.name) but stored as bools", r.fileOffset + kindAt) }
            storage = .bools(section: try r.section("the values of \(column)", sections: sections))
        case 3:
            guard type == .text else { throw r.fail("\(column) is \(type.name) but stored as text", r.fileOffset + kindAt) }
            let base = try r.i64("the base of \(column)"), scale = try r.i64("the scale of \(column)"), w = try width()
            let values = try r.section("the codes of \(column)", sections: sections)
            let dictionaryAt = r.position
            let dictionary = try r.u64("the dictionary of \(column)")
            guard dictionary < UInt64(dictionaries) else {
                throw r.fail("\(column) uses dictionary \(dictionary); the file has \(dictionaries)", r.fileOffset + dictionaryAt)
            }
            storage = .text(base: base, scale: scale, width: w, section: values, dictionary: Int(dictionary))
        case let kind:
            throw r.fail("unknown storage \(kind) for \(column)", r.fileOffset + kindAt)
        }
        let validity = try r.flag("whether \(column) has nulls") ? try r.section("the null bitmap of \(column)", sections: sections) : nil
        return ColumnEntry(name: name, type: type, isUntyped: untyped, storage: storage, validity: validity)
    }

    private static func decodeTarget(_ r: inout SessionByteReader) throws -> Target {
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
            let dimensions = try r.list("the number of the goals' dimensions", minimumBytes: 8) { r in
                try r.string("a dimension of the goals of `\(metric)`")
            }
            guard target.grain != nil else { throw r.error("goals from a dataset without a grain in a target of `\(metric)`") }
            target.goals = Target.GoalsDataset(dataset: dataset, periodColumn: period, goalColumn: goal, dimensions: dimensions)
        }
        return target
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
