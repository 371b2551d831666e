"""How the reference reads a raw value, written from the project's documented
rules (docs/metrics.md, "Reading raw values") rather than from its SQL.

A raw value is either already typed (datetime, date, Decimal, int, float) or
text. Text is read by these rules:
- a timestamp is ISO 8601: YYYY-MM-DD, optionally a space or T and
  HH:MM[:SS[.ffffff]], optionally Z or an offset ±HH[:MM] (hours up to 14);
  a real calendar day; with an offset it is that instant in UTC, without one
  it is UTC. `infinity` / `-infinity` are instants far in the future / past,
  and so is any year before 1900.
- a number is [+-]digits[.digits][e±NN] (at most 20 digits either side of the
  point, an exponent of one or two digits, no digit beyond the 18th decimal
  place once the exponent is applied), or NaN, inf, infinity (any case).
Blank text is a missing value. A timestamp is in range from 1900-01-01 to the
moment the build runs plus one day; a number when it is finite and its
magnitude is below 10^15, judged on the exact value read (text to its last
digit; a decimal column in full, but one with more than 22 decimals is
rounded to 22 first; a double is its double).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MISSING = object()  # blank or null
UNPARSEABLE = object()

TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|[+-]\d{2}(?::\d{2})?)?)?"
)
NUMBER = re.compile(r"[+-]?(?:\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})(?:[eE][+-]?\d{1,2})?")
DECIMAL_PLACES = 18  # text: "no digit beyond the 18th decimal place once the exponent is applied"
COLUMN_DECIMAL_PLACES = 22  # a decimal column "with more than 22 decimals is rounded to 22 first"
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59)
FAR_PAST = datetime(1, 1, 1)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def read_timestamp(value: Any) -> Any:
    """A naive UTC datetime, MISSING or UNPARSEABLE."""
    if is_blank(value):
        return MISSING
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if text.lower() in ("infinity", "+infinity"):
        return FAR_FUTURE
    if text.lower() == "-infinity":
        return FAR_PAST
    match = TIMESTAMP.fullmatch(text)
    if not match:
        return UNPARSEABLE
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if int(year) < 1900:
        return FAR_PAST
    if not 1 <= int(month) <= 12:
        return UNPARSEABLE
    try:
        local = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         int((fraction or "0").ljust(6, "0")))
    except ValueError:
        return UNPARSEABLE
    if offset is None:
        return local
    if offset == "Z":
        return local
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6] or 0) if len(offset) > 3 else 0
    if hours > 14 or minutes > 59:
        return UNPARSEABLE
    shifted = local.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return shifted.astimezone(timezone.utc).replace(tzinfo=None)


def read_exact_number(value: Any) -> Any:
    """The exact value read: a Decimal (text, decimals, integers) or a float (a
    double column; NaN and infinities included); MISSING or UNPARSEABLE."""
    if is_blank(value):
        return MISSING
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return float(value)
        if value.as_tuple().exponent < -COLUMN_DECIMAL_PLACES:
            return value.quantize(Decimal(1).scaleb(-COLUMN_DECIMAL_PLACES), rounding=ROUND_HALF_UP)
        return value
    text = str(value).strip()
    if text.lower() in ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
        return float(text.lower().replace("infinity", "inf"))
    if not NUMBER.fullmatch(text):
        return UNPARSEABLE
    number = Decimal(text)
    # the digits as written, the exponent applied: trailing zeros count
    if number.as_tuple().exponent < -DECIMAL_PLACES:
        return UNPARSEABLE
    return number


def read_number(value: Any) -> Any:
    """A float (NaN and infinities included), MISSING or UNPARSEABLE."""
    number = read_exact_number(value)
    if number is MISSING or number is UNPARSEABLE:
        return number
    return float(number)


def number_in_range(number: float | Decimal) -> bool:
    """Finite and of magnitude below 10^15, compared exactly."""
    if isinstance(number, float):
        return math.isfinite(number) and abs(number) < 1e15
    return number.is_finite() and abs(number) < 10**15


def read_money(value: Any) -> Any:
    """The exact Decimal read when usable (unrounded: checks compare it); MISSING,
    UNPARSEABLE, or 'out of range'."""
    number = read_exact_number(value)
    if number is MISSING or number is UNPARSEABLE:
        return number
    if not number_in_range(number):
        return "out of range"
    return number if isinstance(number, Decimal) else Decimal(number)


def read_whole_number(value: Any) -> Any:
    """int when usable; MISSING, UNPARSEABLE (not a number, or not whole) or 'out of range'."""
    number = read_exact_number(value)
    if number is MISSING or number is UNPARSEABLE:
        return number
    if not number_in_range(number):
        return "out of range"
    if number != math.floor(number):
        return UNPARSEABLE
    return int(number)


def timestamp_in_range(instant: datetime, now: datetime) -> bool:
    return datetime(1900, 1, 1) <= instant <= now + timedelta(days=1)


def checked_timestamp(value: Any, now: datetime) -> Any:
    """A usable UTC datetime, MISSING, UNPARSEABLE or 'out of range'."""
    instant = read_timestamp(value)
    if instant is MISSING or instant is UNPARSEABLE:
        return instant
    return instant if timestamp_in_range(instant, now) else "out of range"
