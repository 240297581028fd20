/// A key column of a join's other side that the join left out: `join left u on a = w` keeps
/// `a` and drops `w`, whose values equal `a`'s wherever rows matched. A later step naming `w`
/// is told that, with `a` suggested, instead of "unknown column `w` in dataset `t`", which
/// sent people looking for a typo in the first dataset.
struct DroppedJoinKey {
    /// The dropped column (the other side's key).
    let name: String
    /// The column kept in its place (this side's key).
    let kept: String
    /// The join as written, for the message: `join left u on a = w`.
    let join: String

    /// The keys `join` drops: each of the other side's keys whose name differs from this
    /// side's (with the same name, the kept column answers to it).
    static func keys(of join: JoinStep) -> [DroppedJoinKey] {
        let other: String
        switch join.source {
        case .dataset(let name): other = name.name
        case .pipeline, .kpi: other = "(...)"
        }
        let keys = join.keys.map { $0.left.name == $0.right.name ? $0.left.name : "\($0.left.name) = \($0.right.name)" }
        let written = "join \(join.kind == .left ? "left " : "")\(other) on \(keys.joined(separator: ", "))"
        return join.keys.filter { $0.left.name != $0.right.name }.map {
            DroppedJoinKey(name: $0.right.name, kept: $0.left.name, join: written)
        }
    }

    /// `diagnostic`, reworded when it calls a dropped key unknown.
    static func explain(_ diagnostic: Diagnostic, _ dropped: [DroppedJoinKey]) -> Diagnostic {
        guard diagnostic.code == .unknownColumn,
              let key = dropped.last(where: { diagnostic.message.hasPrefix("unknown column `\($0.name)`") })
        else { return diagnostic }
        var explained = diagnostic
        explained.message = "unknown column `\(key.name)`: `\(key.join)` kept `\(key.kept)` and dropped `\(key.name)`"
        explained.label = "did you mean `\(Identifier.quote(key.kept))`?"
        explained.hints = ["a join keeps one column per key: `\(key.name)` equals `\(key.kept)` wherever rows matched"]
        return explained
    }
}
