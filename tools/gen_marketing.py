#!/usr/bin/env python3
"""Synthetic B2B marketing dataset for kpiq (Python 3 standard library only).

    python3 tools/gen_marketing.py --scale 1 --out bench-data/sf1 [--seed 42]

Writes five CSV files into --out:

  events.csv        web sessions, exactly round(scale * 1,000,000) rows
                    event_id,ts,visitor_id,source,campaign,landing_page,device,country,
                    bounced,seconds_on_page,converted_to_lead
  contacts.csv      one row per lead: web leads (first converting session of a visitor)
                    plus offline leads from outbound campaigns (trade shows, SDR outreach)
                    contact_id,visitor_id,created_at,source,campaign,company,lifecycle_stage,
                    mql_at,sql_at,customer_at,lead_score,email_opt_in,unsubscribed_at
  campaigns.csv     ~200 campaigns (count fixed; spend grows with --scale)
                    campaign,name,channel,direction,start_date,end_date,spend
  deals.csv         deals of contacts that reached SQL, plus expansion deals of customers
                    deal_id,contact_id,stage,amount,created_at,closed_at,won
  email_events.csv  one row per email sent
                    send_id,contact_id,campaign,sent_at,delivered,opened_at,clicked_at,unsubscribed

Conventions (the things a loader and the KPI semantics have to get right):
  * timestamps 'YYYY-MM-DDTHH:MM:SS' (ISO 8601, no zone); dates 'YYYY-MM-DD'
  * an empty field is NULL; no quoted empty strings are ever written
  * flags are 0/1 integers; deals.won is empty while a deal is open
  * campaigns.end_date is empty for always-on campaigns and campaigns still running at the end
  * contacts.mql_at is empty for ~3% of the contacts that reached SQL (sales accepted them directly)
  * events.country is empty for unknown geo; events.seconds_on_page is empty for ~0.4% of
    sessions (tracking failure); contacts.visitor_id is empty for offline leads;
    contacts.lead_score is empty for ~4%, deals.amount for ~1%
  * quoting: campaign names and company names contain commas, a few landing pages contain
    commas and one contains embedded double quotes (written as "")
  * email newsletters have zero spend (CAC and ROI then divide by zero)
  * everything lies in 2023-01-01 .. 2024-12-31; a lifecycle stage, deal close, email open or
    click that would fall after the end is censored (not reached yet)
  * a visitor's first session never shares its timestamp with another session of the same
    visitor, so "first-touch source" is well defined without a tie-break

Same --scale and --seed give byte-identical files (a single seeded random.Random drives
everything; nothing depends on hash or dict ordering).
"""
import argparse
import array
import bisect
import datetime as dt
import math
import os
import random
import sys
import time

START = dt.date(2023, 1, 1)
N_DAYS = (dt.date(2024, 12, 31) - START).days + 1      # 731
END_T = N_DAYS * 86400                                  # seconds since START; first instant past the data
DAY = 86400

SOURCES = ("organic", "direct", "paid", "referral", "social", "email")
ORGANIC, DIRECT, PAID, REFERRAL, SOCIAL, EMAIL = range(6)

# Source mix of first visits vs. return visits (returning people type the URL or click emails).
NEW_MIX = (0.40, 0.14, 0.19, 0.08, 0.14, 0.05)
RETURN_MIX = (0.28, 0.40, 0.09, 0.05, 0.06, 0.12)
P_NEW_VISITOR = 0.60
BOUNCE_BY_SOURCE = (0.43, 0.35, 0.54, 0.41, 0.61, 0.31)
LEAD_RATE_BY_SOURCE = (0.0095, 0.011, 0.013, 0.016, 0.005, 0.021)  # per session, before page effect
# Share of a source's sessions that carry a campaign tag when one is running.
TAGGED_BY_SOURCE = (0.0, 0.0, 0.97, 0.40, 0.60, 0.95)

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_MIX = (0.56, 0.39, 0.05)
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "CA", "AU", "BR", "NL", "ES", "JP", "SE", "IT",
             "MX", "SG", "PL", "IE", "CH", "ZA", "")          # "" = unknown geo -> NULL
