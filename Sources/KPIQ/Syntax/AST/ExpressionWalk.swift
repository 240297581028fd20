/// Walks over parsed expressions that need no recursion of their own, for the many places
/// that only look for names, and the one rewrite of names.
extension Expression {
    /// The expressions directly inside this one, in the order they are written.
    package var children: [Expression] {
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
    package func forEachNode(_ body: (Expression) throws -> Void) rethrows {
        var pending = [self]
        while let node = pending.popLast() {
            try body(node)
            pending.append(contentsOf: node.children.reversed())
        }
    }

    /// The expression with every name replaced by what `rename` gives for its parts (the
    /// one rewrite of the AST: the KPI planner strips `dataset.` prefixes with it). Everything
    /// else, spans included, is kept.
    package func renamingNames(_ rename: ([Identifier]) throws -> [Identifier]) rethrows -> Expression {
        // Loops, not `map`: a closure that calls `rename` would make this function throw
        // for callers whose `rename` cannot.
        var out = self
        switch kind {
        case .name(let parts): out.kind = .name(try rename(parts))
        case .unary(let op, let a): out.kind = .unary(op, try a.renamingNames(rename))
        case .chain(let first, let links):
            var renamed: [ChainLink] = []
            for link in links { renamed.append(ChainLink(op: link.op, operand: try link.operand.renamingNames(rename))) }
            out.kind = .chain(try first.renamingNames(rename), renamed)
        case .call(let f, let args, let filter):
            var renamed: [Expression] = []
            for argument in args { renamed.append(try argument.renamingNames(rename)) }
            var renamedFilter: Expression?
            if let filter { renamedFilter = try filter.renamingNames(rename) }
            out.kind = .call(f, renamed, filter: renamedFilter)
        case .isNull(let a, let n): out.kind = .isNull(try a.renamingNames(rename), negated: n)
        case .inList(let a, let items, let n):
            var renamed: [Expression] = []
            for item in items { renamed.append(try item.renamingNames(rename)) }
            out.kind = .inList(try a.renamingNames(rename), renamed, negated: n)
        case .between(let a, let b, let c, let n):
            out.kind = .between(try a.renamingNames(rename), try b.renamingNames(rename), try c.renamingNames(rename), negated: n)
        case .like(let a, let b, let n): out.kind = .like(try a.renamingNames(rename), try b.renamingNames(rename), negated: n)
        case .caseWhen(let clauses, let otherwise):
            var renamed: [WhenClause] = []
            for clause in clauses {
                renamed.append(WhenClause(condition: try clause.condition.renamingNames(rename), result: try clause.result.renamingNames(rename)))
            }
            var other: Expression?
            if let otherwise { other = try otherwise.renamingNames(rename) }
            out.kind = .caseWhen(renamed, otherwise: other)
        case .during(let a, let range): out.kind = .during(try a.renamingNames(rename), range)
        case .literal, .star: break
        }
        return out
    }
}
