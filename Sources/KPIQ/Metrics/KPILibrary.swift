/// The standard KPI library: every KPI of the catalog (`KPIS.md`) that the data can support,
/// written in kpiq (`KPILibrary.source`) over seven roles: `sessions`, `contacts`, `campaigns`,
/// `deals`, `emails`, `orders`, `ads` (and `social`, `ctas`, `forms`, `outbound` for the engagement
/// rates). A role is a dataset: by default the loaded dataset of that name (or a usual alias:
/// `events` for sessions, `email_events` for emails), or whatever `use kpis with role =
/// dataset (library_column = dataset_column, ...)` says. A library metric becomes available
/// as soon as its datasets and columns exist; defining a metric of the same name overrides it.
package enum KPILibrary {
    package static let source = #"""
    -- Traffic: one row per web session (visitor_id, source, bounced, seconds_on_page, converted_to_lead).
    metric sessions = count(sessions) as count
    metric visitors = count_distinct(sessions.visitor_id) as count
    metric bounced_sessions = count(sessions) where bounced as count
    metric bounce_rate = bounced_sessions / sessions as percent
    metric avg_time_on_page = mean(sessions.seconds_on_page) as number
    metric median_time_on_page = median(sessions.seconds_on_page) as number
    metric converting_visitors = count_distinct(sessions.visitor_id) where converted_to_lead as count
    metric session_conversion_rate = (count(sessions) where converted_to_lead) / sessions as percent

    -- Leads and the lifecycle funnel: one row per contact, dated by created_at, with stage timestamps.
    -- Each stage is counted when it is reached (mql_at, sql_at, customer_at).
    metric leads = count(contacts) as count
    metric mqls = count(contacts) where mql_at is not null as count time mql_at
    metric sqls = count(contacts) where sql_at is not null as count time sql_at
    metric customers = count(contacts) where customer_at is not null as count time customer_at
    metric visitor_to_lead = leads / visitors as percent
    metric lead_to_mql = mqls / leads as percent
    metric mql_to_sql = sqls / mqls as percent
    metric sql_to_customer = customers / sqls as percent
    metric lead_to_customer = customers / leads as percent
    metric avg_lead_score = mean(contacts.lead_score) as number
    metric days_to_mql = median(contacts.mql_at - contacts.created_at) as days time mql_at
    metric avg_days_to_mql = mean(contacts.mql_at - contacts.created_at) as days time mql_at
    metric sales_response_days = median(contacts.first_sales_touch_at - contacts.sql_at) as days time sql_at
    metric total_contacts = cumulative(count(contacts)) as count

    -- Email: one row per send (delivered, opened_at, clicked_at, unsubscribed), dated by sent_at.
    metric emails_sent = count(emails) as count
    metric emails_delivered = count(emails) where delivered as count
    metric deliverability = emails_delivered / emails_sent as percent
    metric email_opens = count(emails) where opened_at is not null as count
    metric email_open_rate = email_opens / emails_delivered as percent
    metric email_clicks = count(emails) where clicked_at is not null as count
    metric click_rate = email_clicks / emails_delivered as percent
    metric click_to_open_rate = email_clicks / email_opens as percent
    metric unsubscribes = count(emails) where unsubscribed as count
    metric unsubscribe_rate = unsubscribes / emails_delivered as percent
    metric active_contacts_30d = active_contacts(30 days) as count
    metric active_contacts_90d = active_contacts(90 days) as count
    metric active_contact_rate_90d = active_contact_rate(90 days) as percent

    -- Money: campaigns carry spend (dated by start_date); won deals carry revenue (by closed_at).
    metric spend = sum(campaigns.spend) as money
    metric cpl = spend / leads as money
    metric cac = spend / customers as money
    metric won_deals = count(deals) where won as count time closed_at
    metric revenue = sum(deals.amount) where won as money time closed_at
    metric roi = (revenue - spend) / spend as percent
    metric roas = revenue / spend as number
    metric avg_deal_value = mean(deals.amount) where won as money time closed_at
    metric revenue_per_customer = revenue / customers as money
    metric ltv_to_cac = revenue_per_customer / cac as number
    metric open_deals = open(count(deals), created_at, closed_at) as count
    metric pipeline_value = open(sum(deals.amount), created_at, closed_at) as money

    -- Purchases: one row per order line (customer_id, amount), dated by the order. A purchase is a
    -- customer's day with at least one order row; both figures below run from the data's start to
    -- each period's end.
    metric buyers = count_distinct(orders.customer_id) as count
    metric order_revenue = sum(orders.amount) as money
    metric customers_to_date = cumulative(count_distinct(orders.customer_id)) as count
    metric repeat_customers = repeated(count_distinct(orders.customer_id)) as count
    metric repurchase_rate = repeat_customers / customers_to_date as percent
    metric ltv = cumulative(sum(orders.amount)) / customers_to_date as money

    -- Paid ads: one row per ad or day (impressions, clicks, spend, conversions, purchases).
    metric impressions = sum(ads.impressions) as count
    metric clicks = sum(ads.clicks) as count
    metric ctr = clicks / impressions as percent
    metric ad_spend = sum(ads.spend) as money
    metric cpc = ad_spend / clicks as money
    metric ad_conversions = sum(ads.conversions) as count
    metric ad_conversion_rate = ad_conversions / clicks as percent
    metric ad_purchases = sum(ads.purchases) as count
    metric ad_cac = ad_spend / ad_purchases as money

    -- Engagement, each over its own export.
    metric engagement_rate = sum(social.interactions) / sum(social.reach) as percent
    metric cta_click_through = sum(ctas.clicks) / sum(ctas.views) as percent
    metric form_completion_rate = sum(forms.submissions) / sum(forms.views) as percent
    metric reply_rate = sum(outbound.replies) / sum(outbound.sent) as percent
    """#

    /// The benchmarks quoted by the guides of KPIS.md, as targets (`use benchmarks`).
    package static let benchmarks = #"""
    target visitor_to_lead between 1% and 3%
    target sql_to_customer between 10% and 20%
    """#

    /// The roles and the dataset names tried, in order, when no `use` binds them.
    package static let roles: [(role: String, aliases: [String])] = [
        ("sessions", ["sessions", "events", "web", "visits", "web_sessions"]),
        ("contacts", ["contacts", "leads", "crm"]),
        ("campaigns", ["campaigns"]),
        ("deals", ["deals", "opportunities"]),
        ("emails", ["emails", "email_events", "sends"]),
        ("orders", ["orders", "purchases", "transactions"]),
        ("ads", ["ads"]),
        ("social", ["social", "posts"]),
        ("ctas", ["ctas"]),
        ("forms", ["forms"]),
        ("outbound", ["outbound"]),
    ]

    /// Relationships the library declares when both sides exist.
    package static let relationships: [(from: (String, String), to: (String, String))] = [
        (("contacts", "campaign"), ("campaigns", "campaign")),
        (("sessions", "campaign"), ("campaigns", "campaign")),
        (("emails", "campaign"), ("campaigns", "campaign")),
        (("deals", "contact_id"), ("contacts", "contact_id")),
    ]

    /// The library's metric statements, parsed once.
    package static let definitions: [MetricDefinition] = {
        let parsed = Parser.parse(SourceText(name: "kpis", text: source))
        precondition(parsed.diagnostics.isEmpty, "the KPI library does not parse: \(parsed.diagnostics)")
        return parsed.statements.compactMap { if case .metric(let m) = $0.kind { return m } else { return nil } }
    }()

    package static var names: [String] { definitions.map(\.name.name) }

    static func definition(_ name: String) -> MetricDefinition? { definitions.first { $0.name.name == name } }

    /// Library metrics that take a length of time.
    enum Parametric: String {
        case activeContacts = "active_contacts"
        case activeContactRate = "active_contact_rate"
    }

    static func parametric(_ name: String) -> Parametric? { Parametric(rawValue: name) }

    /// Role bindings in effect: which dataset plays each role, and column renames.
    package struct Binding: Sendable {
        package var datasets: [String: String] = [:]
        /// Per role: library column -> dataset column.
        package var columns: [String: [String: String]] = [:]
        package init() {}
    }

    /// Answers the metric binder's questions about roles for one session state.
    struct Resolver {
        let catalog: Catalog
        let binding: Binding

        /// The dataset playing `role` (or nil when `name` is not a role with a dataset).
        func datasetName(forRole name: String) -> String? {
            if let bound = binding.datasets[name] { return bound }
            guard let role = KPILibrary.roles.first(where: { $0.role == name }) else { return nil }
            return role.aliases.first { catalog[$0] != nil }
        }

        func isRole(_ name: String) -> Bool { KPILibrary.roles.contains { $0.role == name } }

        /// The dataset's name for a library column (after `use ... (x = y)` renames).
        func columnName(_ column: String, dataset: String) -> String? {
            for (role, renames) in binding.columns where datasetName(forRole: role) == dataset {
                if let renamed = renames[column] { return renamed }
            }
            return nil
        }

        /// A library metric's definition, when the name is one.
        func definition(_ name: String, at span: Span) throws -> MetricDefinition? {
            KPILibrary.definition(name)
        }

        /// The expression of `active_contacts(window)` or `active_contact_rate(window)`; the
        /// window is measured on the opens, not the sends.
        func parametricExpression(_ parametric: Parametric, window: Interval) throws -> Expression {
            let active = "rolling(count_distinct(emails.contact_id) where opened_at is not null, \(window.description), opened_at)"
            let text: String
            switch parametric {
            case .activeContacts: text = active
            case .activeContactRate: text = "\(active) / cumulative(count(contacts))"
            }
            return try Parser.parseExpressionHere(SourceText(name: "kpis", text: text))
        }
    }
}
