-- The KPI-statement benchmark in DuckDB SQL: one section per statement of kpi_statements.kpi,
-- each starting with "-- name: <id>" and computing what the kpiq statement of the same name
-- means, with the "as of" day 2024-12-31 (nothing dated on or after 2025-01-01 counts).
-- Benchmarks/kpi_statements.py compares kpiq's answers with these as sorted rows, so the
-- ORDER BY here is for reading only. Column names follow kpiq's.
--
-- Where the semantics of funnel and cohort are changing (2026-12-06), these queries follow the
-- NEW rules:
--   funnel: `within` runs from the entry in calendar units (90 days = entry + INTERVAL 90 DAY,
--           the end included); a stage dated before the previous one counts at 0 days.
--   cohort: a purchase is a distinct (customer, day); repurchase rate = customers with purchases
--           on two or more distinct days / customers; r(k) = share of the cohort with a purchase
--           in the k-th month after the month of its first purchase; a cell after the last month
--           with data (or after the as-of month) is NULL.

-- name: s1_show_vs_previous_period
-- show visitors, bounce_rate, visitor_to_lead by source over month during 2024 vs previous period
-- visitors = count(DISTINCT events.visitor_id), bounce_rate = bounced sessions / sessions (events,
-- by ts), visitor_to_lead = leads (contacts, by created_at) / visitors. Every source seen in
-- 2023-12..2024-12 times every month; empty cells are 0 for counts. The previous period of a
-- month is the month before (2024-01 against 2023-12), read whole.
WITH sess AS (
    SELECT source, date_trunc('month', ts)::DATE AS month, count(DISTINCT visitor_id) AS visitors,
           count(*) AS sessions, count(*) FILTER (WHERE bounced = 1) AS bounced
    FROM events WHERE ts >= DATE '2023-12-01' AND ts < DATE '2025-01-01'
    GROUP BY ALL),
leads AS (
    SELECT source, date_trunc('month', created_at)::DATE AS month, count(*) AS leads
    FROM contacts WHERE created_at >= DATE '2023-12-01' AND created_at < DATE '2025-01-01'
    GROUP BY ALL),
sources AS (SELECT source FROM sess UNION SELECT source FROM leads),
months AS (SELECT generate_series::DATE AS month
           FROM generate_series(DATE '2023-12-01', DATE '2024-12-01', INTERVAL 1 MONTH)),
grid AS (
    SELECT s.source, m.month, coalesce(x.visitors, 0) AS visitors, coalesce(x.sessions, 0) AS sessions,
           coalesce(x.bounced, 0) AS bounced, coalesce(l.leads, 0) AS leads
    FROM sources s CROSS JOIN months m
    LEFT JOIN sess x ON x.source IS NOT DISTINCT FROM s.source AND x.month = m.month
    LEFT JOIN leads l ON l.source IS NOT DISTINCT FROM s.source AND l.month = m.month),
rates AS (
    SELECT source, month, visitors, bounced / nullif(sessions, 0) AS bounce_rate,
           leads / nullif(visitors, 0) AS visitor_to_lead
    FROM grid)
SELECT c.source, c.month,
       c.visitors, p.visitors AS visitors_previous, c.visitors - p.visitors AS visitors_change,
       (c.visitors - p.visitors) / nullif(abs(p.visitors), 0) AS visitors_change_pct,
       c.bounce_rate, p.bounce_rate AS bounce_rate_previous, c.bounce_rate - p.bounce_rate AS bounce_rate_change,
       (c.bounce_rate - p.bounce_rate) / nullif(abs(p.bounce_rate), 0) AS bounce_rate_change_pct,
       c.visitor_to_lead, p.visitor_to_lead AS visitor_to_lead_previous, c.visitor_to_lead - p.visitor_to_lead AS visitor_to_lead_change,
       (c.visitor_to_lead - p.visitor_to_lead) / nullif(abs(p.visitor_to_lead), 0) AS visitor_to_lead_change_pct
