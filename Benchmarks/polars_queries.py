"""The 13 queries of queries.sql written with the Polars lazy API.

Each must return the same rows, in the same order, as the DuckDB version. Idiomatic Polars
differs from SQL (and from kpiq) in four places, handled explicitly here:

  * division by zero: Polars gives inf/nan; the KPI rule is NULL (n/a)          -> div()
  * count distinct: n_unique() counts NULL as a value; SQL ignores it          -> count_distinct()
  * sum over only NULLs: Polars gives 0; SQL gives NULL                        -> sql_sum()
  * sorting: Polars puts NULLs first by default; SQL (DuckDB) puts them last   -> nulls_last=True

Polars keeps NULL group keys as a group, like SQL, so group_by needs no change.
"""
import polars as pl

c = pl.col


def div(num, den):
    """num / den, NULL when den is 0 or NULL (kpiq's rule for rates)."""
    return pl.when(den != 0).then(num / den)


def count_distinct(expr):
    return expr.drop_nulls().n_unique()


def sql_sum(expr):
    return pl.when(expr.count() > 0).then(expr.sum())


def build(tables):
    """tables: dict of name -> polars DataFrame. Returns dict of query name -> LazyFrame."""
    ev = tables["events"].lazy()
    co = tables["contacts"].lazy()
    ca = tables["campaigns"].lazy()
    de = tables["deals"].lazy()
    em = tables["email_events"].lazy()
    converting_visitor = c("visitor_id").filter(c("converted_to_lead") == 1)
    q = {}

    q["q1_source_overview"] = (
        ev.group_by("source")
        .agg(sessions=pl.len(),
             unique_visitors=count_distinct(c("visitor_id")),
             bounce_rate=c("bounced").mean(),
             avg_seconds_on_page=c("seconds_on_page").mean())
        .sort("source", nulls_last=True))

    q["q2_monthly_uv_mom"] = (
        ev.group_by(month=c("ts").dt.truncate("1mo"))
        .agg(unique_visitors=count_distinct(c("visitor_id")))
        .sort("month", nulls_last=True)
        .with_columns(prev_unique_visitors=c("unique_visitors").shift(1))
        .with_columns(mom_growth=div(c("unique_visitors"), c("prev_unique_visitors")) - 1))

    q["q3a_conversion_by_source"] = (
        ev.group_by("source")
        .agg(visitors=count_distinct(c("visitor_id")),
             converting_visitors=count_distinct(converting_visitor),
             converting_sessions=c("converted_to_lead").sum())
        .select("source", "visitors", "converting_visitors",
                visitor_to_lead_rate=div(c("converting_visitors"), c("visitors")),
                converting_sessions=c("converting_sessions"))
        .sort("source", nulls_last=True))

    q["q3b_conversion_by_campaign_top20"] = (
        ev.join(ca.select("campaign", "channel"), on="campaign", how="inner")
        .group_by("campaign", "channel")
        .agg(visitors=count_distinct(c("visitor_id")),
             converting_visitors=count_distinct(converting_visitor))
        .with_columns(visitor_to_lead_rate=div(c("converting_visitors"), c("visitors")))
        .sort(["converting_visitors", "campaign"], descending=[True, False], nulls_last=True)
        .head(20))

    mqls = pl.coalesce("mql_at", "sql_at", "customer_at").count()
    sqls = pl.coalesce("sql_at", "customer_at").count()
    q["q4_funnel_by_source"] = (
        co.group_by("source")
        .agg(leads=pl.len(), mqls=mqls, sqls=sqls, customers=c("customer_at").count())
        .with_columns(lead_to_mql=div(c("mqls"), c("leads")),
                      mql_to_sql=div(c("sqls"), c("mqls")),
                      sql_to_customer=div(c("customers"), c("sqls")),
                      lead_to_customer=div(c("customers"), c("leads")))
        .sort("source", nulls_last=True))

    # aggregate the facts first, then join to the campaign dimension (no fan-out)
    customers = (co.filter(c("customer_at").is_not_null() & c("campaign").is_not_null())
                 .group_by("campaign").agg(customers=pl.len()))
    revenue = (de.filter(c("won") == 1)
               .join(co.select("contact_id", "campaign"), on="contact_id", how="inner")
               .filter(c("campaign").is_not_null())
               .group_by("campaign").agg(won_revenue=sql_sum(c("amount")), won_deals=pl.len()))
    won_revenue = c("won_revenue").fill_null(0.0)
    q["q5_cac_roi_by_campaign"] = (
        ca.select("campaign", "channel", "spend")
        .join(customers, on="campaign", how="left")
        .join(revenue, on="campaign", how="left")
        .select("campaign", "channel", "spend",
                customers=c("customers").fill_null(0),
                cac=div(c("spend"), c("customers")),
                won_deals=c("won_deals").fill_null(0),
                won_revenue=won_revenue,
                roi=div(won_revenue - c("spend"), c("spend")))
        .sort("campaign", nulls_last=True))

    q["q6_email_rates_by_campaign_month"] = (
        em.group_by("campaign", month=c("sent_at").dt.truncate("1mo"))
        .agg(sends=pl.len(), delivered=c("delivered").sum(), opened=c("opened_at").count(),
             clicked=c("clicked_at").count(), unsubscribed=c("unsubscribed").sum())
        .select("campaign", "month", "sends", "delivered",
                delivery_rate=div(c("delivered"), c("sends")),
                open_rate=div(c("opened"), c("delivered")),
                click_rate=div(c("clicked"), c("delivered")),
                click_to_open_rate=div(c("clicked"), c("opened")),
                unsubscribe_rate=div(c("unsubscribed"), c("delivered")))
        .sort(["campaign", "month"], nulls_last=True))

    as_of = em.select(as_of=c("opened_at").max())
    last_open = (em.filter(c("opened_at").is_not_null())
                 .group_by("contact_id").agg(last_opened_at=c("opened_at").max()))

    def active(days):
        return (c("last_opened_at") > c("as_of") - pl.duration(days=days)).sum()
    q["q7_active_contacts"] = (
        last_open.join(as_of, how="cross")
        .select(ever_opened=pl.len(), active_30d=active(30), active_60d=active(60),
                active_90d=active(90)))

    seconds = (c("mql_at") - c("created_at")).dt.total_seconds()
    q["q8_median_days_lead_to_mql"] = (
        co.filter(c("mql_at").is_not_null())
        .group_by("source")
        .agg(mqls=pl.len(),
             median_days_lead_to_mql=seconds.median() / 86400.0,
             avg_days_lead_to_mql=seconds.mean() / 86400.0)
        .sort("source", nulls_last=True))

    monthly = (co.group_by(yr=c("created_at").dt.year(), mo=c("created_at").dt.month())
               .agg(leads=pl.len()))
    prev = monthly.select("mo", yr=c("yr") + 1, leads_prev_year=c("leads"))
    q["q9_leads_yoy_by_month"] = (
        monthly.join(prev, on=["mo", "yr"], how="inner")
        .select(month=c("mo"), leads_prev_year=c("leads_prev_year"), leads=c("leads"),
                yoy_growth=div(c("leads"), c("leads_prev_year")) - 1)
        .sort("month", nulls_last=True))

    win_probability = (pl.when(c("stage") == "appointment_scheduled").then(0.2)
                       .when(c("stage") == "qualified").then(0.4)
                       .when(c("stage") == "proposal_sent").then(0.6)
                       .when(c("stage") == "negotiation").then(0.8)
                       .otherwise(0.0))
    q["q10_pipeline_by_stage"] = (
        de.group_by("stage")
        .agg(deals=pl.len(), deals_with_amount=c("amount").count(),
             total_amount=sql_sum(c("amount")), avg_amount=c("amount").mean(),
             weighted_pipeline=sql_sum(c("amount") * win_probability))
        .sort("stage", nulls_last=True))

    # arg_min picks the first session; tools/gen_marketing.py guarantees a visitor's first
    # session timestamp is unique, so DuckDB's arg_min and this agree without a tie-break
    first_touch = (ev.group_by("visitor_id")
                   .agg(first_touch_source=c("source").get(c("ts").arg_min())))
    q["q11_first_touch_attribution"] = (
        co.join(first_touch, on="visitor_id", how="inner")     # NULL visitor ids never match
        .group_by("first_touch_source")
        .agg(leads=pl.len(), customers=c("customer_at").count())
        .with_columns(lead_to_customer=div(c("customers"), c("leads")))
        .sort("first_touch_source", nulls_last=True))

    q["q12_sessions_by_country_device"] = (
        ev.group_by("country", "device")
        .agg(sessions=pl.len(), bounce_rate=c("bounced").mean(),
             session_conversion_rate=c("converted_to_lead").mean())
        .sort(["country", "device"], nulls_last=True))

    return q