COUNTRY_MIX = (33, 9, 7, 5, 8, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1.5, 1.5, 1, 1, 1, 2)
HOUR_MIX = (1.0, 0.7, 0.5, 0.4, 0.4, 0.6, 1.1, 2.1, 3.4, 4.5, 5.1, 5.4,
            5.0, 5.1, 5.3, 5.0, 4.5, 3.7, 3.0, 2.6, 2.4, 2.1, 1.7, 1.3)

# Landing pages: (path, bounce delta, lead-rate multiplier). Popularity falls off Zipf-like in
# list order. Some paths need CSV quoting (commas, and one with double quotes).
PAGES = [("/", 0.00, 0.8), ("/pricing", -0.05, 1.8), ("/features", -0.03, 1.1),
         ("/demo", -0.08, 3.2), ("/signup", -0.10, 3.0), ("/features/automation", -0.02, 1.2),
         ("/features/reporting", -0.02, 1.2), ("/features/integrations", -0.02, 1.1),
         ("/customers", 0.00, 1.0), ("/about", 0.02, 0.6), ("/contact", -0.04, 2.2),
         ("/login", -0.20, 0.05), ("/careers", 0.05, 0.1), ("/webinars", -0.03, 2.0),
         ("/resources/crm-buyers-guide", -0.04, 2.6), ("/resources/roi-calculator", -0.05, 2.4),
         ("/docs/quickstart", -0.06, 0.4), ("/docs/api", -0.06, 0.3),
         ("/compare?vs=acme,globex", 0.00, 1.5), ("/pricing?plan=team,business", -0.04, 1.9),
         ("/search?q=lead scoring, free", 0.05, 0.7), ('/blog/why-"inbound"-still-works', 0.08, 0.6)]
PAGES += [("/blog/%s" % slug, 0.08, 0.6) for slug in (
    "lead-scoring-101", "mql-vs-sql", "email-deliverability", "cac-explained", "attribution-models",
    "funnel-metrics", "churn-benchmarks", "landing-page-tests", "b2b-seo", "abm-playbook",
    "crm-migration", "webinar-checklist", "sales-handoff", "nurture-sequences", "roi-of-content",
    "utm-hygiene", "pipeline-reviews", "ltv-to-cac", "linkedin-ads", "intent-data",
    "data-quality", "customer-stories", "pricing-pages", "forms-that-convert", "chatbots",
    "event-roi", "quarterly-planning", "growth-loops", "product-led", "revops-basics")]

# channel -> (campaigns, code, traffic source or None (offline), min days, max days,
#             daily budget (per event for trade shows), direction)
CHANNELS = [
    ("paid_search", 48, "PS", PAID, 21, 150, (120, 1000), "inbound"),
    ("display", 18, "DSP", PAID, 14, 75, (60, 500), "inbound"),
    ("paid_social", 42, "SOC", SOCIAL, 10, 100, (90, 800), "inbound"),
    ("content_syndication", 12, "SYN", REFERRAL, 30, 120, (40, 250), "inbound"),
    ("affiliate", 16, "AFF", REFERRAL, 45, 200, (20, 180), "inbound"),
    ("email", 44, "EML", EMAIL, 7, 84, (0, 30), "inbound"),
    ("events", 14, "EVT", None, 1, 3, (4000, 25000), "outbound"),
    ("sdr_outreach", 10, "SDR", None, 30, 120, (120, 600), "outbound"),
]
THEMES = ("Free Trial", "Demo Request", "Retargeting", "Competitor Switch", "Webinar",
          "Product Launch", "Case Study", "Analytics Add-on", "Year-End Offer", "Partner Co-Marketing",
          "Lead Scoring Guide", "Integrations")