FROM rates c
JOIN rates p ON p.source IS NOT DISTINCT FROM c.source AND p.month = c.month - INTERVAL 1 MONTH
WHERE c.month >= DATE '2024-01-01'
ORDER BY c.source NULLS LAST, c.month;

-- name: s1b_show_vs_previous_period_and_year
-- show visitors, bounce_rate, visitor_to_lead by source over month during 2024 vs previous period, previous year
-- As s1, plus each month against the same month a year earlier (2024-03 against 2023-03). The
-- names and order of the year columns are a guess (the syntax is being added on 2026-12-06); the
-- check compares columns by position.
WITH sess AS (
    SELECT source, date_trunc('month', ts)::DATE AS month, count(DISTINCT visitor_id) AS visitors,
           count(*) AS sessions, count(*) FILTER (WHERE bounced = 1) AS bounced
    FROM events WHERE ts >= DATE '2023-01-01' AND ts < DATE '2025-01-01'
    GROUP BY ALL),
leads AS (
    SELECT source, date_trunc('month', created_at)::DATE AS month, count(*) AS leads
    FROM contacts WHERE created_at >= DATE '2023-01-01' AND created_at < DATE '2025-01-01'
    GROUP BY ALL),
-- the sources listed: those with rows in 2024 or in a compared month (2023-01..2023-12)
sources AS (SELECT source FROM sess UNION SELECT source FROM leads),
months AS (SELECT generate_series::DATE AS month
           FROM generate_series(DATE '2023-01-01', DATE '2024-12-01', INTERVAL 1 MONTH)),
grid AS (
    SELECT s.source, m.month, coalesce(x.visitors, 0) AS visitors, coalesce(x.sessions, 0) AS sessions,
           coalesce(x.bounced, 0) AS bounced, coalesce(l.leads, 0) AS leads
    FROM sources s CROSS JOIN months m
    LEFT JOIN sess x ON x.source IS NOT DISTINCT FROM s.source AND x.month = m.month
    LEFT JOIN leads l ON l.source IS NOT DISTINCT FROM s.source AND l.month = m.month),
rates AS (
    SELECT source, month, visitors, bounced / nullif(sessions, 0) AS bounce_rate,
           leads / nullif(visitors, 0) AS visitor_to_lead
    FROM grid)
SELECT c.source, c.month,
       c.visitors, p.visitors AS visitors_previous, c.visitors - p.visitors AS visitors_change,
       (c.visitors - p.visitors) / nullif(abs(p.visitors), 0) AS visitors_change_pct,
       y.visitors AS visitors_previous_year, c.visitors - y.visitors AS visitors_change_year,
       (c.visitors - y.visitors) / nullif(abs(y.visitors), 0) AS visitors_change_pct_year,
       c.bounce_rate, p.bounce_rate AS bounce_rate_previous, c.bounce_rate - p.bounce_rate AS bounce_rate_change,
       (c.bounce_rate - p.bounce_rate) / nullif(abs(p.bounce_rate), 0) AS bounce_rate_change_pct,
       y.bounce_rate AS bounce_rate_previous_year, c.bounce_rate - y.bounce_rate AS bounce_rate_change_year,
       (c.bounce_rate - y.bounce_rate) / nullif(abs(y.bounce_rate), 0) AS bounce_rate_change_pct_year,
       c.visitor_to_lead, p.visitor_to_lead AS visitor_to_lead_previous, c.visitor_to_lead - p.visitor_to_lead AS visitor_to_lead_change,
       (c.visitor_to_lead - p.visitor_to_lead) / nullif(abs(p.visitor_to_lead), 0) AS visitor_to_lead_change_pct,
       y.visitor_to_lead AS visitor_to_lead_previous_year, c.visitor_to_lead - y.visitor_to_lead AS visitor_to_lead_change_year,
       (c.visitor_to_lead - y.visitor_to_lead) / nullif(abs(y.visitor_to_lead), 0) AS visitor_to_lead_change_pct_year
