/// Writes an expression back as kpiq text, with brackets where precedence needs them. Used
/// to show formulas (`.metrics`, `.explain`) and to compare expressions by their text.
public enum ExpressionPrinter {
    public static func text(_ e: Expression) -> String {
        switch e.kind {
        case .literal(let literal): return text(literal)
        case .name(let parts): return parts.map(\.quotedIfNeeded).joined(separator: ".")
        case .star: return "*"
        case .unary(.negate, let a): return "-" + wrapped(a)
        case .unary(.not, let a): return "not " + wrapped(a)
        case .binary(let op, let a, let b):
            let symbol = op == .and ? "and" : op == .or ? "or" : op.rawValue
            return wrapped(a) + " " + symbol + " " + wrapped(b)
        case .call(let name, let args, let filter):
            let call = name.name + "(" + args.map(text).joined(separator: ", ") + ")"
            return filter.map { call + " where " + text($0) } ?? call
        case .isNull(let a, let negated): return wrapped(a) + (negated ? " is not null" : " is null")
        case .inList(let a, let items, let negated):
            return wrapped(a) + (negated ? " not in (" : " in (") + items.map(text).joined(separator: ", ") + ")"
        case .between(let a, let low, let high, let negated):
            return wrapped(a) + (negated ? " not between " : " between ") + wrapped(low) + " and " + wrapped(high)
        case .like(let a, let pattern, let negated): return wrapped(a) + (negated ? " not like " : " like ") + text(pattern)
        case .caseWhen(let clauses, let otherwise):
            var out = "case"
            for clause in clauses { out += " when " + text(clause.condition) + " then " + text(clause.result) }
            if let otherwise { out += " else " + text(otherwise) }
            return out + " end"
        case .during(let a, let range): return wrapped(a) + " during " + text(range)
        }
    }

    /// Brackets around anything that is not a single term.
    private static func wrapped(_ e: Expression) -> String {
        switch e.kind {
        case .binary, .between, .inList, .like, .isNull, .during, .unary(.not, _): return "(" + text(e) + ")"
        case .call(_, _, let filter) where filter != nil: return "(" + text(e) + ")"
        default: return text(e)
        }
    }

    public static func text(_ literal: Literal) -> String {
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

    public static func text(_ range: TimeRange) -> String {
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
