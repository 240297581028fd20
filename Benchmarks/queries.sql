-- The kpiq KPI workload, DuckDB dialect: 13 queries over the five tables written by
-- tools/gen_marketing.py (events, contacts, campaigns, deals, email_events), loaded by
-- Benchmarks/run.py with explicit column types (see SCHEMA in run.py).
--
-- Format: each query starts with a line "-- name: <id>" (run.py splits on it) and ends with ";".
-- Every query has a total ORDER BY, so results can be compared row by row across engines.
--
-- Semantics the other engines must reproduce:
--   * "/" is floating-point division. DuckDB gives inf/nan for x/0; kpiq's rule is that a zero
--     denominator gives NULL (n/a), so the harness reads inf/nan from DuckDB as NULL.
--   * NULL group keys form their own group and sort last (written out as NULLS LAST).
--   * count(DISTINCT x) ignores NULL; sum over only NULLs is NULL; avg ignores NULLs.

-- name: q1_source_overview
-- traffic by source: sessions, unique visitors, bounce rate, average time on page
SELECT source,
       count(*)                   AS sessions,
       count(DISTINCT visitor_id) AS unique_visitors,
       avg(bounced)               AS bounce_rate,
       avg(seconds_on_page)       AS avg_seconds_on_page   -- NULL = tracking failure, ignored
FROM events
GROUP BY source
ORDER BY source;

-- name: q2_monthly_uv_mom
-- unique visitors per calendar month and the month-over-month change
WITH monthly AS (
    SELECT date_trunc('month', ts)    AS month,
           count(DISTINCT visitor_id) AS unique_visitors
    FROM events
    GROUP BY 1
)
SELECT month,
       unique_visitors,
       lag(unique_visitors) OVER (ORDER BY month)                        AS prev_unique_visitors,
       unique_visitors / lag(unique_visitors) OVER (ORDER BY month) - 1  AS mom_growth
FROM monthly
ORDER BY month;

-- name: q3a_conversion_by_source
-- visitor-to-lead rate per source: distinct visitors with a converting session / distinct visitors
SELECT source,
       count(DISTINCT visitor_id)                                           AS visitors,
       count(DISTINCT visitor_id) FILTER (WHERE converted_to_lead = 1)      AS converting_visitors,
       count(DISTINCT visitor_id) FILTER (WHERE converted_to_lead = 1)
           / count(DISTINCT visitor_id)                                     AS visitor_to_lead_rate,
       sum(converted_to_lead)                                               AS converting_sessions
FROM events
GROUP BY source
ORDER BY source;

-- name: q3b_conversion_by_campaign_top20
-- the same rate per campaign, with the campaign's channel from the dimension table;
-- the 20 campaigns with the most converting visitors (ties by campaign id)
SELECT e.campaign,
       k.channel,
       count(DISTINCT e.visitor_id)                                         AS visitors,
       count(DISTINCT e.visitor_id) FILTER (WHERE e.converted_to_lead = 1)  AS converting_visitors,
       count(DISTINCT e.visitor_id) FILTER (WHERE e.converted_to_lead = 1)
           / count(DISTINCT e.visitor_id)                                   AS visitor_to_lead_rate
FROM events e
JOIN campaigns k ON k.campaign = e.campaign
GROUP BY e.campaign, k.channel
ORDER BY converting_visitors DESC, e.campaign
LIMIT 20;

-- name: q4_funnel_by_source
-- lead -> MQL -> SQL -> customer by source, with step rates. A stage counts as reached when it
-- or any later stage has a timestamp (about 3% of SQLs have no mql_at: they skipped MQL).
SELECT source,
       count(*)                                     AS leads,
       count(coalesce(mql_at, sql_at, customer_at)) AS mqls,
       count(coalesce(sql_at, customer_at))         AS sqls,
       count(customer_at)                           AS customers,
       count(coalesce(mql_at, sql_at, customer_at)) / count(*)                             AS lead_to_mql,
       count(coalesce(sql_at, customer_at)) / count(coalesce(mql_at, sql_at, customer_at)) AS mql_to_sql,
       count(customer_at) / count(coalesce(sql_at, customer_at))                           AS sql_to_customer,
       count(customer_at) / count(*)                                                       AS lead_to_customer
FROM contacts
GROUP BY source
ORDER BY source;

-- name: q5_cac_roi_by_campaign
-- per campaign: CAC = spend / customers attributed to it (contacts.campaign), and
-- ROI = (won deal revenue - spend) / spend. Facts are aggregated before the joins so the
-- dimension row is not multiplied. No customers -> cac NULL; zero spend -> roi n/a.
WITH customers AS (
    SELECT campaign, count(*) AS customers
    FROM contacts
    WHERE customer_at IS NOT NULL AND campaign IS NOT NULL
    GROUP BY campaign
), revenue AS (
    SELECT c.campaign, sum(d.amount) AS won_revenue, count(*) AS won_deals
    FROM deals d
    JOIN contacts c ON c.contact_id = d.contact_id
    WHERE d.won = 1 AND c.campaign IS NOT NULL
    GROUP BY c.campaign
)
SELECT k.campaign,
       k.channel,
       k.spend,
       coalesce(cu.customers, 0)                          AS customers,
       k.spend / cu.customers                             AS cac,
       coalesce(rv.won_deals, 0)                          AS won_deals,
       coalesce(rv.won_revenue, 0)                        AS won_revenue,
       (coalesce(rv.won_revenue, 0) - k.spend) / k.spend  AS roi