FROM rates c
JOIN rates p ON p.source IS NOT DISTINCT FROM c.source AND p.month = c.month - INTERVAL 1 MONTH
JOIN rates y ON y.source IS NOT DISTINCT FROM c.source AND y.month = c.month - INTERVAL 12 MONTH
WHERE c.month >= DATE '2024-01-01'
ORDER BY c.source NULLS LAST, c.month;

-- name: s2_active_contacts_90d_daily
-- show active_contacts(90 days) over day during 2024
-- The library's active_contacts(N days) = rolling(count_distinct(emails.contact_id) where
-- opened_at is not null, N days, opened_at): for each day d, the contacts with an open dated
-- in the 90 days ending with d (d - 89 .. d). Each (contact, day with an open) makes the
-- contact active on that day and the 89 after it. (The same with a range join,
-- `days LEFT JOIN opens ON opens.d BETWEEN day - 89 AND day`, was no faster in DuckDB 2.0.)
WITH opens AS (
    SELECT DISTINCT contact_id, opened_at::DATE AS d
    FROM email_events
    WHERE opened_at >= DATE '2024-01-01' - INTERVAL 89 DAY AND opened_at < DATE '2025-01-01'
      AND contact_id IS NOT NULL),
active AS (SELECT contact_id, d + o::INTEGER AS day FROM opens, range(0, 90) t(o)),
days AS (SELECT generate_series::DATE AS day
         FROM generate_series(DATE '2024-01-01', DATE '2024-12-31', INTERVAL 1 DAY))
SELECT days.day, count(DISTINCT a.contact_id) AS "active_contacts(90 days)"
FROM days LEFT JOIN active a ON a.day = days.day
GROUP BY days.day
ORDER BY days.day;

-- name: s3_top3_with_other_monthly
-- show visitors by source over month during 2024 top 3 with other
-- The three sources whose best month has the most visitors keep their rows (every month of
-- 2024); the other sources fold into one `other` row per month, whose visitors are counted
-- again over the folded sources' sessions (a visitor seen under two of them counts once).
WITH s AS (
    SELECT source, ts, visitor_id, date_trunc('month', ts)::DATE AS month
    FROM events WHERE ts >= DATE '2024-01-01' AND ts < DATE '2025-01-01'),
m AS (SELECT source, month, count(DISTINCT visitor_id) AS visitors FROM s GROUP BY ALL),
top3 AS (SELECT source FROM m GROUP BY source ORDER BY max(visitors) DESC, source NULLS LAST LIMIT 3),
months AS (SELECT generate_series::DATE AS month
           FROM generate_series(DATE '2024-01-01', DATE '2024-12-01', INTERVAL 1 MONTH)),
kept AS (
    SELECT t.source, months.month, coalesce(m.visitors, 0) AS visitors
    FROM top3 t CROSS JOIN months
    LEFT JOIN m ON m.source IS NOT DISTINCT FROM t.source AND m.month = months.month),
other AS (
    SELECT months.month, count(DISTINCT s.visitor_id) AS visitors
    FROM months LEFT JOIN s ON s.month = months.month
        AND NOT EXISTS (SELECT 1 FROM top3 WHERE top3.source IS NOT DISTINCT FROM s.source)
    GROUP BY months.month)
SELECT source, month, visitors FROM kept
UNION ALL
SELECT 'other', month, visitors FROM other
ORDER BY 1, 2;

-- name: s3b_top3_with_other
-- show visitors by source top 3 with other
-- No range and no periods: every session up to the as-of day (and sessions without a date).
WITH s AS (SELECT source, visitor_id FROM events WHERE ts < DATE '2025-01-01' OR ts IS NULL),
v AS (SELECT source, count(DISTINCT visitor_id) AS visitors FROM s GROUP BY source),
top3 AS (SELECT source FROM v ORDER BY visitors DESC, source NULLS LAST LIMIT 3)
SELECT source, visitors FROM v WHERE source IN (SELECT source FROM top3)
UNION ALL
SELECT 'other', count(DISTINCT visitor_id) FROM s
WHERE NOT EXISTS (SELECT 1 FROM top3 WHERE top3.source IS NOT DISTINCT FROM s.source)
ORDER BY 2 DESC;

