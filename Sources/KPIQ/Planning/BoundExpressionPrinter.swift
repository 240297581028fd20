/// Writes a bound expression as kpiq-like text for `.explain`: each column by its name in the
/// schema the expression reads (a bound expression only knows indexes), constants as they
/// would be typed (`2024-03-01`, `2024-03-01T10:00:00`, `"paid"`, `1.0` for a decimal), and
/// brackets only where precedence needs them.
///
/// It shows what binding made of the text, which is the point of explaining: `day during 2024`
/// reads `day >= 2024-01-01 and day < 2025-01-01`, `where converted` reads `converted != 0`.
package enum BoundExpressionPrinter {
    package static func text(_ e: BoundExpression, in schema: Schema) -> String {
        switch e.kind {
        case .column(let index):
            // Never out of range in a bound plan; an index stays readable if it were.
            return index < schema.fields.count ? Identifier.quote(schema.fields[index].name) : "#\(index)"
        case .constant(let value):
            return constant(value)
        case .arithmetic(let first, let steps):
            return chain(first, steps.map { ($0.op, $0.operand) }, in: schema)
        case .comparison(let op, let a, let b):
            return operand(a, above: .comparison, orEqual: true, schema) + " \(op.rawValue) " + operand(b, above: .comparison, orEqual: true, schema)
        case .and(let parts):
            return parts.map { operand($0, above: .and, schema) }.joined(separator: " and ")
        case .or(let parts):
            return parts.map { operand($0, above: .or, schema) }.joined(separator: " or ")
        case .not(let a):
            // `not (x != 0)` rather than the equivalent `not x != 0`, which reads as `(not x) != 0`.
            return "not " + operand(a, above: .comparison, orEqual: true, schema)
        case .negate(let a):
            // Brackets around another minus, so that it never reads as `--`, a comment.
            return "-" + operand(a, above: .unary, orEqual: true, schema)
        case .isNull(let a, let negated):
            return operand(a, above: .additive, schema) + (negated ? " is not null" : " is null")
        case .inList(let a, let items, let negated):
            return operand(a, above: .additive, schema) + (negated ? " not in (" : " in (") + items.map(constant).joined(separator: ", ") + ")"
        case .like(let a, let pattern, let negated):
            return operand(a, above: .additive, schema) + (negated ? " not like " : " like ") + quoted(pattern)
        case .caseWhen(let clauses, let otherwise):
            var out = "case"
            for clause in clauses { out += " when " + text(clause.condition, in: schema) + " then " + text(clause.result, in: schema) }
            if let otherwise { out += " else " + text(otherwise, in: schema) }
            return out + " end"
        case .function(let function, let arguments):
            return function.rawValue + "(" + arguments.map { text($0, in: schema) }.joined(separator: ", ") + ")"
        case .cast(let a):
            // Casts are written as the type's function: `date(x)`, `text(x)`.
            return (e.type?.name ?? "cast") + "(" + text(a, in: schema) + ")"
        case .shift(let a, let interval):
            let backwards = interval.months <= 0 && interval.days <= 0 && interval.micros <= 0
            let length = backwards ? Interval(months: -interval.months, days: -interval.days, micros: -interval.micros) : interval
            return operand(a, above: .additive, schema) + (backwards ? " - " : " + ") + length.description
        case .concat(let parts):
            guard let first = parts.first else { return "\"\"" }
            return chain(first, parts.dropFirst().map { (BinaryOperator.concat, $0) }, in: schema)
        }
    }

    /// The conditions of an `and`, each as it reads as an operand of `and`; a condition that
    /// is not an `and` alone.
    package static func conjuncts(_ e: BoundExpression, in schema: Schema) -> [String] {
        guard case .and(let parts) = e.kind else { return [text(e, in: schema)] }
        return parts.map { operand($0, above: .and, schema) }
    }

    /// A constant as it would be written: text quoted and escaped, a decimal with a point.
    package static func constant(_ value: Scalar) -> String {
        switch value {
        case .text(let s): return quoted(s)
        case .decimal(let v):
            let plain = Scalar.formatDouble(v)
            return v.isFinite && !plain.contains(where: { $0 == "." || $0 == "e" }) ? plain + ".0" : plain
        case .timestamp(let t): return CivilCalendar.formatTimestamp(t, separator: "T")
        case .null, .int, .bool, .date: return value.description
        }
    }

    /// `s` in double quotes, with the escapes the lexer reads back.
    static func quoted(_ s: String) -> String {
        BackslashQuoting.quoted(s, escapingControls: false)
    }

    typealias Level = ExpressionPrinter.Level

    /// How tightly `e` binds, on the parser's levels (`ExpressionPrinter.Level`).
    static func level(_ e: BoundExpression) -> Level {
        switch e.kind {
        case .arithmetic(_, let steps): return steps.map { Level($0.op) }.min() ?? .primary
        case .concat, .shift: return .additive
        case .comparison, .isNull, .inList, .like: return .comparison
        case .and: return .and
        case .or: return .or
        case .not: return .not
        case .negate: return .unary
        case .constant(.int(let v)) where v < 0: return .unary
        case .constant(.decimal(let v)) where v < 0: return .unary
        default: return .primary
        }
    }

    /// `e` as an operand of a construct at `level`: bracketed when it binds more loosely
    /// (or as loosely, with `orEqual`).
    private static func operand(_ e: BoundExpression, above level: Level, orEqual: Bool = false, _ schema: Schema) -> String {
        let own = Self.level(e)
        return own < level || (orEqual && own == level) ? "(" + text(e, in: schema) + ")" : text(e, in: schema)
    }

    /// A left-to-right chain, in a loop (chains may have thousands of links): the part so far
    /// is bracketed when the next operator binds more tightly (`(a + b) * c`); an operand when
    /// it binds as loosely as its operator (`a - (b - c)`).
    private static func chain(_ first: BoundExpression, _ links: [(BinaryOperator, BoundExpression)], in schema: Schema) -> String {
        var out = text(first, in: schema)
        var level = Self.level(first)
        for (op, operand) in links {
            let next = Level(op)
            if level < next { out = "(" + out + ")" }
            var right = self.operand(operand, above: next, orEqual: true, schema)
            // `a - -1` would read as a comment from `--` on.
            if op == .subtract, right.hasPrefix("-") { right = "(" + right + ")" }
            out += " " + op.rawValue + " " + right
            level = next
        }
        return out
    }
}