FROM campaigns k
LEFT JOIN customers cu ON cu.campaign = k.campaign
LEFT JOIN revenue   rv ON rv.campaign = k.campaign
ORDER BY k.campaign;

-- name: q6_email_rates_by_campaign_month
-- email deliverability, open, click, click-to-open and unsubscribe rates per campaign and month
SELECT campaign,
       date_trunc('month', sent_at)         AS month,
       count(*)                             AS sends,
       sum(delivered)                       AS delivered,
       sum(delivered) / count(*)            AS delivery_rate,
       count(opened_at) / sum(delivered)    AS open_rate,
       count(clicked_at) / sum(delivered)   AS click_rate,
       count(clicked_at) / count(opened_at) AS click_to_open_rate,
       sum(unsubscribed) / sum(delivered)   AS unsubscribe_rate
FROM email_events
GROUP BY campaign, date_trunc('month', sent_at)
ORDER BY campaign, month;

-- name: q7_active_contacts
-- contacts whose last open falls within 30/60/90 days of the latest open in the data
-- (half-open window: last_opened_at > as_of - N days)
WITH as_of AS (
    SELECT max(opened_at) AS as_of FROM email_events
), last_open AS (
    SELECT contact_id, max(opened_at) AS last_opened_at
    FROM email_events
    WHERE opened_at IS NOT NULL
    GROUP BY contact_id
)
SELECT count(*)                                                                  AS ever_opened,
       sum(CASE WHEN last_opened_at > as_of - INTERVAL 30 DAY THEN 1 ELSE 0 END) AS active_30d,
       sum(CASE WHEN last_opened_at > as_of - INTERVAL 60 DAY THEN 1 ELSE 0 END) AS active_60d,
       sum(CASE WHEN last_opened_at > as_of - INTERVAL 90 DAY THEN 1 ELSE 0 END) AS active_90d
FROM last_open CROSS JOIN as_of;

-- name: q8_median_days_lead_to_mql
-- days from lead creation to MQL by source, median (interpolated) and mean, over MQLs only
SELECT source,
       count(*)                                                  AS mqls,
       median(date_diff('second', created_at, mql_at)) / 86400.0 AS median_days_lead_to_mql,
       avg(date_diff('second', created_at, mql_at)) / 86400.0    AS avg_days_lead_to_mql
FROM contacts
WHERE mql_at IS NOT NULL
GROUP BY source
ORDER BY source;

-- name: q9_leads_yoy_by_month
-- leads created per calendar month, compared with the same month one year earlier
WITH monthly AS (
    SELECT year(created_at) AS yr, month(created_at) AS mo, count(*) AS leads
    FROM contacts
    GROUP BY 1, 2
)
SELECT cur.mo                      AS month,
       prev.leads                  AS leads_prev_year,
       cur.leads                   AS leads,
       cur.leads / prev.leads - 1  AS yoy_growth
FROM monthly cur
JOIN monthly prev ON prev.mo = cur.mo AND prev.yr = cur.yr - 1
ORDER BY month;

-- name: q10_pipeline_by_stage
-- deals and amounts per stage, with open stages weighted by win probability (amount may be NULL)
SELECT stage,
       count(*)      AS deals,
       count(amount) AS deals_with_amount,
       sum(amount)   AS total_amount,
       avg(amount)   AS avg_amount,
       sum(amount * CASE stage WHEN 'appointment_scheduled' THEN 0.2
                               WHEN 'qualified'             THEN 0.4
                               WHEN 'proposal_sent'         THEN 0.6
                               WHEN 'negotiation'           THEN 0.8
                               ELSE 0.0 END) AS weighted_pipeline
FROM deals
GROUP BY stage
ORDER BY stage;

-- name: q11_first_touch_attribution
-- source of each web lead's first session (first touch), and leads / customers by it.
-- The heaviest query: group all sessions by visitor id (string keys), then join to contacts.
-- (Offline leads have no visitor_id and drop out of the inner join.)
WITH first_touch AS (
    SELECT visitor_id, arg_min(source, ts) AS first_touch_source
    FROM events
    GROUP BY visitor_id
)
SELECT f.first_touch_source,
       count(*)                         AS leads,
       count(c.customer_at)             AS customers,
       count(c.customer_at) / count(*)  AS lead_to_customer
FROM contacts c
JOIN first_touch f ON f.visitor_id = c.visitor_id
GROUP BY f.first_touch_source
ORDER BY f.first_touch_source;

-- name: q12_sessions_by_country_device
-- two-key group-by with a nullable key (country is NULL for unknown geo): the NULL group is
-- kept and sorted last
SELECT country,
       device,
       count(*)               AS sessions,
       avg(bounced)           AS bounce_rate,
       avg(converted_to_lead) AS session_conversion_rate
FROM events
GROUP BY country, device
ORDER BY country NULLS LAST, device;