-- name: s4_funnel_by_source_90d
-- funnel contacts: created_at -> mql_at -> sql_at -> customer_at by source within 90 days
-- Entry: created_at up to the as-of day. A stage is reached when it or a later stage has a
-- time before the end of the as-of day and at most 90 days (calendar) after the entry. Per
-- step k > 1: entered = reached k-1, converted = reached k, open = entered, not converted and
-- the window still running at the as-of day (entry + 90 days > 2025-01-01 00:00), step_rate =
-- converted / (entered - open), overall_rate = converted / entered at step 1, median_days =
-- median over units with a counted time at stage k of the days from the nearest earlier stage
-- with a counted time (a skipped stage has none), 0 when before it: the funnel rules of docs/kpi.md.
WITH c0 AS (
    SELECT source, created_at AS t1, mql_at, sql_at, customer_at, created_at + INTERVAL 90 DAY AS deadline
    FROM contacts WHERE created_at < TIMESTAMP '2025-01-01'),
c AS (
    -- Counted times: before the end of the as-of day and inside the window from entry.
    SELECT source, t1, deadline,
           CASE WHEN mql_at < TIMESTAMP '2025-01-01' AND mql_at <= deadline THEN mql_at END AS t2,
           CASE WHEN sql_at < TIMESTAMP '2025-01-01' AND sql_at <= deadline THEN sql_at END AS t3,
           CASE WHEN customer_at < TIMESTAMP '2025-01-01' AND customer_at <= deadline THEN customer_at END AS t4
    FROM c0),
r AS (
    SELECT *,
           t4 IS NOT NULL AS r4,
           t4 IS NOT NULL OR t3 IS NOT NULL AS r3,
           t4 IS NOT NULL OR t3 IS NOT NULL OR t2 IS NOT NULL AS r2,
           deadline >= TIMESTAMP '2025-01-01' AS running,
           -- Days from the nearest earlier stage with a counted time; 0 when before it.
           CASE WHEN t2 IS NOT NULL THEN greatest(0, (epoch_us(t2) - epoch_us(t1)) / 86400000000.0) END AS d2,
           CASE WHEN t3 IS NOT NULL THEN greatest(0, (epoch_us(t3) - epoch_us(coalesce(t2, t1))) / 86400000000.0) END AS d3,
           CASE WHEN t4 IS NOT NULL THEN greatest(0, (epoch_us(t4) - epoch_us(coalesce(t3, t2, t1))) / 86400000000.0) END AS d4
    FROM c),
w AS (
    SELECT source, count(*) AS n,
           count(*) FILTER (WHERE r2) AS c2, count(*) FILTER (WHERE NOT r2 AND running) AS o2,
           median(d2) FILTER (WHERE r2) AS m2,
           count(*) FILTER (WHERE r3) AS c3, count(*) FILTER (WHERE r2 AND NOT r3 AND running) AS o3,
           median(d3) FILTER (WHERE r3) AS m3,
           count(*) FILTER (WHERE r4) AS c4, count(*) FILTER (WHERE r3 AND NOT r4 AND running) AS o4,
           median(d4) FILTER (WHERE r4) AS m4
    FROM r GROUP BY source),
steps AS (
    SELECT source, 1 AS step, 'created_at' AS stage, n AS entered, n AS converted, 0 AS open, n AS first, NULL::DOUBLE AS median_days FROM w
    UNION ALL SELECT source, 2, 'mql_at', n, c2, o2, n, m2 FROM w
    UNION ALL SELECT source, 3, 'sql_at', c2, c3, o3, n, m3 FROM w
    UNION ALL SELECT source, 4, 'customer_at', c3, c4, o4, n, m4 FROM w)
