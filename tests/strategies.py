"""Hypothesis strategies for raw histories of the spec's shape: customers,
orders and subscription price periods, timestamps on and off period
boundaries, duplicates, refunds, trials, gaps and comebacks, every billing
interval, quantities, and a share of unusable rows; product events (bursts of
same-day events, lapses longer than a period, local midnights), email sends and
their events (clicks without opens, machine opens, bounces then opens, events
before their send or without one) and NPS responses (every category edge and
scores out of range), with ids shared by conflicting rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

FIRST_DAY = datetime(2023, 11, 1)
SPAN_DAYS = 480  # to early 2025: month, quarter and year boundaries all occur
CUSTOMERS = ["c1", "c2", "c3", "c4", "c5", "c6", " c2 "]  # " c2 " is c2 once trimmed

BOUNDARIES = [datetime(2023, 11, 1)]
for months in range(1, 17):
    index = 2023 * 12 + 10 + months
    BOUNDARIES.append(datetime(index // 12, index % 12 + 1, 1))

instants = st.one_of(
    st.sampled_from(BOUNDARIES),  # exactly on a period's first instant
    st.builds(lambda s: FIRST_DAY + timedelta(seconds=s), st.integers(0, SPAN_DAYS * 86400)),
    st.builds(lambda b, s: b - timedelta(seconds=s), st.sampled_from(BOUNDARIES[1:]), st.integers(1, 3)),
    # midnight in New York (UTC-5, or UTC-4 in summer), where that variant cuts its periods
    st.builds(lambda b, h: b + timedelta(hours=h), st.sampled_from(BOUNDARIES), st.sampled_from([4, 5])),
)

money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("500.00"), places=2)

completed_spellings = st.sampled_from(["completed", "Completed", " COMPLETED "])
other_statuses = st.sampled_from(["refunded", "cancelled", "pending", "Pending "])
usable_currencies = st.sampled_from(["USD", "USD", "USD", "usd ", "EUR"])  # EUR has a rate in the tests
customer_ids = st.sampled_from(CUSTOMERS)

# Most rows are usable; an unusable row has one flaw, so every check is reached.
ORDER_FLAWS = ["no_customer", "no_timestamp", "unknown_status", "negative_amount", "no_rate", "refund_too_much"]
SUBSCRIPTION_FLAWS = ["no_customer", "ends_before_start", "unknown_interval", "negative_amount",
                      "negative_seats", "no_rate"]


def flaw(draw, flaws):
    return draw(st.one_of(st.just(None), st.just(None), st.just(None), st.just(None), st.just(None),
                          st.just(None), st.just(None), st.just(None), st.sampled_from(flaws)))


@st.composite
def order_rows(draw):
    problem = flaw(draw, ORDER_FLAWS)
    amount = draw(money)
    status = draw(st.one_of(completed_spellings, completed_spellings, completed_spellings, other_statuses))
    refund_kind = draw(st.sampled_from(["none", "none", "none", "partial", "full"]))
    refunded = {"none": None, "partial": (amount * Decimal("0.25")).quantize(Decimal("0.01")),
                "full": amount}[refund_kind]
    row = {
        "customer_id": draw(customer_ids),
        "ordered_at": draw(instants),
        "status": status,
        "amount": amount,
        "currency": draw(usable_currencies),
        "refunded_amount": refunded,
    }
    if problem == "no_customer":
        row["customer_id"] = draw(st.sampled_from([None, "  "]))
    elif problem == "no_timestamp":
        row["ordered_at"] = None
    elif problem == "unknown_status":
        row["status"] = draw(st.sampled_from(["shipped", None, ""]))
    elif problem == "negative_amount":
        row["amount"] = Decimal("-5.00")
    elif problem == "no_rate":
        row["currency"] = draw(st.sampled_from(["GBP", None]))
    elif problem == "refund_too_much":
        row["refunded_amount"] = amount + Decimal("1.00")
    return row


@st.composite
def subscription_rows(draw, subscription_id: str):
    """One subscription: consecutive price periods (upgrades, downgrades, seat
    changes), maybe a zero-price trial first, maybe cancelled, maybe running."""
    customer_id = draw(customer_ids)
    interval = draw(st.sampled_from(["week", "month", "quarter", "year", "Month "]))
    start = draw(instants)
    rows = []
    periods = draw(st.integers(1, 4))
    for index in range(periods):
        trial = index == 0 and periods > 1 and draw(st.booleans())
        if index == periods - 1 and draw(st.booleans()):
            end = None
        else:
            end = draw(st.one_of(
                st.builds(lambda d: start + timedelta(days=d), st.integers(1, 200)),
                st.sampled_from([b for b in BOUNDARIES if b > start] or [start + timedelta(days=31)]),
            ))
        row = {
            "subscription_id": subscription_id,
            "customer_id": customer_id,
            "plan_id": draw(st.sampled_from(["basic", "pro", None])),
            "started_at": start,
            "ended_at": end,
            "billing_interval": interval,
            "amount": Decimal("0.00") if trial else draw(money),
            "quantity": draw(st.one_of(st.none(), st.integers(1, 5), st.just(0))),
            "currency": draw(st.sampled_from(["USD", "USD", "USD", "EUR"])),
        }
        problem = flaw(draw, SUBSCRIPTION_FLAWS)
        if problem == "no_customer":
            row["customer_id"] = None
        elif problem == "ends_before_start":
            row["ended_at"] = draw(st.sampled_from([start, start - timedelta(days=1)]))
        elif problem == "unknown_interval":
            row["billing_interval"] = draw(st.sampled_from(["fortnight", None]))
        elif problem == "negative_amount":
            row["amount"] = Decimal("-1.00")
        elif problem == "negative_seats":
            row["quantity"] = -1
        elif problem == "no_rate":
            row["currency"] = "GBP"
        rows.append(row)
        if end is None or row["ended_at"] is None or row["ended_at"] <= start:
            break
        start = end
    return rows


@st.composite
def customer_rows(draw):
    rows = []
    for customer_id in draw(st.lists(st.sampled_from(CUSTOMERS + [None]), max_size=5)):
        rows.append({
            "customer_id": customer_id,
            "created_at": draw(st.one_of(instants, st.none())),
            "country": draw(st.sampled_from(["us", " DE", None])),
            "acquisition_channel": draw(st.sampled_from(["Organic", "paid_search ", None])),
            "email": draw(st.sampled_from(["A@Example.com ", "b@example.com", None])),
        })
    return rows


@st.composite
def acquisition_cost_rows(draw):
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        day = draw(st.one_of(instants, st.none()))
        rows.append({
            "month": None if day is None else day.date(),
            "channel": draw(st.sampled_from(["paid_search", "Organic ", "social", "paid_search", None])),
            "spend": draw(st.one_of(money, money, money, st.just(Decimal("-10.00")), st.none())),
        })
    return rows


# -- engagement sources (spec sections 7-9) -----------------------------------------------
USERS = ["u1", "u2", "u3", "u4", "u5", " u2 "]  # " u2 " is u2 once trimmed
EVENT_NAMES = ["login", "login", "page_view", " login ", "Login", "purchase"]
EVENT_FLAWS = ["no_user", "no_timestamp", "no_name"]
# local midnight in New York: 05:00 UTC in winter, 04:00 in summer, and a second before
midnights = st.builds(lambda d, h: FIRST_DAY + timedelta(days=d, hours=h),
                      st.integers(0, SPAN_DAYS), st.sampled_from([0, 4, 5, 4 - 1 / 3600, 5 - 1 / 3600]))
event_instants = st.one_of(instants, midnights)


@st.composite
def event_rows(draw, max_bursts: int = 4):
    """Bursts of one user's events: several on one day, days in a row, and gaps
    between bursts long enough to lapse for a period or more."""
    rows = []
    for _ in range(draw(st.integers(0, max_bursts))):
        user = draw(st.sampled_from(USERS))
        start = draw(event_instants)
        for _ in range(draw(st.integers(1, 4))):
            start += draw(st.sampled_from([timedelta(0), timedelta(minutes=5), timedelta(hours=3), timedelta(days=1),
                                           timedelta(days=2), timedelta(days=6), timedelta(days=27)]))
            row = {"event_id": None, "user_id": user,
                   "customer_id": draw(st.sampled_from(CUSTOMERS[:4] + [None, None])),
                   "occurred_at": start, "event_name": draw(st.sampled_from(EVENT_NAMES))}
            problem = flaw(draw, EVENT_FLAWS)
            if problem == "no_user":
                row["user_id"] = draw(st.sampled_from([None, " "]))
            elif problem == "no_timestamp":
                row["occurred_at"] = None
            elif problem == "no_name":
                row["event_name"] = draw(st.sampled_from([None, ""]))
            rows.append(row)
    # event_id is nullable: some rows carry one, now and then one another row already carries
    given: list[str] = []
    for index, row in enumerate(rows):
        kind = draw(st.integers(0, 9))
        if kind < 4:
            row["event_id"] = f"e{index}"
            given.append(row["event_id"])
        elif kind == 4 and given:
            row["event_id"] = draw(st.sampled_from(given))
    return rows


EMAIL_EVENT_TYPES = ["delivered", "open", "open", "click", "bounce", "unsubscribe", "spam_complaint", " Open ",
                     "CLICK"]
SEND_FLAWS = ["no_customer", "no_timestamp"]
EMAIL_EVENT_FLAWS = ["unknown_type", "no_type", "before_send", "no_send", "no_timestamp"]


@st.composite
def email_rows(draw, max_sends: int = 6):
    """Sends and what happened to them: {"email_sends": [...], "email_events": [...]}."""
    sends, events = [], []
    for index in range(draw(st.integers(0, max_sends))):
        reuse = index > 0 and draw(st.integers(0, 9)) == 0  # a send_id shared by two different sends
        send_id = f"m{draw(st.integers(0, index - 1)) if reuse else index}"
        sent_at = draw(instants)
        send = {"send_id": send_id, "customer_id": draw(customer_ids),
                "campaign_id": draw(st.sampled_from(["spring", "spring", " winter", None])), "sent_at": sent_at}
        problem = flaw(draw, SEND_FLAWS)
        if problem == "no_customer":
            send["customer_id"] = None
        elif problem == "no_timestamp":
            send["sent_at"] = None
        sends.append(send)
        # a bounce then an open, a click without an open, machine opens, events long after the send
        machine = draw(st.sampled_from([None, True, False]))  # a mail client opening everything, or not
        for event_type in draw(st.one_of(st.lists(st.sampled_from(EMAIL_EVENT_TYPES), max_size=4),
                                         st.sampled_from([["bounce"], ["bounce", "open"], ["delivered", "click"]]))):
            event = {"send_id": send_id, "event_type": event_type,
                     "occurred_at": sent_at + draw(st.sampled_from([timedelta(0), timedelta(minutes=3),
                                                                    timedelta(days=2), timedelta(days=45)])),
                     "is_machine_open": draw(st.sampled_from([machine, machine, machine, None, True]))}
            problem = flaw(draw, EMAIL_EVENT_FLAWS)
            if problem == "unknown_type":
                event["event_type"] = "forward"
            elif problem == "no_type":
                event["event_type"] = None
            elif problem == "before_send":
                event["occurred_at"] = sent_at - timedelta(seconds=1)
            elif problem == "no_send":
                event["send_id"] = draw(st.sampled_from(["ghost-send", None]))
            elif problem == "no_timestamp":
                event["occurred_at"] = None
            events.append(event)
    return {"email_sends": sends, "email_events": events}


@st.composite
def nps_response_rows(draw, max_responses: int = 8):
    rows = []
    for index in range(draw(st.integers(0, max_responses))):
        reuse = index > 0 and draw(st.integers(0, 14)) == 0
        rows.append({
            "response_id": f"r{draw(st.integers(0, index - 1)) if reuse else index}",
            "customer_id": draw(st.sampled_from(CUSTOMERS + [None])),
            "responded_at": draw(st.one_of(instants, instants, instants, st.none())),
            # every category edge, any score, and scores out of range or missing
            "score": draw(st.one_of(st.sampled_from([0, 6, 7, 8, 9, 10]), st.integers(0, 10),
                                    st.sampled_from([11, -1, None]))),
        })
    return rows


@st.composite
def histories(draw, max_orders: int = 25, max_subscriptions: int = 6):
    """A raw history: {table: rows, or None for an absent table}."""
    # lengths drawn uniformly: hypothesis keeps plain lists short, and histories need depth
    orders = [draw(order_rows()) for _ in range(draw(st.integers(0, max_orders)))]
    for index, row in enumerate(orders):
        # ids are unique, except now and then an id reused on another row (a conflict)
        reuse = index > 0 and draw(st.integers(0, 19)) == 0
        row["order_id"] = f"o{draw(st.integers(0, index - 1)) if reuse else index}"
    subscriptions = []
    for index in range(draw(st.integers(0, max_subscriptions))):
        subscriptions += draw(subscription_rows(f"s{index}"))
    customers = draw(customer_rows())
    costs = draw(acquisition_cost_rows())
    events = draw(event_rows())
    email = draw(email_rows())
    responses = draw(nps_response_rows())
    # exact duplicates of some rows
    for rows in (orders, subscriptions, customers, costs, events, email["email_sends"], email["email_events"],
                 responses):
        if rows:
            for position in draw(st.lists(st.integers(0, len(rows) - 1), max_size=3)):
                rows.append(dict(rows[position]))
    return {
        "orders": orders,
        "subscriptions": draw(st.sampled_from([subscriptions, subscriptions, subscriptions, None])),
        "customers": draw(st.sampled_from([customers, None])),
        "acquisition_costs": draw(st.sampled_from([costs, costs, None])),
        "events": draw(st.sampled_from([events, events, events, None])),
        "email_sends": draw(st.sampled_from([email["email_sends"], email["email_sends"], None])),
        "email_events": draw(st.sampled_from([email["email_events"], email["email_events"], None])),
        "nps_responses": draw(st.sampled_from([responses, responses, None])),
    }



ENGAGEMENT_TABLES = ("events", "email_sends", "email_events", "nps_responses")


# -- text feeds ---------------------------------------------------------------------------
# A feed that delivers every column as text: each value written one of the ways real
# exports write it, and now and then a value no warehouse can use.
BAD_TIMESTAMPS = ["2024-02-30 10:00:00", "garbage", "03/05/2024 10:00", "infinity", "-infinity",
                  "2031-06-01 09:00:00", "1899-12-31 23:59:59", "2024-01-31T25:00:00",
                  "2024-01-31 10:00:00+15:00", "2024-1-5", "0000-01-01", "2024-01-31t20:00:00z",
                  "1899-02-30 10:00:00"]
BAD_NUMBERS = ["NaN", "inf", "-Infinity", "1e40", "1e15", "12,50", "garbage", "1e400", "-0.5e1", "$3",
               "100000000000000000000000000000000e-20", "0.00000000000000000001e20"]
BAD_COUNTS = ["2.5", "1e20", "two", "3.0", "nan"]
BAD_BOOLEANS = ["maybe", "2", "tru", "oui"]
TIMESTAMP_COLUMNS = {"ordered_at", "started_at", "ended_at", "created_at", "occurred_at", "sent_at", "responded_at"}
COUNT_COLUMNS = {"quantity", "score"}
TRUE_SPELLINGS = ["true", "t", " YES ", "y", "1", "True"]
FALSE_SPELLINGS = ["false", "F", "no", " n", "0", "FALSE"]
NUMBER_COLUMNS = {"amount", "refunded_amount", "spend"}


def timestamp_as_text(value: datetime, choice: int) -> str:
    if choice == 1:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if choice == 2:
        return (value - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    if choice == 3:
        return (value + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S+05:30")
    if choice == 4:
        return f" {value.strftime('%Y-%m-%d %H:%M:%S')}.000 "
    if choice == 5 and value == datetime(value.year, value.month, value.day):
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S")


def number_as_text(value: Decimal, choice: int) -> str:
    if choice == 1:
        return f" {value} "
    if choice == 2 and value >= 0:
        return f"+{value}"
    if choice == 3:
        return f"{value:e}"
    return str(value)


def row_as_text(row: dict, salt: int, bad_share: int) -> dict:
    """The row as a text feed delivers it. The choices hang on the row's content, so
    exact duplicate rows stay exact duplicates."""
    digest = int.from_bytes(__import__("hashlib").sha256(f"{salt}|{sorted(row.items(), key=str)}".encode())
                            .digest()[:8], "big")
    choice, digest = digest % 6, digest // 6
    bad_column = None
    if digest % bad_share == 0:
        columns = [c for c in row
                   if c in TIMESTAMP_COLUMNS | NUMBER_COLUMNS | COUNT_COLUMNS | {"month", "is_machine_open"}]
        bad_column = columns[(digest // bad_share) % len(columns)] if columns else None
    pick = (digest // 7) % 10
    text = {}
    for column, value in row.items():
        if column == bad_column:
            pool = (BAD_COUNTS if column in COUNT_COLUMNS else BAD_NUMBERS if column in NUMBER_COLUMNS
                    else BAD_BOOLEANS if column == "is_machine_open" else BAD_TIMESTAMPS)
            text[column] = pool[pick % len(pool)]
        elif value is None:
            text[column] = None if choice % 2 else " " * (choice % 3)
        elif isinstance(value, datetime):
            text[column] = timestamp_as_text(value, choice)
        elif isinstance(value, bool):
            text[column] = (TRUE_SPELLINGS if value else FALSE_SPELLINGS)[pick % 6]
        elif isinstance(value, Decimal):
            text[column] = number_as_text(value, choice % 4)
        elif isinstance(value, int):
            text[column] = f"{value}.0" if choice == 1 else str(value)
        elif hasattr(value, "isoformat"):  # a date
            text[column] = value.isoformat() + ("T00:00:00Z" if choice % 2 else "")
        else:
            text[column] = value
    return text


@st.composite
def text_histories(draw):
    """A history (as histories() draws it) delivered by a text feed."""
    raw = draw(histories())
    salt = draw(st.integers(0, 2**31))
    bad_share = draw(st.sampled_from([4, 8, 1000]))
    return {table: None if rows is None else [row_as_text(row, salt, bad_share) for row in rows]
            for table, rows in raw.items()}


# -- spec section 11, segments --------------------------------------------------------------------
def subscription_row(subscription_id, customer_id, plan_id, started_at, ended_at, amount) -> dict:
    return {"subscription_id": subscription_id, "customer_id": customer_id, "plan_id": plan_id,
            "started_at": started_at, "ended_at": ended_at, "billing_interval": "month",
            "amount": Decimal(str(amount)), "quantity": None, "currency": "USD"}


ATTRIBUTE_VALUES = {"industry": [" Retail", "retail", "Retail ", "", "  ", None, "SaaS"],
                    "company_size": ["1-10", " 11-50 ", None, 50, "11-50"]}
PLANS = ["basic", "pro", "Pro", None, " pro "]


@st.composite
def segment_histories(draw):
    """histories() without the engagement sources, plus what section 11 turns on: customer attributes
    with blanks, customers rows that differ in an attribute only, plan moves within a period and on
    its boundaries, several subscriptions per customer running at once, and ties in MRR."""
    raw = {t: rows for t, rows in draw(histories(max_orders=15, max_subscriptions=4)).items()
           if t not in ENGAGEMENT_TABLES}
    if raw["customers"] is not None:
        for row in raw["customers"]:
            for name, values in ATTRIBUTE_VALUES.items():
                row[name] = draw(st.sampled_from(values))
        if raw["customers"] and draw(st.booleans()):
            twin = dict(draw(st.sampled_from(raw["customers"])))
            twin["industry"] = draw(st.sampled_from(ATTRIBUTE_VALUES["industry"]))
            raw["customers"].append(twin)
    if raw["subscriptions"] is not None:
        extra = []
        for index in range(draw(st.integers(0, 4))):
            customer_id = draw(st.sampled_from(CUSTOMERS))
            start = draw(instants)
            amount = draw(st.sampled_from([Decimal("20.00"), Decimal("20.00"), Decimal("35.50"), Decimal("0.00")]))
            # a move, on a boundary or within a period, to a plan of the same or another price
            move = draw(st.one_of(st.sampled_from([b for b in BOUNDARIES if b > start] or [start + timedelta(days=9)]),
                                  st.builds(lambda d: start + timedelta(days=d, hours=5), st.integers(1, 90))))
            first, second = draw(st.sampled_from(PLANS)), draw(st.sampled_from(PLANS))
            extra.append(subscription_row(f"x{index}", customer_id, first, start, move, amount))
            extra.append(subscription_row(f"x{index}", customer_id, second, move, draw(st.sampled_from(
                [None, move + timedelta(days=40)])), draw(st.sampled_from([amount, Decimal("20.00"),
                                                                             Decimal("60.00")]))))
            if draw(st.booleans()):  # a second subscription beside it, maybe at the same price: a tie
                extra.append(subscription_row(f"y{index}", customer_id, draw(st.sampled_from(PLANS)), start,
                                          draw(st.sampled_from([None, move])), amount))
        raw["subscriptions"] = raw["subscriptions"] + extra
    return raw


