/// Writes an expression back as kpiq text, with brackets only where precedence needs them.
/// Used to show formulas (`.metrics`, `.explain`) and to compare expressions by their text.
package enum ExpressionPrinter {
    package static func text(_ e: Expression) -> String {
        switch e.kind {
        case .literal(let literal): return text(literal)
        case .name(let parts): return parts.map(\.quotedIfNeeded).joined(separator: ".")
        case .star: return "*"
        // Brackets around another minus, so that it never reads as `--`, a comment.
        case .unary(.negate, let a): return "-" + operand(a, above: .unary, orEqual: true)
        case .unary(.not, let a): return "not " + operand(a, above: .not)
        case .chain(let first, let links): return chain(first, links)
        case .call(let name, let args, let filter):
            let call = name.name + "(" + args.map(text).joined(separator: ", ") + ")"
            return filter.map { call + " where " + text($0) } ?? call
        case .isNull(let a, let negated): return operand(a, above: .additive) + (negated ? " is not null" : " is null")
        case .inList(let a, let items, let negated):
            return operand(a, above: .additive) + (negated ? " not in (" : " in (") + items.map(text).joined(separator: ", ") + ")"
        case .between(let a, let low, let high, let negated):
            return operand(a, above: .additive) + (negated ? " not between " : " between ") + operand(low, above: .additive)
                + " and " + operand(high, above: .additive)
        case .like(let a, let pattern, let negated):
            return operand(a, above: .additive) + (negated ? " not like " : " like ") + operand(pattern, above: .additive)
        case .caseWhen(let clauses, let otherwise):
            var out = "case"
            for clause in clauses { out += " when " + text(clause.condition) + " then " + text(clause.result) }
            if let otherwise { out += " else " + text(otherwise) }
            return out + " end"
        case .during(let a, let range): return operand(a, above: .additive) + " during " + text(range)
        }
    }

    /// The grammar's precedence levels, loosest first.
    enum Level: Int, Comparable {
        /// An aggregate with a `where` filter: the filter runs to the end, so it is always bracketed.
        case filtered
        case or, and, not, comparison, additive, multiplicative, unary, primary

        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        init(_ op: BinaryOperator) {
            switch op {
            case .or: self = .or
            case .and: self = .and
            case .add, .subtract, .concat: self = .additive
            case .multiply, .divide, .modulo: self = .multiplicative
            default: self = .comparison
            }
        }

        init(_ e: Expression) {
            switch e.kind {
            case .chain(_, let links): self = links.map { Level($0.op) }.min() ?? .primary
            case .unary(.not, _): self = .not
            case .unary(.negate, _): self = .unary
            case .literal(.integer(let v)) where v < 0: self = .unary
            case .literal(.decimal(let v)) where v < 0: self = .unary
            case .isNull, .inList, .between, .like, .during: self = .comparison
            case .call(_, _, _?): self = .filtered
            default: self = .primary
            }
        }
    }

    /// `e` as an operand of a construct at `level`: bracketed when it binds more loosely
    /// (or as loosely, with `orEqual`).
    private static func operand(_ e: Expression, above level: Level, orEqual: Bool = false) -> String {
        let own = Level(e)
        return own < level || (orEqual && own == level) ? "(" + text(e) + ")" : text(e)
    }

    /// A chain, left to right, in a loop (chains may have thousands of links). The part so far
    /// is bracketed when the next operator binds more tightly (`(a + b) * c`) or when both are
    /// comparisons (`(a = b) = c`); an operand when it binds as loosely as its operator.
    private static func chain(_ first: Expression, _ links: [ChainLink]) -> String {
        var out = text(first)
        var level = Level(first)
        for link in links {
            let next = Level(link.op)
            if level < next || (level == .comparison && next == .comparison) { out = "(" + out + ")" }
            let symbol = link.op == .and ? "and" : link.op == .or ? "or" : link.op.rawValue
            out += " " + symbol + " " + operand(link.operand, above: next, orEqual: true)
            level = next
        }
        return out
    }

    package static func text(_ literal: Literal) -> String {
        switch literal {
        case .integer(let v): return String(v)
        case .decimal(let v): return Scalar.formatDouble(v)
        case .string(let s): return "\"" + s.replacing("\\\\", with: "\\\\\\\\").replacing("\"", with: "\\\\\"") + "\""
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .date(let d): return CivilCalendar.formatDate(d)
        case .timestamp(let t): return CivilCalendar.formatTimestamp(t, separator: "T")
        case .interval(let i): return i.description
        }
    }

    package static func text(_ range: TimeRange) -> String {
        switch range.kind {
        case .year(let y): return String(y)
        case .quarter(let y, let q): return "\(y)-Q\(q)"
        case .month(let y, let m): return "\(y)-" + (m < 10 ? "0" : "") + String(m)
        case .day(let d): return CivilCalendar.formatDate(d)
        case .dates(let a, let b): return CivilCalendar.formatDate(a) + ".." + CivilCalendar.formatDate(b)
        case .last(let n, let grain): return "last \(n) \(grain.rawValue)s"
        case .this(let grain): return "this \(grain.rawValue)"
        case .previous(let grain): return "previous \(grain.rawValue)"
        case .today: return "today"
        case .yesterday: return "yesterday"
        }
    }
}