SELECT source, step, stage, entered, converted, open,
       CASE WHEN step > 1 THEN converted / nullif(entered - open, 0) END AS step_rate,
       converted / nullif(first, 0) AS overall_rate,
       median_days
FROM steps
ORDER BY source NULLS LAST, step;

-- name: s4b_funnel_by_source_3_months
-- funnel contacts: created_at -> mql_at -> sql_at -> customer_at by source within 3 months
-- As s4 with a window of 3 calendar months from the entry (DuckDB's timestamp + INTERVAL 3 MONTH,
-- which keeps the day of the month or clamps it to the month's last day: 2024-11-30 -> 2025-02-28).
-- Under the old rule a month was 30 days, so this one tells the two rules apart.
-- as s4_funnel_by_source_90d, with "INTERVAL 3 MONTH" for "INTERVAL 90 DAY"

-- name: s5_cohort_visitors_monthly
-- cohort sessions: visitor_id, ts over month periods 12
-- A purchase is a distinct (visitor, day) up to the as-of day. Cohort = month of the first
-- purchase; customers = visitors in it; repurchase_rate = share of them with purchases on two or
-- more days; m<k> = share with a purchase in the month k months after the cohort's month, NULL
-- when that month is after the last month with a purchase (or after the as-of month).
WITH p AS (
    SELECT DISTINCT visitor_id AS who, ts::DATE AS d
    FROM events WHERE visitor_id IS NOT NULL AND ts < TIMESTAMP '2025-01-01'),
cust AS (SELECT who, date_trunc('month', min(d))::DATE AS month, count(*) AS days FROM p GROUP BY who),
act AS (SELECT DISTINCT who, date_trunc('month', d)::DATE AS m FROM p),
l AS (SELECT least(max(m), DATE '2024-12-01') AS last_month FROM act),
s AS (SELECT month, count(*) AS customers, count(*) FILTER (WHERE days >= 2) / count(*) AS repurchase_rate
      FROM cust GROUP BY month),
r AS (SELECT c.month, datediff('month', c.month, a.m) AS k, count(*) AS n
      FROM act a JOIN cust c USING (who) GROUP BY ALL)
SELECT s.month, s.customers, s.repurchase_rate,
       CASE WHEN s.month + INTERVAL 0 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 0), 0) / s.customers END AS m0,
       CASE WHEN s.month + INTERVAL 1 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 1), 0) / s.customers END AS m1,
       CASE WHEN s.month + INTERVAL 2 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 2), 0) / s.customers END AS m2,
       CASE WHEN s.month + INTERVAL 3 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 3), 0) / s.customers END AS m3,
       CASE WHEN s.month + INTERVAL 4 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 4), 0) / s.customers END AS m4,
       CASE WHEN s.month + INTERVAL 5 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 5), 0) / s.customers END AS m5,
       CASE WHEN s.month + INTERVAL 6 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 6), 0) / s.customers END AS m6,
       CASE WHEN s.month + INTERVAL 7 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 7), 0) / s.customers END AS m7,
       CASE WHEN s.month + INTERVAL 8 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 8), 0) / s.customers END AS m8,
       CASE WHEN s.month + INTERVAL 9 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 9), 0) / s.customers END AS m9,
       CASE WHEN s.month + INTERVAL 10 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 10), 0) / s.customers END AS m10,
       CASE WHEN s.month + INTERVAL 11 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 11), 0) / s.customers END AS m11,
       CASE WHEN s.month + INTERVAL 12 MONTH <= l.last_month THEN coalesce(sum(r.n) FILTER (WHERE r.k = 12), 0) / s.customers END AS m12
FROM s CROSS JOIN l LEFT JOIN r ON r.month = s.month
GROUP BY s.month, s.customers, s.repurchase_rate, l.last_month
ORDER BY s.month;

