/// The columns a pipeline step sees: names and types, in order, and for each column the
/// dataset and column it was read from, when it is a plain stored column (metrics and
/// relationships use that to find time columns and join paths).
package struct Schema: Sendable {
    package struct Field: Sendable {
        package var name: String
        package var type: DataType
        /// `(dataset, column)` when the field is a stored column passed through unchanged.
        package var origin: (dataset: String, column: String)?
        /// A column with no values (`Column.isUntyped`): `type` is only how it is stored.
        /// Its type is null, the type of the `null` literal, which mixes with any other:
        /// in an expression it reads as `null`; a join key or union column becomes the
        /// other side's type; a bare `select` or group key passes it through still untyped.
        package var untyped: Bool

        package init(name: String, type: DataType, origin: (dataset: String, column: String)? = nil, untyped: Bool = false) {
            self.name = name
            self.type = type
            self.origin = origin
            self.untyped = untyped
        }

        /// The type for unifying with another: nil (the null type) when untyped.
        var unifiableType: DataType? { untyped ? nil : type }
    }

    package var fields: [Field]
    /// The dataset the rows come from, for messages ("unknown column `x` in dataset `ads`").
    package var datasetName: String?

    package init(fields: [Field], datasetName: String? = nil) {
        self.fields = fields
        self.datasetName = datasetName
    }

    package init(table: Table, dataset: String) {
        fields = zip(table.names, table.columns).map { Field(name: $0, type: $1.type, origin: (dataset, $0), untyped: $1.isUntyped) }
        datasetName = dataset
    }

    package var names: [String] { fields.map(\.name) }

    package func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }
}
