/// A statement whose result is a KPI table: `show`, `funnel`, `cohort` or `attribution`. It is the source of
/// a pipeline when steps follow it (`show visitors by source | where visitors > 10`) or when
/// it is kept with `let`; on its own it is a statement of its own kind (`Statement.Kind.show`).
///
/// Pipelines take it as a source, rather than KPI statements carrying steps, so that `let`,
/// the binder and the executor see one shape for every pipeline: a source, then steps.
package struct KPIStatement: Sendable {
    package enum Kind: Sendable {
        case show(ShowStatement)
        case funnel(FunnelStatement)
        case cohort(CohortStatement)
        case attribution(AttributionStatement)
    }

    /// The words KPI statements start with.
    package static let words = ["show", "funnel", "cohort", "attribution"]

    package var kind: Kind
    package var span: Span

    package init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }

    /// The word the statement starts with, for messages.
    package var word: String {
        switch kind {
        case .show: return "show"
        case .funnel: return "funnel"
        case .cohort: return "cohort"
        case .attribution: return "attribution"
        }
    }

    /// The statement on its own, without steps.
    package var statementKind: Statement.Kind {
        switch kind {
        case .show(let show): return .show(show)
        case .funnel(let funnel): return .funnel(funnel)
        case .cohort(let cohort): return .cohort(cohort)
        case .attribution(let attribution): return .attribution(attribution)
        }
    }
}
