/// Walks over parsed expressions that need no recursion of their own, for the many places
/// that only look for names.
extension Expression {
    /// The expressions directly inside this one, in the order they are written.
    public var children: [Expression] {
        switch kind {
        case .literal, .name, .star: return []
        case .unary(_, let a), .isNull(let a, _), .during(let a, _): return [a]
        case .chain(let first, let links): return [first] + links.map(\.operand)
        case .like(let a, let b, _): return [a, b]
        case .between(let a, let b, let c, _): return [a, b, c]
        case .inList(let a, let items, _): return [a] + items
        case .call(_, let arguments, let filter): return arguments + (filter.map { [$0] } ?? [])
        case .caseWhen(let clauses, let otherwise):
            return clauses.flatMap { [$0.condition, $0.result] } + (otherwise.map { [$0] } ?? [])
        }
    }

    /// Calls `body` on this expression and every one inside it, parents before children and
    /// in written order, with a stack of its own (any depth).
    public func forEachNode(_ body: (Expression) throws -> Void) rethrows {
        var pending = [self]
        while let node = pending.popLast() {
            try body(node)
            pending.append(contentsOf: node.children.reversed())
        }
    }
}