REGIONS = ("North America", "EMEA", "APAC", "LATAM", "DACH", "UK & Ireland", "Global")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

COMPANY_WORDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Adventure", "Litware", "Proseware",
                 "Wingtip", "Lucerne", "Margie's", "Alpine", "Coho", "Blue Yonder", "Trey", "Humongous",
                 "Woodgrove", "Fourth Coffee", "Graphic Design", "Relecloud", "VanArsdel")
COMPANY_KINDS = ("Traders", "Software", "Bank", "Airlines", "Logistics", "Health", "Energy",
                 "Media", "Analytics", "Insurance", "Robotics", "Retail", "Foods", "Consulting")
COMPANY_FORMS = ("", "", "", ", Inc.", ", LLC", " GmbH", ", Ltd.", " S.A.", ", Co.")

STAGE_P_MQL = {"organic": 0.37, "direct": 0.41, "paid": 0.32, "referral": 0.47, "social": 0.24,
               "email": 0.44, "offline": 0.36}
STAGE_P_SQL = {"organic": 0.34, "direct": 0.37, "paid": 0.31, "referral": 0.44, "social": 0.24,
               "email": 0.37, "offline": 0.43}
P_CUSTOMER = 0.17
P_SKIP_MQL = 0.03                      # of contacts that reach SQL
DEAL_SIZE_BY_SOURCE = {"organic": 1.0, "direct": 1.15, "paid": 0.9, "referral": 1.3, "social": 0.8,
                       "email": 1.0, "offline": 1.7}
OPEN_DEAL_STAGES = ("appointment_scheduled", "qualified", "proposal_sent", "negotiation")


def csv_field(s):
    """RFC 4180 quoting, only when needed (so empty strings stay empty = NULL)."""
    if any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def lookup_table(weights, size=4096):
    """Table of category indices whose frequencies follow weights: LUT[int(u * size)] is a
    fast categorical draw (one random() call, no bisect)."""
    total = float(sum(weights))
    exact = [w / total * size for w in weights]
    counts = [int(x) for x in exact]
    short = size - sum(counts)
    # hand the remaining slots to the largest fractional parts (ties by index: deterministic)
    for i in sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))[:short]:
        counts[i] += 1
    return [i for i, c in enumerate(counts) for _ in range(c)]


