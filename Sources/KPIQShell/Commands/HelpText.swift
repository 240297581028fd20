import KPIQ

/// `.help` and `.help TOPIC`.
enum HelpText {
    static let topics: [String: String] = [
        "load": """
            load "FILE" [as NAME] [time COLUMN [.. END_COLUMN]] [with (OPTION VALUE, ...)]
              reads a CSV (or ;/tab/| separated, whitespace-separated or fixed-width) file;
              without `as`, the dataset is named after the file (sessions.csv: sessions).
              `time start_date .. end_date`: rows that run over days (campaign flights);
              sums over them are spread evenly over each row's days.
              Types are inferred from every value: int, decimal, bool (true/false), date
              (YYYY-MM-DD, or YYYYMMDD when every value is one), timestamp (ISO 8601), text.
            options:
            """ + "\n" + Session.loadOptions.map { "  \($0.name): \($0.help)" }.joined(separator: "\n") + "\n",
        "pipelines": """
            from DATASET | STEP | STEP ...      (a line starting with | continues the pipeline)
              where CONDITION
              group KEY, ... | agg NAME = AGGREGATE, ... [with total]    (agg alone: one row)
              derive NAME = EXPRESSION, ... [by KEY, ...]   (window functions: .help windows)
              select COLUMN, NAME = EXPRESSION, ...   /   select -COLUMN, -COLUMN
              sort KEY [asc|desc] [nulls first|last], ...
              top N   /   limit N [offset M]   [by KEY, ...: the first N of each partition]
              distinct [COLUMN, ...]
              join [left] DATASET on KEY [= OTHER_KEY], ...
              union DATASET
              chart [bar|line] [X] [Y ...]
            let NAME = from ...      keeps the result as a dataset
            show / funnel / cohort ... | STEP ...   the same steps continue a KPI result
            .explain from ...        the plan it runs (operators, columns read), without running it
            """,
        "windows": """
            | sort KEY ... | derive NAME = WINDOW_CALL (or an expression using some), ... [by KEY, ...]
              computed over the rows in the sort's order (input order without a sort), within the
              partitions of `by` (all rows without it); the rows keep their order.
              lag(x[, n]), lead(x[, n])           the value n rows before / after
              running_sum(x), running_count([x])  from the partition's first row to this one
              moving_avg(x, 3), moving_sum, moving_count   this row and the 2 before
              moving_avg(x, 7 days)               rows dated in the 7 days ending with this row's
                                                  (sort by one date or timestamp, ascending)
              rank(), dense_rank(), row_number()  ties of the sort keys share a rank
              total(x), share(x)                  the partition's sum; x / that sum
              anomaly(x, 28)                      x outside the median +/- 3 scaled MADs of the
                                                  28 rows before (n/a with fewer than 3)
            | where x > lag(x)       window functions in a condition
            | sort x desc | top 3 by KEY          the first 3 rows of each partition
            | group KEY | agg ... with total      adds a row over all rows: (total)
            format(t, "%Y-%m" | "%G-W%V" | "%Y-Q%q" | "week" | "quarter")   2024-03, 2024-W03, 2024-Q1
            """,
        "functions": """
            aggregates: count(), count(x), count_distinct(x) (or count(distinct x)), sum, mean/avg, min, max, median,
              percentile(x, 0.9), stddev, first(x[, by]), last(x[, by]), bit_or(x);
              a `where` after an aggregate filters its rows: count() where converted = 1
            window functions (lag, lead, running_sum, moving_avg, rank, total, share, ...):
              .help windows
            operators: + - * / % (x / 0 is null), = != < <= > >=, and or not, in (...),
              between A and B, like "pat%", is [not] null, || (join texts),
              ts during 2024-Q1 / last 90 days / this month
            """ + "\n" + ScalarFunction.allCases.map { "  " + $0.signature }.joined(separator: "\n")
            + "\n  if(condition, a, b), case when ... then ... else ... end, today()"
            + "\n  int(x), decimal(x), text(x), bool(x), date(x), timestamp(x)\n",
        "metrics": """
            metric NAME = EXPRESSION [as count|percent|money|days|number] [time COLUMN]
              EXPRESSION combines aggregates, each over one dataset (count(contacts),
              count_distinct(sessions.visitor_id), sum(campaigns.spend) where ...), other metrics
              by name, numbers and arithmetic: metric cpl = spend / leads as money.
              `time COLUMN` dates the metric's rows by another column (mqls by mql_at).
              rolling(AGGREGATE, 90 days[, event_time]) and cumulative(AGGREGATE) count over a
              window ending with each period, or everything before its end;
              repeated(count_distinct(orders.customer_id)) the customers with purchases on two
              or more distinct days by each period's end (repurchase_rate, ltv).
            use kpis [with ROLE = DATASET (library_column = column, ...), ...]
              binds the standard library (roles: sessions, contacts, campaigns, deals, emails,
              orders, ads, social, ctas, forms, outbound); `.metrics` lists what is available.
            relate DATASET.COLUMN -> OTHER.KEY   lets OTHER's columns be dimensions of DATASET.
            target METRIC between A and B | >= X | <= X [per GRAIN] [for DIMENSION = VALUE]
              bands and goals per period: .help targets
            """,
        "targets": """
            target METRIC between A and B | >= X | <= X [for DIMENSION = VALUE]
              a band: every `show` of METRIC adds METRIC_target (on target, below, above).
            target METRIC >= X per month [for DIMENSION = VALUE]     (<= X: a ceiling)
            target METRIC per month from GOALS
              a goal for each period; GOALS has a `month` (or `period`) column holding a day
              of each period, a `goal` column and dimension columns (rows of one cell add up).
              A `show` whose rows are the goal's cells (over its grain, or during one of its
              periods, and by exactly its dimensions) adds METRIC_goal, METRIC_attainment
              (actual / goal), METRIC_pace (what a linear pace gives by the as-of day: the
              goal prorated for counts and sums, the goal itself for ratios) and
              METRIC_goal_status: met / missed, or for the period under way on track / behind
              (a ceiling: met / exceeded, on track / over pace). Elsewhere a note says why not.
            use benchmarks   sets the guides' benchmarks as targets: visitor_to_lead between
              1% and 3%, sql_to_customer between 10% and 20%; `.targets` lists targets.
            """,
        "funnel": """
            funnel DATASET: STAGE_TIME -> STAGE_TIME -> ... [by DIM, ...] [within 90 days] [each within 30 days] [during RANGE]
              follows each row through stage timestamps (created_at -> mql_at -> customer_at):
              per step entered, converted, open (still inside `within` at the as-of day), step
              rate (converted / decided), overall rate, median days from the step before.
              `within` runs from entry, `each within` from the step before, in calendar units;
              a skipped stage counts as reached.
            funnel DATASET per ID: CONDITION -> CONDITION -> ... [within 7 days] [each within 2 days] [by DIM] [over GRAIN] [during RANGE]
              an event funnel: each ID enters at its first row meeting the first condition;
              step k is its first row strictly after step k-1's meeting condition k. A step
              `from OTHER [where CONDITION]` reads another dataset with the same ID column.
            """,
        "cohort": """
            cohort DATASET: CUSTOMER, PURCHASE_TIME [over month] [periods N] [by DIM] [value AMOUNT] [with churn]
              retention by first-purchase period: m0..mN, the share of the cohort with a
              purchase (a day with orders) k periods later; n/a after the data ends. Churn
              between k-1 and k is 1 - r(k)/r(k-1) (`with churn`: churn_m1..). `by` splits cohorts by each customer's value
              on their first purchase; `value` adds ltv_m0..ltv_mN, cumulative revenue per
              customer of the cohort (the observed LTV curve).
            """,
        "attribution": """
            attribution CONVERSIONS[.time] to TOUCHES[.time] on KEY [= TOUCH_KEY] [by DIM, ...]
                [model first, last, linear, position, time_decay(7 days)] [within 30 days]
                [over GRAIN] [during RANGE] [value AMOUNT] [where CONDITION]
              credits each conversion to the touches of the same key dated at or before it and
              inside the window: first, last, linear (equal), position (40/20/40), time_decay
              (weight halves every half-life). A column per model, `touches`, and with `value`
              a `_value` column per model. Conversions without a touch are the `(none)` row.
              A KEY or DIM a dataset lacks is looked up along relationships (`relate`, and the
              library's): attribution deals.closed_at to sessions on visitor_id by channel
            """,
        "check": """
            check SHOW_CLAUSES where CONDITION       (the clauses of a show, without the word)
            check from DATASET | ... , check show/funnel/cohort/attribution ...
              the rows found are alerts: printed with "check failed: N rows"; none prints
              "check passed". A script keeps running and exits with status 3 when any check
              found rows (0 when none did, 1 on an error): cron or CI can alert on it.
              Changes of rates are in points: where visitor_to_lead_change_prev_period < -1 pp
            """,
        "statistics": """
            show RATE ... with n, ci
              a rate is a percent metric whose formula is one division. `with n` adds RATE_n
              (its denominator) and RATE_small_n (n under 30); `with ci` adds RATE_low and
              RATE_high (95% Wilson score interval) and, under `vs`, RATE_significant_prev_period
              (two-proportion z-test, pooled, at 95%); with `by`, RATE_significant_vs_total: the
              row against the rest of its period (the total less the row), by the same test.
            show ... by DIM with total
              adds a (total) row per period, computed from all the rows (ratios of totals,
              exact distinct counts), not summed from the rows shown.
            """,
        "show": """
            show METRIC, ... [by DIM, ...] [over day|week|month|quarter|year] [during RANGE]
                 [vs previous period|previous year, ... [whole]] [where CONDITION] [sort KEY [desc], ...]
                 [top N [with other]] [with n, ci, total] [| STEP | ...]
              Each metric is computed from its own datasets at the grain asked for, then lined up
              on the dimensions and the period; ratios come from totals. DIM is a column or an
              expression over columns: by device_type = lower(device). `over` lists every
              period (0 for counts, n/a for rates) and marks partial the periods cut by the
              range or running at the as-of day; nothing after the as-of day counts. Each `vs` adds
              the earlier value (METRIC_prev_period, METRIC_prev_year), the change (in points
              for rates) and the relative change, matched by calendar; a cut period is compared
              with the same span of the earlier one unless `whole`. Before a dataset's first
              row a metric is n/a. Metrics may use rolling(AGG, 90 days), cumulative(AGG) and
              open(AGG, opened_at, closed_at) (the value open at each period's end).
              A `where` on shown metrics filters the result; on columns, the rows read.
              share(METRIC) is each row's part of its period's total.
              by first_touch(sessions.source[, visitor_id]) (or last_touch): the column of the
              key's earliest (latest) row of that dataset, by its time column.
              Goals per period: .help targets; n and confidence: .help statistics.
            funnel ..., cohort ..., attribution ..., check ...: .help funnel, cohort, attribution, check
            After any of the three, pipeline steps continue the result (| where, | select,
              | sort, | top, | chart, ...: see .help pipelines); columns passed through keep
              their format. let NAME = show ... keeps it as a dataset.
            """,
        "formats": """
            Tables show numbers with thousands separators, metrics as their format says
            (percent 12.3%, money 1,234.50, days 3.5), null as n/a. `.mode csv|json` prints raw
            values at full precision with ISO dates, for other programs.
            `.mode html` (or `kpiq --format html report.kpi > report.html`) makes a report: one
            self-contained HTML file (no network needed, no JavaScript) with every table and
            chart in order, the script's -- comments between them, a show without `by` as KPI
            cards (value, change, target, sparkline), notes, the as-of day and data sources.
            At the prompt each input's results are one document; with `.output FILE` the file
            gets one document when it is closed. `export "r.html"` and `.export r.html` write
            the last result as a report.
            """,
    ]

    static func text(topic: String?) -> String {
        if let topic {
            if let text = topics[topic.lowercased()] { return text.hasSuffix("\n") ? text : text + "\n" }
            return "no help on `\(topic)`; topics: " + topics.keys.sorted().joined(separator: ", ") + "\n"
        }
        var out = "Statements: load, from ... | ..., let, metric, show, target, set time, as of, relate, use kpis|benchmarks, funnel, cohort, attribution, check, export, drop, save, open\n"
        out += "Commands:\n"
        let width = DotCommands.all.map { $0.name.count + $0.arguments.count + 2 }.max() ?? 0
        for command in DotCommands.all {
            let left = "." + command.name + (command.arguments.isEmpty ? "" : " " + command.arguments)
            out += "  " + left + String(repeating: " ", count: max(1, width - left.count + 2)) + command.help + "\n"
        }
        out += "Topics: .help " + topics.keys.sorted().joined(separator: " | ") + "\n"
        return out
    }
}