-- name: a1_attribution
-- Contacts up to the as-of day are conversions; a touch is a session of the same visitor at or
-- before the contact's time and no earlier than 30 days before it; ties by event_id (the file's
-- order). Contacts with no touch make the '(none)' row, credited whole by every model.
WITH conv AS (
    SELECT contact_id AS cid, visitor_id, created_at AS ct FROM contacts WHERE created_at < TIMESTAMP '2025-01-01'),
p AS (
    SELECT c.cid, e.event_id, e.ts, e.source, epoch(c.ct - e.ts) / 86400.0 AS age
    FROM conv c JOIN events e ON e.visitor_id = c.visitor_id
    WHERE e.ts <= c.ct AND e.ts >= c.ct - INTERVAL 30 DAY),
r AS (
    SELECT *, row_number() OVER (PARTITION BY cid ORDER BY ts, event_id) AS pos, count(*) OVER (PARTITION BY cid) AS n,
           sum(power(0.5, age / 7)) OVER (PARTITION BY cid) AS w
    FROM p),
credited AS (
    SELECT source, count(*) AS touches,
           sum(CASE WHEN pos = 1 THEN 1 ELSE 0 END)::DOUBLE AS first_touch,
           sum(CASE WHEN pos = n THEN 1 ELSE 0 END)::DOUBLE AS last_touch,
           sum(1.0 / n) AS linear,
           sum(CASE WHEN n = 1 THEN 1 WHEN n = 2 THEN 0.5 WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END) AS position,
           sum(power(0.5, age / 7) / w) AS time_decay
    FROM r GROUP BY source),
untouched AS (
    SELECT count(*)::DOUBLE AS k FROM conv WHERE cid NOT IN (SELECT cid FROM p))
SELECT * FROM credited
UNION ALL
SELECT '(none)', 0, k, k, k, k, k FROM untouched WHERE k > 0
ORDER BY first_touch DESC;

-- name: e1_event_funnel
-- Per visitor: entry at the first paid session (device of that session), conversion at the first
-- converted_to_lead session strictly after it; converted when no later than entry + 7 days
-- (and before the end of the as-of day), open when not converted and the window ends after it.
WITH e AS (
    SELECT visitor_id, ts, device, source = 'paid' AS c0, converted_to_lead = 1 AS c1
    FROM events WHERE visitor_id IS NOT NULL AND ts < TIMESTAMP '2025-01-01'),
s0 AS (SELECT visitor_id, min(ts) AS t0, arg_min(device, ts) AS device FROM e WHERE c0 GROUP BY visitor_id),
s1 AS (SELECT s0.visitor_id, min(e.ts) AS t1 FROM e JOIN s0 USING (visitor_id) WHERE e.c1 AND e.ts > s0.t0 GROUP BY s0.visitor_id),
u AS (SELECT s0.device, s0.t0, s1.t1, s0.t0 + INTERVAL 7 DAY AS deadline FROM s0 LEFT JOIN s1 USING (visitor_id)),
c AS (
    SELECT device, count(*) AS entered,
           count(*) FILTER (WHERE t1 <= deadline) AS converted,
           count(*) FILTER (WHERE NOT coalesce(t1 <= deadline, false) AND deadline >= TIMESTAMP '2025-01-01') AS open,
           median(epoch(t1 - t0) / 86400) FILTER (WHERE t1 <= deadline) AS md
    FROM u GROUP BY device)
SELECT device, 1 AS step, 'source = "paid"' AS stage, entered, entered AS converted, 0 AS open,
       NULL::DOUBLE AS step_rate, 1.0 AS overall_rate, NULL::DOUBLE AS median_days FROM c
UNION ALL
SELECT device, 2, 'converted_to_lead = 1', entered, converted, open,
       converted / nullif(entered - open, 0), converted / entered, md FROM c
ORDER BY device, step;