class Clock:
    """Formats seconds-since-START as ISO timestamps from precomputed day and time strings."""

    def __init__(self):
        self.days = [(START + dt.timedelta(days=d)).isoformat() for d in range(N_DAYS)]
        self.hms = ["%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) for s in range(DAY)]

    def ts(self, t):
        return self.days[t // DAY] + "T" + self.hms[t % DAY]

    def ts_or_null(self, t):
        return "" if t is None else self.ts(t)


class Campaign:
    __slots__ = ("key", "name", "channel", "direction", "first_day", "end_day", "last_day",
                 "spend", "source", "pull", "newsletter")


def plan_campaigns(rng, scale):
    r = rng.random
    out = []
    for channel, count, code, source, dmin, dmax, (blo, bhi), direction in CHANNELS:
        for i in range(count):
            c = Campaign()
            always_on = (channel == "paid_search" and i < 2) or (channel == "affiliate" and i == 0)
            if always_on:
                first, end = 0, None
            else:
                first = int(r() * (N_DAYS - dmin))
                end = first + dmin + int(r() * (dmax - dmin + 1)) - 1
                if end >= N_DAYS:
                    end = None                       # still running when the data stops
            c.first_day, c.end_day = first, end
            c.last_day = N_DAYS - 1 if end is None else end
            sd = START + dt.timedelta(days=first)
            c.key = "%d%02d-%s-%03d" % (sd.year, sd.month, code, i + 1)
            c.newsletter = channel == "email" and i % 6 == 0
            quarter = "Q%d %d" % ((sd.month - 1) // 3 + 1, sd.year)
            if c.newsletter:
                c.name = "Customer Newsletter, %s %d" % (MONTHS[sd.month - 1], sd.year)
            elif always_on:
                c.name = "Brand - Always On, %s" % REGIONS[i % len(REGIONS)]
            else:
                c.name = "%s - %s, %s" % (THEMES[int(r() * len(THEMES))],
                                          REGIONS[int(r() * len(REGIONS))], quarter)
            c.channel, c.direction, c.source = channel, direction, source
            daily = blo + r() * (bhi - blo)
            live_days = c.last_day - first + 1
            if c.newsletter:
                spend = 0.0                          # in-house newsletter: no media cost
            elif channel == "events":
                spend = daily * scale                # one-off booth cost, not per day
            else:
                spend = daily * live_days * scale
            c.spend = round(spend, 2)
            # traffic pull: always-on brand terms pull most; otherwise budget-driven
            c.pull = 5 if always_on else 1 + int(3 * (daily - blo) / max(bhi - blo, 1))
            out.append(c)
    out.sort(key=lambda c: (c.first_day, c.key))
    return out


def daily_session_counts(rng, n_events):
    """Split n_events over the days: growth, weekends, summer and holiday dips, noise."""
    w = []
    for d in range(N_DAYS):
        day = START + dt.timedelta(days=d)
        f = 1.0 + 0.75 * d / N_DAYS
        if day.weekday() >= 5:
            f *= 0.66
        if day.month == 8:
            f *= 0.88
        if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
            f *= 0.65
        f *= max(0.5, 1.0 + 0.07 * rng.gauss(0.0, 1.0))
        w.append(f)
    total = sum(w)
    exact = [n_events * x / total for x in w]
    counts = [int(x) for x in exact]
    for d in sorted(range(N_DAYS), key=lambda d: (counts[d] - exact[d], d))[:n_events - sum(counts)]:
        counts[d] += 1
    return counts


def campaign_rosters(campaigns):
    """Per traffic source and day: the running campaigns, each repeated by its pull, so a
    uniform pick from the list is a pull-weighted pick. Also each day's paid and social
    budget pressure, which scales how much traffic those sources get."""
    roster = [[[] for _ in range(N_DAYS)] for _ in SOURCES]
    for ci, c in enumerate(campaigns):
        if c.source is None:
            continue
        for d in range(c.first_day, c.last_day + 1):
            roster[c.source][d].extend([ci] * c.pull)
    pressure = []
    for s in range(len(SOURCES)):
        sizes = [len(roster[s][d]) for d in range(N_DAYS)]
        mean = sum(sizes) / N_DAYS or 1.0
        pressure.append([x / mean for x in sizes])
    return roster, pressure


def write_events(path, rng, clock, campaigns, n_events, seed):
    """Simulate sessions day by day; returns visitor ids and the web leads they produced."""
    r = rng.random
    gauss = rng.gauss
    counts = daily_session_counts(rng, n_events)
    roster, pressure = campaign_rosters(campaigns)
    keys = [c.key for c in campaigns]
    lp_of = [csv_field("/lp/" + c.key.lower()) for c in campaigns]

    page_lut = lookup_table([1.0 / (i + 1) ** 0.85 for i in range(len(PAGES))])
    page_str = [csv_field(p[0]) for p in PAGES]
    page_bounce = [p[1] for p in PAGES]
    page_conv = [p[2] for p in PAGES]
    device_lut = lookup_table(DEVICE_MIX, 1024)
    country_lut = lookup_table(COUNTRY_MIX, 1024)
    return_lut = lookup_table(RETURN_MIX, 1024)
    hour_lut = lookup_table(HOUR_MIX, 1024)
    tagged = TAGGED_BY_SOURCE
    lead_rate = LEAD_RATE_BY_SOURCE
    bounce_src = BOUNCE_BY_SOURCE
    hms = clock.hms

    # Visitor ids: a bijective scramble of the visitor number into 12 hex digits (odd
    # multipliers and a wide xorshift are invertible mod 2^48), so ids are unique, look
    # random, and never need a collision check.
    mask = (1 << 48) - 1
    salt = (seed * 0x2545F4914F6CDD1D + 0x5851F42D) & mask
    vid_str = []                        # visitor number -> id string
    vid_dev = bytearray()               # usual device
    vid_ctry = []                       # country string ('' unknown)
    vid_first = array.array("q")        # second of the first session
    history = array.array("l")          # visitor number of every session so far (for returns)
    leads = []                          # (created_t, visitor number, source, campaign index)
    has_lead = set()
    eid = 0
    with open(path, "w", newline="") as fh:
        fh.write("event_id,ts,visitor_id,source,campaign,landing_page,device,country,"
                 "bounced,seconds_on_page,converted_to_lead\n")
        for d in range(N_DAYS):
            # source mix of new visitors today: paid and social follow today's budgets
            w = list(NEW_MIX)
            for s in (PAID, SOCIAL, EMAIL):
                w[s] *= 0.35 + 0.65 * pressure[s][d]
            new_lut = lookup_table(w, 1024)
            rost = [roster[s][d] for s in range(6)]
            day_t = d * DAY
            prefix = clock.days[d] + "T"
            secs = sorted([hour_lut[int(r() * 1024)] * 3600 + int(r() * 3600) for _ in range(counts[d])])
            recent = 3 * len(secs)               # about three days of sessions
            lines = []
            add = lines.append
            for sec in secs:
                eid += 1
                t = day_t + sec
                n = len(history)
                v = -1
                if n and r() >= P_NEW_VISITOR:
                    u = r()
                    # a third of returns come back within days, the rest from the long tail
                    back = int(min(n, recent) * u / 0.33) if u < 0.33 else int(n * u * u * u)
                    v = history[n - 1 - back]
                    if vid_first[v] == t:
                        v = -1                     # keep each first session's timestamp unique
                    else:
                        src = return_lut[int(r() * 1024)]
                if v < 0:
                    v = len(vid_str)
                    x = ((v + salt) * 0xD1B54A32D193) & mask
                    vid_str.append("%012x" % (((x ^ (x >> 24)) * 0x9E3779B97F4B) & mask))
                    vid_dev.append(device_lut[int(r() * 1024)])
                    vid_ctry.append(COUNTRIES[country_lut[int(r() * 1024)]])
                    vid_first.append(t)
                    src = new_lut[int(r() * 1024)]
                history.append(v)

                ci = -1
                if tagged[src] and rost[src] and r() < tagged[src]:
                    lst = rost[src]
                    ci = lst[int(r() * len(lst))]
                if ci >= 0 and r() < 0.72:
                    camp, lp, pb, pc = keys[ci], lp_of[ci], -0.06, 2.2    # campaign landing page
                else:
                    p = page_lut[int(r() * 4096)]
                    camp = keys[ci] if ci >= 0 else ""
                    lp, pb, pc = page_str[p], page_bounce[p], page_conv[p]
                dev = vid_dev[v] if r() < 0.91 else device_lut[int(r() * 1024)]
                pbounce = bounce_src[src] + pb + (0.07 if dev == 1 else 0.0)
                if r() < pbounce:
                    bounced, secs_on, conv = "1", str(int(r() * 12)), "0"
                else:
                    bounced = "0"
                    x = int(80.0 * math.exp(1.05 * gauss(0.0, 1.0)))
                    secs_on = str(x if x < 3600 else 3600)
                    if r() < lead_rate[src] * pc / (1.0 - bounce_src[src]):
                        conv = "1"
                        if v not in has_lead:      # only the first form fill creates a contact
                            has_lead.add(v)
                            leads.append((min(t + 10 + int(r() * 900), END_T - 1), v, src, ci))
                    else:
                        conv = "0"
                if r() < 0.004:
                    secs_on = ""                   # tracking failure -> NULL
                add(f"{eid},{prefix}{hms[sec]},{vid_str[v]},{SOURCES[src]},{camp},{lp},"
                    f"{DEVICES[dev]},{vid_ctry[v]},{bounced},{secs_on},{conv}\n")
            fh.write("".join(lines))
    return vid_str, leads


def lognormal_seconds(gauss, median_days, sigma):
    return int(median_days * DAY * math.exp(sigma * gauss(0.0, 1.0)))


def build_contacts(rng, campaigns, vid_str, web_leads, scale):
    """Web leads plus offline leads, ordered by creation; lifecycle progression with censoring."""
    r = rng.random
    gauss = rng.gauss
    raw = [(t, vid_str[v], SOURCES[src], ci) for (t, v, src, ci) in web_leads]
    for ci, c in enumerate(campaigns):
        if c.direction != "outbound":
            continue
        expected = (30 + r() * 150) if c.channel == "events" else (50 + r() * 150)
        n = int(expected * scale + r())          # randomized rounding keeps small scales unbiased
        t0 = c.first_day * DAY
        span = (c.last_day - c.first_day + 12) * DAY   # leads keep arriving after the event
        for _ in range(n):
            t = t0 + int(r() * span)
            if t < END_T:
                raw.append((t, "", "offline", ci))
    raw.sort(key=lambda x: (x[0], x[1], x[3]))

    contacts = []
    for i, (t, vis, src, ci) in enumerate(raw):
        fit = gauss(0.0, 1.0)                    # latent fit: drives both score and progression
        lift = math.exp(0.35 * fit)
        mql = sql = cust = None
        stage = "lead"
        if r() < min(0.95, STAGE_P_MQL[src] * lift):
            t1 = t + lognormal_seconds(gauss, 3.5, 1.1)
            if t1 < END_T:
                mql, stage = t1, "mql"
                if r() < min(0.95, STAGE_P_SQL[src] * lift):
                    t2 = t1 + lognormal_seconds(gauss, 8.0, 0.9)
                    if t2 < END_T:
                        sql, stage = t2, "sql"
                        if r() < P_CUSTOMER * lift:
                            t3 = t2 + lognormal_seconds(gauss, 30.0, 0.75)
                            if t3 < END_T:
                                cust, stage = t3, "customer"
                        if r() < P_SKIP_MQL:
                            mql = None           # sales accepted the lead directly
        bonus = {"lead": 0, "mql": 12, "sql": 20, "customer": 25}[stage]
        score = "" if r() < 0.04 else str(max(0, min(100, int(42 + 14 * fit + bonus + 6 * gauss(0.0, 1.0)))))
        company = "" if r() < 0.08 else csv_field(
            COMPANY_WORDS[int(r() * len(COMPANY_WORDS))] + " " + COMPANY_KINDS[int(r() * len(COMPANY_KINDS))]
            + COMPANY_FORMS[int(r() * len(COMPANY_FORMS))])
        opt_in = 1 if r() < (0.50 if src == "offline" else 0.74) else 0
        contacts.append({
            "id": i + 1, "visitor": vis, "created": t, "source": src,
            "campaign": campaigns[ci].key if ci >= 0 else "", "company": company, "stage": stage,
            "mql": mql, "sql": sql, "customer": cust, "score": score, "opt_in": opt_in,
            "unsub": None, "fit": fit,
            "engagement": min(3.0, math.exp(0.8 * gauss(0.0, 1.0))),
            "hard_bounce": r() < 0.02,
        })
    return contacts


def write_email_events(path, rng, clock, campaigns, contacts):
    """Weekly nurture sends to a sample of opted-in contacts, fortnightly newsletters to most of
    them. Unsubscribes stop later sends and are written back to the contacts."""
    r = rng.random
    gauss = rng.gauss
    created = [c["created"] for c in contacts]
    sends = []                                   # (time, campaign index, audience share, open rate)
    for ci, c in enumerate(campaigns):
        if c.channel != "email":
            continue
        share = 0.55 + r() * 0.2 if c.newsletter else 0.08 + r() * 0.17
        open_rate = 0.2 + r() * 0.15 if c.newsletter else 0.14 + r() * 0.2
        step = 14 if c.newsletter else 7
        hour = (8, 10, 14)[int(r() * 3)]
        d = c.first_day
        while d <= c.last_day:
            sends.append((d * DAY + hour * 3600, ci, share, open_rate))
            d += step
    sends.sort()
    n = 0
    with open(path, "w", newline="") as fh:
        fh.write("send_id,contact_id,campaign,sent_at,delivered,opened_at,clicked_at,unsubscribed\n")
        for (T, ci, share, open_rate) in sends:
            eligible = bisect.bisect_left(created, T)
            k = int(eligible * share + 0.5)
            if k == 0:
                continue
            key = campaigns[ci].key
            lines = []
            for j in sorted(rng.sample(range(eligible), k)):
                c = contacts[j]
                if not c["opt_in"] or c["unsub"] is not None:
                    continue
                n += 1
                st = T + int(r() * 1800)         # sending is spread over half an hour
                if c["hard_bounce"] or r() < 0.012:
                    lines.append(f"{n},{j + 1},{key},{clock.ts(st)},0,,,0\n")
                    continue
                age_days = (st - c["created"]) / DAY
                p_open = open_rate * c["engagement"] * math.exp(-age_days / 365.0)
                opened = clicked = ""
                t_open = None
                if r() < p_open:
                    t = st + 60 + int(2.5 * 3600 * math.exp(1.3 * gauss(0.0, 1.0)))
                    if t < END_T:
                        t_open, opened = t, clock.ts(t)
                        if r() < 0.15 + 0.07 * (c["fit"] > 0):
                            tc = t + 3 + int(r() * 900)
                            if tc < END_T:
                                clicked = clock.ts(tc)
                unsub = "0"
                if r() < (0.0025 if t_open is not None else 0.004):
                    tu = (t_open if t_open is not None else st) + 20 + int(r() * 7200)
                    if tu < END_T:
                        unsub = "1"
                        c["unsub"] = tu
                lines.append(f"{n},{j + 1},{key},{clock.ts(st)},1,{opened},{clicked},{unsub}\n")
            fh.write("".join(lines))
    return n


def write_contacts(path, clock, contacts):
    ts = clock.ts_or_null
    with open(path, "w", newline="") as fh:
        fh.write("contact_id,visitor_id,created_at,source,campaign,company,lifecycle_stage,"
                 "mql_at,sql_at,customer_at,lead_score,email_opt_in,unsubscribed_at\n")
        fh.write("".join(
            f"{c['id']},{c['visitor']},{clock.ts(c['created'])},{c['source']},{c['campaign']},"
            f"{c['company']},{c['stage']},{ts(c['mql'])},{ts(c['sql'])},{ts(c['customer'])},"
            f"{c['score']},{c['opt_in']},{ts(c['unsub'])}\n" for c in contacts))


def write_deals(path, rng, clock, contacts):
    """A deal for (most) SQLs; won exactly when the contact became a customer; some customers
    expand later. Open deals have no closed_at and an empty won."""
    r = rng.random
    gauss = rng.gauss
    deals = []                                   # (created, contact id, stage, amount, closed, won)
    for c in contacts:
        if c["sql"] is None:
            continue
        won_t = c["customer"]
        if won_t is None and r() < 0.1:
            continue                             # SQL never got a deal record
        created = min(c["sql"] + int(r() * 3 * DAY), END_T - 1)
        size = DEAL_SIZE_BY_SOURCE[c["source"]] * math.exp(0.25 * c["fit"])
        amount = round(8500.0 * size * math.exp(0.85 * gauss(0.0, 1.0)), 2)
        if won_t is not None:
            created = min(created, won_t - 3600)
            deals.append((created, c["id"], "closed_won", amount, won_t, "1"))
            if r() < 0.25:                       # expansion deal a few months later
                t = won_t + (45 + int(r() * 240)) * DAY
                if t < END_T:
                    extra = round(amount * (0.2 + 0.6 * r()), 2)
                    close = t + lognormal_seconds(gauss, 35.0, 0.6)
                    if close >= END_T:
                        deals.append((t, c["id"], OPEN_DEAL_STAGES[int(r() * 4)], extra, None, ""))
                    elif r() < 0.7:
                        deals.append((t, c["id"], "closed_won", extra, close, "1"))
                    else:
                        deals.append((t, c["id"], "closed_lost", extra, close, "0"))
        else:
            close = created + lognormal_seconds(gauss, 40.0, 0.8)
            if close < END_T and r() < 0.85:
                deals.append((created, c["id"], "closed_lost", amount, close, "0"))
            else:
                age_days = (END_T - created) / DAY   # older open deals are further along
                stage = OPEN_DEAL_STAGES[min(3, int(r() * 4 * min(1.0, 0.3 + age_days / 120.0)))]
                deals.append((created, c["id"], stage, amount, None, ""))
    deals.sort(key=lambda x: (x[0], x[1], x[2]))
    with open(path, "w", newline="") as fh:
        fh.write("deal_id,contact_id,stage,amount,created_at,closed_at,won\n")
        lines = []
        for i, (created, cid, stage, amount, closed, won) in enumerate(deals):
            amt = "" if r() < 0.01 else "%.2f" % amount
            lines.append(f"{i + 1},{cid},{stage},{amt},{clock.ts(created)},{clock.ts_or_null(closed)},{won}\n")
        fh.write("".join(lines))
    return len(deals)


def write_campaigns(path, campaigns):
    def day(d):
        return "" if d is None else (START + dt.timedelta(days=d)).isoformat()
    with open(path, "w", newline="") as fh:
        fh.write("campaign,name,channel,direction,start_date,end_date,spend\n")
        for c in campaigns:
            fh.write(f"{c.key},{csv_field(c.name)},{c.channel},{c.direction},"
                     f"{day(c.first_day)},{day(c.end_day)},{c.spend:.2f}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, required=True, help="events = round(scale * 1,000,000)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    if args.scale <= 0:
        ap.error("--scale must be positive")
    n_events = int(round(args.scale * 1_000_000))
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    clock = Clock()

    campaigns = plan_campaigns(rng, args.scale)
    vid_str, web_leads = write_events(os.path.join(args.out, "events.csv"), rng, clock, campaigns,
                                       n_events, args.seed)
    t_events = time.time() - t0
    contacts = build_contacts(rng, campaigns, vid_str, web_leads, args.scale)
    n_visitors = len(vid_str)
    del vid_str
    n_emails = write_email_events(os.path.join(args.out, "email_events.csv"), rng, clock, campaigns, contacts)
    write_contacts(os.path.join(args.out, "contacts.csv"), clock, contacts)   # after email: unsubscribes
    n_deals = write_deals(os.path.join(args.out, "deals.csv"), rng, clock, contacts)
    write_campaigns(os.path.join(args.out, "campaigns.csv"), campaigns)
    size_mb = sum(os.path.getsize(os.path.join(args.out, f)) for f in
                  ("events.csv", "contacts.csv", "campaigns.csv", "deals.csv", "email_events.csv")) / 1e6
    print(f"gen_marketing: scale={args.scale:g} seed={args.seed} out={args.out}: events={n_events} "
          f"visitors={n_visitors} contacts={len(contacts)} campaigns={len(campaigns)} deals={n_deals} "
          f"email_events={n_emails}, {size_mb:.1f} MB in {time.time() - t0:.1f}s "
          f"(events {t_events:.1f}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
